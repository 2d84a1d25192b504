"""One self-contained HTML page: for a conformance run the verdict of every operation and each failed check with
its reproduction, then the coverage matrix (operation x status) and every violation with its pointer and its
exchange; for a replay session also the requests it had no recorded answer for and the interactions no request
had. No scripts, no external files: it can be attached to a CI run or mailed."""

from __future__ import annotations

from html import escape

from .._models import Severity
from .summary import Summary

__all__ = ["serialize"]

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}.seen{background:#d8f5d8}.miss{color:#aaa}.extra{background:#fde2c2}
.error{color:#b00020;font-weight:600}.warning{color:#8a6d00}code{font-size:12px}
.pass{background:#d8f5d8}.fail{background:#f9d0d0}.untested{color:#aaa}pre{background:#f6f6f6;padding:.5em;
white-space:pre-wrap;word-break:break-all;font-size:12px}
"""


def serialize(summary: Summary) -> str:
    summary = summary.redacted()
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>assistants-contract report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>assistants-contract report</h1>",
        f"<p>{summary.exchanges} exchanges, <span class='error'>{summary.errors} errors</span>, "
        f"<span class='warning'>{summary.warnings} warnings</span>.</p>",
    ]
    if summary.checks:
        parts.extend(_verdicts(summary))
    if summary.replay is not None:
        parts.extend(_replay(summary))
    for version, operations in summary.documented.items():
        seen = summary.coverage.get(version, {})
        statuses = sorted(
            {s for op in operations.values() for s in op} | {str(s) for c in seen.values() for s in c.statuses}
        )
        covered = sum(1 for op in operations if op in seen)
        parts.append(
            f"<h2>{escape(version)}: {covered}/{len(operations)} operations seen</h2><table><tr><th>operation</th>"
        )
        parts.extend(f"<th>{escape(s)}</th>" for s in statuses)
        parts.append("</tr>")
        for op_id in sorted(operations):
            parts.append(f"<tr><td>{escape(op_id)}</td>")
            counts = seen[op_id].statuses if op_id in seen else {}
            for status in statuses:
                n = counts.get(int(status), 0) if status.isdigit() else 0
                documented = status in operations[op_id]
                css = "seen" if n and documented else "extra" if n else "miss"
                parts.append(f"<td class='{css}'>{n if n else ('·' if documented else '')}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("<h2>Violations</h2>")
    if not summary.findings:
        parts.append("<p>None.</p>")
    for f in summary.findings:
        v = f.violation
        css = "error" if v.severity is Severity.ERROR else "warning"
        where = f"{escape(f.source)}#{f.index}" if f.source else ""
        status = f.status if f.status is not None else "no response"
        parts.append(
            f"<div><p><span class='{css}'>{escape(v.severity.value)} {escape(v.code)}</span> "
            f"[{escape(v.operation_id or '-')}] at <code>{escape(v.pointer or '/')}</code>: {escape(v.message)}</p>"
            f"<p><code>{escape(f.method)} {escape(f.url)} → {status}</code>"
            f" {where}<br><code>{escape(v.schema_location or '')}</code></p></div>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)


def _replay(summary: Summary) -> list[str]:
    replay = summary.replay
    assert replay is not None
    parts = [
        "<h2>Replay</h2>",
        f"<p>{replay.requests} requests against {replay.interactions} recorded interactions from"
        f" {len(replay.cassettes)} cassettes: {replay.played} answered, {replay.repeated} with a read's last answer"
        f" again, {replay.refused} refused (--strict), <span class='error'>{len(replay.misses)} without a recorded"
        f" answer</span>, {len(replay.unused)} interactions unused.</p>",
        "<h3>Requests without a recorded answer</h3>",
    ]
    if not replay.misses:
        parts.append("<p>None.</p>")
    for m in replay.misses:
        parts.append(
            f"<div><p><span class='error'>{escape(m.code)}</span> <code>{escape(m.method)} {escape(m.url)}</code>"
            f"</p><pre>{escape(m.message)}</pre></div>"
        )
    parts.append("<h3>Unused interactions</h3>")
    if not replay.unused:
        parts.append("<p>None.</p>")
    else:
        parts.append("<table><tr><th>cassette</th><th>#</th><th>request</th></tr>")
        parts.extend(
            f"<tr><td>{escape(u.source or '')}</td><td>{u.index}</td><td><code>{escape(u.method)} {escape(u.url)}"
            "</code></td></tr>"
            for u in replay.unused
        )
        parts.append("</table>")
    return parts


def _verdicts(summary: Summary) -> list[str]:
    run = summary.run
    parts = [
        f"<h2>Conformance of {escape(str(run.get('target', '')))}</h2>",
        f"<p>{run.get('cases', 0)} cases in {run.get('seconds', 0)} s, seed <code>{run.get('seed')}</code>,"
        f" stages {escape(', '.join(run.get('stages', [])))}.</p>",
    ]
    for version, operations in summary.documented.items():
        parts.append(f"<h3>{escape(version)}</h3><table><tr><th>operation</th><th>verdict</th><th>checks</th></tr>")
        for op_id in sorted(operations):
            verdict = summary.verdict(version, op_id)
            tallies = sorted((c, t) for (v, op, c), t in summary.checks.items() if v == version and op == op_id)
            checks = ", ".join(
                f"<span class='{'error' if t.failed else ''}'>{escape(c)} {t.passed}/{t.passed + t.failed}</span>"
                for c, t in tallies
            )
            parts.append(f"<tr><td>{escape(op_id)}</td><td class='{verdict}'>{verdict}</td><td>{checks}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Failed checks</h2>")
    if not summary.failures:
        parts.append("<p>None.</p>")
    for f in summary.failures:
        where = f" at <code>{escape(f.violation.pointer or '/')}</code>" if f.violation is not None else ""
        parts.append(
            f"<div><p><span class='error'>{escape(f.check)}</span> [{escape(f.version)}"
            f" {escape(f.operation_id or '-')}]{where}</p><pre>{escape(f.message)}</pre>"
            + (
                f"<p>seed <code>{f.seed}</code>; reproduce with:</p><pre>{escape(f.reproduction)}</pre>"
                if f.reproduction
                else ""
            )
            + "</div>"
        )
    return parts
