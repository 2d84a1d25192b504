"""One self-contained HTML page for every command (the proxy, lint, replay, verify): what broke the contract first,
then what the traffic covered.

The page has, in order: the totals and a count per violation code; the files that could not be read; for a
conformance run the verdict of every operation and each failed check with its reproduction; for a replay session
the requests it had no recorded answer for; every violation, grouped by operation, each with its body pretty-printed
and the offending node marked, the schema rule it broke, the request and response it came from and the cassette
interaction that holds them; and last the coverage matrix (operation x status, per version) with a legend.

It is built from `Summary.redacted()`, like every report, and every text is escaped. No data goes into the script:
the filters read `data-*` attributes, so a body holding `</script>` stays text. Inline CSS and script, no external
files, and a Content-Security-Policy that allows no fetch: the page can be attached to a CI run or mailed. Without
JavaScript the filters stay hidden and everything is shown.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from .._models import Exchange, Headers, Severity
from ..contract.sse import SSEParser
from ..record.redact import Redactor
from .summary import SHOWN_BODY_BYTES, SHOWN_EXCHANGES, Finding, Summary

__all__ = ["serialize"]

_WINDOW = 60  # lines shown around the marked node of a long body
_LONGEST = 240  # a body of more lines is cut to a window around the marked node
_NO_OPERATION = "(no operation)"
_INLINE = 72  # characters of JSON a list or object may take to stay on one line

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:110em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.2em .55em;text-align:left}
th{background:#f3f3f3}code,pre{font:12px/1.35 ui-monospace,monospace}
pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
.error{color:#b00020;font-weight:600}.warning{color:#8a6d00;font-weight:600}
td.seen{background:#d8f5d8}td.broken{background:#f4b4b4;font-weight:600}td.warned{background:#fbeaa8}
td.extra{background:#fde2c2}td.miss{color:#999}td.none{background:#fafafa}
.pass{background:#d8f5d8}.fail{background:#f9d0d0}.untested{color:#aaa}
mark{background:#ffd54f;outline:1px solid #b00020}
article.violation{border-left:4px solid #b00020;padding:.2em .8em;margin:.8em 0;background:#fff}
article.violation[data-severity=warning]{border-color:#d4a400}
section.operation>h3{margin:1.2em 0 .2em;border-bottom:1px solid #ddd}
details>summary{cursor:pointer}.muted{color:#777}#filters{background:#f3f3f3;padding:.5em;margin:1em 0}
#filters label{margin-right:1em}
"""

# Filters: hide the violations (and operations) that do not match. Reads only data-* attributes.
_SCRIPT = """
(function(){
  var bar=document.getElementById('filters');if(!bar)return;bar.hidden=false;
  document.body.setAttribute('data-js','on');
  var items=[].slice.call(document.querySelectorAll('article.violation'));
  var groups=[].slice.call(document.querySelectorAll('section.operation'));
  var selects=[].slice.call(bar.querySelectorAll('select'));
  function apply(){
    var want={};selects.forEach(function(s){want[s.name]=s.value;});
    var shown=0;
    items.forEach(function(a){
      var ok=Object.keys(want).every(function(k){return !want[k]||a.getAttribute('data-'+k)===want[k];});
      a.hidden=!ok;if(ok)shown++;
    });
    groups.forEach(function(g){g.hidden=!g.querySelector('article.violation:not([hidden])');});
    document.getElementById('shown').textContent=String(shown);
  }
  selects.forEach(function(s){s.addEventListener('change',apply);});
  apply();
})();
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_LEGEND = (
    ("seen", "exercised, documented status, no contract error"),
    ("broken", "exercised, with contract errors (links to the first)"),
    ("warned", "exercised, with warnings only"),
    ("extra", "exercised with a status the contract does not document"),
    ("miss", "documented, never exercised (·)"),
    ("none", "not documented, not seen"),
)


def serialize(summary: Summary) -> str:
    summary = summary.redacted()
    anchors = {id(f): f"v-{n}" for n, f in enumerate(summary.findings, 1)}
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">",
        "<title>assistants-contract report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>assistants-contract report</h1>",
    ]
    parts.extend(_totals(summary))
    parts.extend(_unusable(summary))
    if summary.checks:
        parts.extend(_verdicts(summary))
    if summary.replay is not None:
        parts.extend(_replay(summary))
    if getattr(summary, "migration", None) is not None:
        parts.extend(_migration(summary))
    parts.extend(_violations(summary, anchors))
    parts.extend(_coverage(summary, anchors))
    parts.append(f"<script>{_SCRIPT}</script></body></html>\n")
    return "".join(parts)


# --- totals ---------------------------------------------------------------------------------------------------


def _totals(summary: Summary) -> list[str]:
    parts = [
        f"<p id='totals'><span id='n-exchanges'>{summary.exchanges}</span> exchanges,"
        f" <span id='n-violations'>{len(summary.findings)}</span> violations:"
        f" <span class='error'><span id='n-errors'>{summary.errors}</span> errors</span>,"
        f" <span class='warning'><span id='n-warnings'>{summary.warnings}</span> warnings</span>.</p>"
    ]
    codes = Counter((f.violation.code, f.violation.severity.value) for f in summary.findings)
    if codes:
        parts.append("<table id='codes'><tr><th>code</th><th>severity</th><th>violations</th></tr>")
        for (code, severity), n in sorted(codes.items(), key=lambda item: (-item[1], item[0])):
            parts.append(
                f"<tr data-code='{escape(code)}'><td><code>{escape(code)}</code></td>"
                f"<td class='{severity}'>{severity}</td><td class='n'>{n}</td></tr>"
            )
        parts.append("</table>")
    return parts


def _unusable(summary: Summary) -> list[str]:
    """Files a run could not read, when the summary lists them (`unusable`: texts or objects with a path and an
    error). Redacted here: the list is not one `Summary.redacted` knows."""
    unusable = getattr(summary, "unusable", None) or []
    if not unusable:
        return []
    redactor = Redactor()
    parts = [f"<h2 id='unusable'>{len(unusable)} files could not be read</h2><ul>"]
    for item in unusable:
        if isinstance(item, str):
            said = item
        else:
            path, error = getattr(item, "path", None), getattr(item, "error", None) or getattr(item, "message", None)
            said = f"{path}: {error}" if path is not None and error else str(item)
        parts.append(f"<li><code>{escape(redactor.text(str(said)))}</code></li>")
    parts.append("</ul>")
    return parts


# --- violations -----------------------------------------------------------------------------------------------


def _operation_anchor(version: str, operation_id: str | None) -> str:
    return f"op-{version}-{operation_id or 'none'}"


def _violations(summary: Summary, anchors: Mapping[int, str]) -> list[str]:
    parts = [f"<h2 id='violations'>Violations ({len(summary.findings)})</h2>"]
    if not summary.findings:
        parts.append("<p>None.</p>")
        return parts
    groups: dict[tuple[str, str | None], list[Finding]] = {}
    for f in summary.findings:
        groups.setdefault((f.version, f.violation.operation_id), []).append(f)
    parts.extend(_filters(summary, groups))
    shown: dict[int, str] = {}  # exchange -> the anchor of the violation that shows it whole
    for (version, op_id), findings in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or "~")):
        parts.append(
            f"<section class='operation' id='{escape(_operation_anchor(version, op_id))}'>"
            f"<h3>{escape(version)} {escape(op_id or _NO_OPERATION)} <span class='muted'>({len(findings)})</span>"
            "</h3>"
        )
        for f in findings:
            parts.append(_violation(f, anchors[id(f)], summary.contracts, shown))
        parts.append("</section>")
    return parts


def _filters(summary: Summary, groups: Mapping[tuple[str, str | None], list[Finding]]) -> list[str]:
    def select(name: str, label: str, values: Iterable[str]) -> str:
        options = "".join(f"<option value='{escape(v)}'>{escape(v)}</option>" for v in sorted(set(values)))
        return f"<label>{label} <select name='{name}'><option value=''>all</option>{options}</select></label>"

    return [
        "<form id='filters' hidden>",
        select("code", "code", (f.violation.code for f in summary.findings)),
        select("operation", "operation", (op or _NO_OPERATION for _, op in groups)),
        select("severity", "severity", (f.violation.severity.value for f in summary.findings)),
        f"showing <span id='shown'>{len(summary.findings)}</span> of {len(summary.findings)}</form>",
    ]


def _violation(f: Finding, anchor: str, contracts: Mapping[str, Any], shown: dict[int, str]) -> str:
    v = f.violation
    severity = v.severity.value
    status = f.status if f.status is not None else "no response"
    where = ""
    if f.source:
        where = f" <span class='source'>from <code>{escape(f.source)}</code>"
        where += f" interaction <code>#{f.index}</code></span>" if f.index is not None else "</span>"
    parts = [
        f"<article class='violation' id='{anchor}' data-code='{escape(v.code)}'"
        f" data-operation='{escape(v.operation_id or _NO_OPERATION)}' data-severity='{severity}'>",
        f"<p><a href='#{anchor}'>#</a> <span class='{severity}'>{severity} {escape(v.code)}</span>"
        f" ({escape(v.side.value)}) at <code>{escape(v.pointer or '/')}</code>: {escape(v.message)}</p>",
        f"<p><code>{escape(f.method)} {escape(f.url)} → {status}</code>{where}</p>",
    ]
    exchange = f.exchange
    marked = _marked_body(f, exchange) if exchange is not None else None
    if marked is not None:
        parts.append(f"<p>{marked[0]}, the node at the pointer marked:</p><pre class='body'>{marked[1]}</pre>")
    schema = _schema(v.schema_location, contracts)
    if schema is not None:
        parts.append(f"<details open><summary>expected: <code>{escape(v.schema_location or '')}</code></summary>")
        parts.append(f"<pre class='schema'>{schema}</pre></details>")
    elif v.schema_location:
        parts.append(f"<p>expected: <code>{escape(v.schema_location)}</code></p>")
    if exchange is not None:
        first = shown.get(id(exchange))
        if first is None:
            shown[id(exchange)] = anchor
            parts.append(_exchange(exchange, f.url))
        else:
            parts.append(f"<p class='muted'>request and response: see <a href='#{first}'>{first}</a></p>")
    else:
        parts.append(
            "<p class='muted'>request and response not in this report (a report keeps those of the first"
            f" {SHOWN_EXCHANGES} exchanges with findings whose bodies are under {SHOWN_BODY_BYTES >> 20} MB, and"
            " a merged report none)</p>"
        )
    parts.append("</article>")
    return "".join(parts)


def _marked_body(f: Finding, exchange: Exchange) -> tuple[str, str] | None:
    """What the violation's pointer points into (a JSON body, or a stream's events) as HTML, the node marked."""
    code = f.violation.code
    if code.startswith("request.body"):
        value, what = _json(exchange.request.body), "request body"
    elif code.startswith("response.body"):
        value, what = _json(exchange.response.body if exchange.response else None), "response body"
    elif code.startswith("stream."):
        body = exchange.response.body if exchange.response else None
        value, what = (_events(body) if body else None), "stream events"
    else:
        return None
    if value is None:
        return None
    return what, _window(_json_html(value, _split(f.violation.pointer)))


def _json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _events(body: bytes) -> list[dict[str, Any]]:
    """A stream as the list the `stream.*` pointers index: each event's name and its data (JSON when it is)."""
    parser = SSEParser()
    events = parser.feed(body) + parser.finish()
    out = []
    for event in events:
        try:
            data: Any = json.loads(event.data)
        except ValueError:
            data = event.data
        out.append({"event": event.event, "data": data})
    return out


def _split(pointer: str) -> list[str]:
    if not pointer or pointer == "/":
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.lstrip("/").split("/")]


def _json_html(value: Any, target: list[str] | None, depth: int = 0) -> str:
    """`value` as indented JSON, escaped, the node `target` leads to wrapped in <mark>; where the path ends before
    `target` does (a missing property), the last node it reaches is marked. `target` None: not on the path."""
    if target is not None and target:
        key = target[0]
        if isinstance(value, dict) and key in value:
            pass
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            pass
        else:
            target = []
    if target == []:
        return "<mark>" + _json_html(value, None, depth) + "</mark>"
    if target is None and isinstance(value, (dict, list)):
        compact = json.dumps(value, ensure_ascii=False, default=str)
        if len(compact) <= _INLINE:  # a short list or object stays on one line
            return escape(compact)
    pad = "  " * depth
    if isinstance(value, dict) and value:
        items = [
            f"{pad}  {escape(json.dumps(k))}: {_json_html(v, _next(target, k), depth + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        items = [f"{pad}  {_json_html(v, _next(target, str(i)), depth + 1)}" for i, v in enumerate(value)]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return escape(json.dumps(value, ensure_ascii=False, default=str))


def _next(target: list[str] | None, key: str) -> list[str] | None:
    return target[1:] if target and target[0] == key else None


def _window(rendered: str, longest: int = _LONGEST, window: int = _WINDOW) -> str:
    """A long body cut to the lines around its mark, so a 48 KB message list does not fill the page."""
    lines = rendered.split("\n")
    if len(lines) <= longest:
        return rendered
    start = next((n for n, line in enumerate(lines) if "<mark" in line), 0)
    first = max(0, start - window // 3)
    last = min(len(lines), first + window)
    shown = "\n".join(lines[first:last])
    if shown.count("<mark") > shown.count("</mark>"):
        shown += "</mark>"
    before = f"<span class='muted'>… {first} lines above</span>\n" if first else ""
    after = f"\n<span class='muted'>… {len(lines) - last} lines below</span>" if last < len(lines) else ""
    return before + shown + after


def _schema(location: str | None, contracts: Mapping[str, Any]) -> str | None:
    """The schema that holds the rule a violation broke, from the contract document, the rule marked."""
    if not location or "#" not in location:
        return None
    name, pointer = location.split("#", 1)
    node: Any = contracts.get(name)
    if node is None:
        return None
    parts = _split(pointer)
    try:
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return _window(_json_html(node, parts[-1:]), longest=40, window=30)


def _exchange(exchange: Exchange, url: str) -> str:
    """The request and the response (redacted already), headers and bodies; a stream as its events."""
    request, response = exchange.request, exchange.response
    parts = [
        "<details class='exchange'><summary>request and response</summary>",
        f"<p>request: <code>{escape(request.method)} {escape(url)}</code></p>",
        f"<pre>{_headers(request.headers)}{_body(request.body, request.headers)}</pre>",
    ]
    if response is None:
        parts.append("<p>no response</p>")
    else:
        parts.append(f"<p>response: <code>{response.status}</code></p>")
        parts.append(f"<pre>{_headers(response.headers)}{_body(response.body, response.headers)}</pre>")
    parts.append("</details>")
    return "".join(parts)


def _headers(headers: Headers) -> str:
    return "".join(f"{escape(name)}: {escape(value)}\n" for name, value in headers.items())


def _body(body: bytes | None, headers: Headers) -> str:
    if not body:
        return ""
    if headers.media_type() == "text/event-stream":
        events = _events(body)
        return "\n" + "\n".join(
            f"event {n}: {escape(e['event'])}\n{_json_html(e['data'], None)}" for n, e in enumerate(events)
        )
    value = _json(body)
    if value is not None:
        return "\n" + _window(_json_html(value, None))
    try:
        return "\n" + escape(body.decode("utf-8"))
    except UnicodeDecodeError:
        return f"\n({len(body)} bytes, not text)"


# --- coverage -------------------------------------------------------------------------------------------------


def _coverage(summary: Summary, anchors: Mapping[int, str]) -> list[str]:
    parts = ["<h2 id='coverage'>Coverage</h2><table id='legend'><tr><th colspan='2'>legend</th></tr>"]
    parts.extend(f"<tr><td class='{css}'>&nbsp;</td><td>{escape(text)}</td></tr>" for css, text in _LEGEND)
    parts.append("</table>")
    # The first finding of each (version, operation, status), and whether any of them is an error.
    cells: dict[tuple[str, str, int | None], tuple[str, bool]] = {}
    for f in summary.findings:
        key = (f.version, f.violation.operation_id or "", f.status)
        first, error = cells.get(key, (anchors[id(f)], False))
        cells[key] = (first, error or f.violation.severity is Severity.ERROR)
    for version, operations in summary.documented.items():
        seen = summary.coverage.get(version, {})
        covered = sum(1 for op in operations if op in seen)
        heading = (
            f"{escape(version)}: <span class='ops-seen' data-version='{escape(version)}'>{covered}</span>"
            f"/{len(operations)} operations seen"
        )
        if not seen:
            # Nothing of this version was exercised: one line, the table folded away.
            parts.append(f"<details class='version' id='cov-{escape(version)}'><summary>{heading} (not exercised)")
            parts.append("</summary>")
        else:
            parts.append(f"<details class='version' id='cov-{escape(version)}' open><summary>{heading}</summary>")
        statuses = sorted(
            {s for op in operations.values() for s in op} | {str(s) for c in seen.values() for s in c.statuses}
        )
        parts.append("<table><tr><th>operation</th>")
        parts.extend(f"<th>{escape(s)}</th>" for s in statuses)
        parts.append("</tr>")
        for op_id in sorted(operations):
            name = escape(op_id)
            if any(key[0] == version and key[1] == op_id for key in cells):
                name = f"<a href='#{escape(_operation_anchor(version, op_id))}'>{name}</a>"
            parts.append(f"<tr id='cov-{escape(version)}-{escape(op_id)}'><td>{name}</td>")
            counts = seen[op_id].statuses if op_id in seen else {}
            for status in statuses:
                n = counts.get(int(status), 0) if status.isdigit() else 0
                documented = status in operations[op_id]
                found = cells.get((version, op_id, int(status))) if status.isdigit() else None
                if n and found is not None:
                    css = "broken" if found[1] else "warned"
                    parts.append(f"<td class='{css}'><a href='#{found[0]}'>{n}{' ✗' if found[1] else ''}</a></td>")
                    continue
                css = ("seen" if documented else "extra") if n else ("miss" if documented else "none")
                parts.append(f"<td class='{css}'>{n if n else ('·' if documented else '')}</td>")
            parts.append("</tr>")
        parts.append("</table></details>")
    return parts


# --- conformance and replay -----------------------------------------------------------------------------------


def _replay(summary: Summary) -> list[str]:
    replay = summary.replay
    assert replay is not None
    parts = [
        "<h2 id='replay'>Replay</h2>",
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


def _migration(summary: Summary) -> list[str]:
    """The v1 -> v2 check: each kind of v1 usage with its replacement, where it was found and how often; the
    exchanges to change; and the counts per operation."""
    migration = summary.migration
    assert migration is not None
    places = sum(r.count for r in migration.replacements)
    parts = [
        f"<h2 id='migration'>Moving to {escape(migration.target)}</h2>",
        f"<p>{migration.exchanges} exchanges, {migration.v1_exchanges} of them as v1:"
        f" <span id='n-migration-changes' class='{'error' if migration.needed else ''}'>{len(migration.changes)}</span>"
        f" to change, in <span id='n-migration-places'>{places}</span> places.</p>",
    ]
    kind = None
    for r in migration.replacements:
        if r.kind != kind:
            if kind is not None:
                parts.append("</table>")
            kind = r.kind
            parts.append(
                f"<h3 id='migration-{escape(r.kind)}'>{escape(r.kind)} <small>({escape(r.side)})</small></h3>"
                f"<p>v1: {escape(r.v1)}<br>v2: {escape(r.v2)}</p>"
                "<table><tr><th>operation</th><th>where</th><th>count</th><th>exchanges</th></tr>"
            )
        shown = ", ".join(f"{escape(p.source or '')}#{p.index}" for p in r.exchanges[:5])
        more = f" and {len(r.exchanges) - 5} more" if len(r.exchanges) > 5 else ""
        parts.append(
            f"<tr data-migration-kind='{escape(r.kind)}'><td>{escape(r.operation_id or _NO_OPERATION)}</td>"
            f"<td><code>{escape(r.pointer)}</code></td><td>{r.count}</td><td>{shown}{more}</td></tr>"
        )
    if kind is not None:
        parts.append("</table>")
    parts.append(
        "<h3>Per operation</h3><table><tr><th>operation</th><th>exchanges</th><th>to change</th><th>places</th></tr>"
    )
    for op_id, tally in sorted(migration.operations.items()):
        parts.append(
            f"<tr><td>{escape(op_id)}</td><td>{tally.exchanges}</td><td>{tally.to_change}</td>"
            f"<td>{tally.replacements}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _verdicts(summary: Summary) -> list[str]:
    run = summary.run
    parts = [
        f"<h2 id='conformance'>Conformance of {escape(str(run.get('target', '')))}</h2>",
        f"<p>{escape(str(run.get('cases', 0)))} cases in {escape(str(run.get('seconds', 0)))} s, seed"
        f" <code>{escape(str(run.get('seed')))}</code>,"
        f" stages {escape(', '.join(map(str, run.get('stages', []))))}.</p>",
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
