"""The report for people at a terminal: findings grouped by source, then a coverage table."""

from __future__ import annotations

from .._models import Severity
from .summary import Summary

__all__ = ["render", "render_replay", "render_verify"]


def render(summary: Summary, *, show_warnings: bool = True, findings: bool = True) -> str:
    """The findings (unless `findings=False`, when they were shown live), then coverage and totals."""
    if findings:
        summary = summary.redacted()
    lines: list[str] = []
    current = object()
    for f in summary.findings if findings else ():
        if f.violation.severity is Severity.WARNING and not show_warnings:
            continue
        if f.source != current:
            current = f.source
            lines.append(f"{f.source or '(no source)'}")
        where = f"#{f.index}" if f.index is not None else ""
        status = f" -> {f.status}" if f.status is not None else ""
        v = f.violation
        lines.append(f"  {where} {f.method} {f.url}{status}")
        at = f" at {v.pointer}" if v.pointer else ""
        lines.append(f"      {v.severity.value:7} {v.code}{at} [{v.operation_id or '-'}]: {v.message}")
        if v.schema_location:
            lines.append(f"              schema: {v.schema_location}")
    if lines:
        lines.append("")
    lines.append("coverage:")
    for version, operations in summary.documented.items():
        seen = summary.coverage.get(version, {})
        covered = sum(1 for op in operations if op in seen)
        lines.append(f"  {version}: {covered}/{len(operations)} operations seen")
        for op_id in sorted(seen):
            statuses = ", ".join(f"{s}x{n}" for s, n in sorted(seen[op_id].statuses.items()))
            lines.append(f"    {op_id:28} {seen[op_id].count:5}  {statuses}")
    unusable = ""
    if summary.unusable:  # lint's input files that could not be used: one line each, and the run is not ok
        shown = summary.unusable if findings else summary.redacted().unusable
        lines.append(f"unusable files: {len(shown)}")
        lines.extend(f"  {u.file}: {u.reason} [{u.code}]" for u in shown)
        unusable = f", {len(shown)} unusable file{'s' if len(shown) != 1 else ''}"
    verdict = "FAIL" if summary.errors else "INCOMPLETE" if summary.unusable else "ok"
    lines.append(
        f"{summary.exchanges} exchanges, {summary.errors} errors, {summary.warnings} warnings{unusable}: {verdict}"
    )
    return "\n".join(lines) + "\n"


def render_verify(summary: Summary, *, reproductions: bool = True) -> str:
    """A conformance run for a terminal: the verdict of every operation, then each failure with its seed and
    the requests to reproduce it, then one line with the outcome."""
    summary = summary.redacted()
    lines: list[str] = []
    for version, operations in summary.documented.items():
        verdicts = {op_id: summary.verdict(version, op_id) for op_id in sorted(operations)}
        counts = {v: sum(1 for x in verdicts.values() if x == v) for v in ("pass", "fail", "untested")}
        lines.append(
            f"{version}: {len(operations)} operations: {counts['pass']} pass, {counts['fail']} fail,"
            f" {counts['untested']} untested"
        )
        for op_id, verdict in verdicts.items():
            tallies = {c: t for (v, op, c), t in summary.checks.items() if v == version and op == op_id}
            failed = sorted(c for c, t in tallies.items() if t.failed)
            runs = sum(t.passed + t.failed for t in tallies.values())
            detail = ", ".join(failed) if failed else f"{len(tallies)} checks, {runs} runs"
            lines.append(f"  {op_id:28} {verdict.upper() if verdict == 'fail' else verdict:8} {detail}")
    failures = summary.failures
    if failures:
        lines.append("")
        lines.append("failures:")
    for f in failures:
        lines.append(f"  [{f.version} {f.operation_id or '-'}] {f.check}")
        lines.extend(f"      {line}" for line in f.message.splitlines())
        if f.violation is not None and f.violation.schema_location:
            lines.append(f"      schema: {f.violation.schema_location}")
        if f.seed is not None:
            lines.append(f"      seed: {f.seed}")
        if reproductions and f.reproduction:
            lines.append("      reproduce with:")
            lines.extend(f"        {line}" for line in f.reproduction.splitlines())
    run = summary.run
    failed_ops = {(f.version, f.operation_id) for f in failures}
    verdict = f"FAIL ({len(failures)} failures in {len(failed_ops)} operations)" if summary.failed else "ok"
    lines.append("")
    lines.append(
        f"verify {run.get('target', '')}: {run.get('cases', 0)} cases in {run.get('seconds', 0)} s,"
        f" seed {run.get('seed')}: {verdict}"
    )
    return "\n".join(lines) + "\n"


def render_replay(summary: Summary) -> str:
    """A replay session for a terminal: the requests it had no recorded answer for, the interactions no request
    had, then the violations and coverage as `render` shows them, and one line with the outcome."""
    summary = summary.redacted()
    replay = summary.replay
    if replay is None:
        return render(summary)
    lines: list[str] = []
    lines.append(f"unmatched requests: {len(replay.misses) or 'none'}")
    for m in replay.misses:
        lines.append(f"  {m.method} {m.url}  {m.code}")
        lines.append(f"      {m.message}")
    lines.append(f"unused interactions: {len(replay.unused) or 'none'}")
    for u in replay.unused:
        lines.append(f"  {u.source} #{u.index}  {u.method} {u.url}")
    lines.append(f"violations: {summary.errors} errors, {summary.warnings} warnings")
    out = "\n".join(lines) + "\n" + render(summary)
    answered = replay.played + replay.repeated
    repeated = f" ({replay.repeated} with a read's last answer again)" if replay.repeated else ""
    verdict = "FAIL" if summary.failed else "ok"
    return out + (
        f"replay: {replay.requests} requests: {answered} answered{repeated}, {replay.refused} refused,"
        f" {len(replay.misses)} unmatched; {len(replay.unused)} of {replay.interactions} interactions unused"
        f" ({len(replay.cassettes)} cassettes): {verdict}\n"
    )
