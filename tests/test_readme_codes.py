"""The README's table of violation codes shows, for every code, a real exchange and what the core says of it.

Each case below is that exchange, built here and judged as the product judges it: by `Contract.check`, by `lint`
for a cassette's repeated request, by the proxy's addon (in mitmproxy's test kit) for a missing response. The
README row of the code must name the exchange in the case's words and show the pointer and message the core
gave, whole or cut short with "...". A reworded message, a moved pointer, or a code without an example fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import corpus as c
import pytest
import yaml

from assistants_contract import CODES, Contract, Exchange, Headers, Request, Response, Violation
from assistants_contract.contract.document import bundled_contract_path
from assistants_contract.lint import lint_file

README = Path(__file__).resolve().parents[1] / "README.md"
CUT = "..."

V2 = {"OpenAI-Beta": "assistants=v2"}
AUTH = {"Authorization": "Bearer " + "sk-" + "readme" + "x" * 24}  # built at run time: no key-shaped literal
JSON = {"content-type": "application/json"}
STREAM = {"content-type": "text/event-stream"}

ASSISTANT, THREAD, RUN = "asst_abc123", "thread_abc123", "run_abc123"
RUN_REQUEST = json.dumps({"assistant_id": ASSISTANT, "stream": True})
RUNS = f"/v1/threads/{THREAD}/runs"
WHEN = "2024-04-29T08:00:00Z"
NESTED = "[" * 300 + "]" * 300
NESTED_SHOWN = "300 nested arrays `[[[...]]]`"


Found = Callable[[Contract, Path], list[Violation]]


@dataclass(frozen=True)
class Case:
    example: str  # the exchange, in the README's words
    found: Found  # every violation the product reports for it


def said(method: str, url: str, body: str | None = None, shown: str | None = None) -> str:
    """A request as the README names it: `POST /v1/assistants` with `{...}`."""
    text = f"`{method} {url}`"
    if shown is not None:
        return f"{text} with {shown}"
    return f"{text} with `{body}`" if body is not None else text


def exchange(
    method: str,
    url: str,
    body: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    answer: tuple[int, dict[str, str], bytes] | None = None,
) -> Exchange:
    if headers is None:
        headers = {**V2, **AUTH, **(JSON if body is not None else {})}
    request = Request(method, url, Headers(headers), body.encode() if body is not None else None)
    response = Response(answer[0], Headers(answer[1]), answer[2]) if answer else None
    return Exchange(request, response)


def checked(*args, **kwargs) -> Found:
    return lambda contract, _tmp: contract.check(exchange(*args, **kwargs)).violations


def asked(method: str, url: str, body: str | None = None, *, note: str = "", shown: str | None = None, **kw) -> Case:
    """A case about a request alone: the README names exactly the request that is checked."""
    return Case(said(method, url, body, shown) + note, checked(method, url, body, **kw))


def answered(method: str, url: str, body: str | None, answer: tuple[int, dict[str, str], bytes], note: str) -> Case:
    """A case about a response: `note` says in words what the answer holds."""
    return Case(f"{said(method, url, body)}, {note}", checked(method, url, body, answer=answer))


def assistant(**changes) -> bytes:
    return json.dumps({**c.assistant("v2"), "id": ASSISTANT, **changes}).encode()


def run(**changes) -> dict:
    return {**c.run("v2"), "id": RUN, "assistant_id": ASSISTANT, "thread_id": THREAD, **changes}


def streamed(*events: tuple[str, object]) -> tuple[int, dict[str, str], bytes]:
    return 200, STREAM, c.sse(events)


def header_required(contract: Contract, tmp: Path) -> list[Violation]:
    """The bundled contracts require no response header, so this one is the v2 contract with `x-request-id`
    required on getAssistant's 200: what a team's own contract might add."""
    document = yaml.safe_load(bundled_contract_path("v2").read_text(encoding="utf-8"))
    ok = document["paths"]["/assistants/{assistant_id}"]["get"]["responses"]["200"]
    ok["headers"] = {"x-request-id": {"required": True, "schema": {"type": "string"}}}
    path = tmp / "assistants-v2.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    own = Contract.load(paths={"v2": path})
    return own.check(exchange("GET", f"/v1/assistants/{ASSISTANT}", answer=(200, JSON, assistant()))).violations


REFUSED = "[Errno 111] Connect call failed ('127.0.0.1', 8000)"  # mitmproxy's error when nothing listens there


def no_response(contract: Contract, _tmp: Path) -> list[Violation]:
    """The proxy's addon, as mitmproxy runs it, for a flow whose upstream refused the connection."""
    from mitmproxy import flow as mitmflow
    from mitmproxy.test import taddons, tflow, tutils

    from assistants_contract.proxy.addons import KEY, default_addons

    addons = default_addons(contract)
    check = addons[0]
    with taddons.context(*addons) as tctx:
        tctx.configure(check, contract_worker=False)
        request = tutils.treq(method=b"GET", path=f"/v1/assistants/{ASSISTANT}".encode(), content=b"")
        request.headers.clear()
        request.headers.update({**V2, **AUTH})
        flow = tflow.tflow(req=request)
        flow.response = None
        flow.error = mitmflow.Error(REFUSED)
        flow.client_conn.timestamp_end = None  # the client still waits: the upstream is to blame
        check.request(flow)
        check.error(flow)
        return list(flow.metadata[KEY].result.violations)


def polled_twice(contract: Contract, tmp: Path) -> list[Violation]:
    """`lint` over a cassette that recorded the same poll twice."""
    run_url = f"https://api.openai.com{RUNS}/{RUN}"
    headers = {"openai-beta": ["assistants=v2"], "authorization": ["Bearer REDACTED"]}
    answer = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/json"]},
        "body": {"string": json.dumps(run(status="in_progress"))},
    }
    poll = {"request": {"method": "GET", "uri": run_url, "body": "", "headers": headers}, "response": answer}
    path = tmp / "poll.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "interactions": [poll, poll]}), encoding="utf-8")
    outcome = lint_file(path, contract)
    assert outcome.summary is not None, outcome.error
    return [f.violation for f in outcome.summary.findings]


CASES: dict[str, Case] = {
    "path.undocumented": asked("GET", "/v1/vector_stores"),
    "method.undocumented": asked("PUT", "/v1/assistants"),
    "request.header.missing": asked("GET", "/v1/assistants", note=" without `OpenAI-Beta`", headers=AUTH),
    "request.header.invalid": asked(
        "GET",
        "/v1/assistants",
        note=" with `OpenAI-Beta: assistants=v3`",
        headers={**AUTH, "OpenAI-Beta": "assistants=v3"},
    ),
    "request.auth.missing": asked("GET", "/v1/assistants", note=" without `Authorization`", headers=V2),
    "request.path.invalid": asked("GET", "/v1/assistants/abc"),
    "request.query.invalid": asked("GET", "/v1/assistants?limit=0"),
    "request.query.unknown": asked("GET", "/v1/assistants?colour=blue"),
    "request.content_type": asked(
        "POST",
        "/v1/assistants",
        '{"model": "gpt-4o"}',
        note=" sent as `text/plain`",
        headers={**V2, **AUTH, "content-type": "text/plain"},
    ),
    "request.body.missing": asked("POST", "/v1/assistants", note=" with no body", headers={**V2, **AUTH, **JSON}),
    "request.body.invalid_json": asked("POST", "/v1/assistants", '{"model": "gpt-4o",}'),
    "request.body.too_deep": asked("POST", "/v1/assistants", NESTED, shown=NESTED_SHOWN),
    "request.body.schema": asked("POST", "/v1/assistants", "{}"),
    "request.body.unknown_property": asked("POST", "/v1/assistants", '{"model": "gpt-4o", "colour": "blue"}'),
    "response.status.undocumented": answered(
        "GET", f"/v1/assistants/{ASSISTANT}", None, (418, JSON, assistant()), "answered 418 with the assistant"
    ),
    "response.content_type": answered(
        "GET",
        f"/v1/assistants/{ASSISTANT}",
        None,
        (200, {"content-type": "text/html"}, b"<html>Bad gateway</html>"),
        "answered 200 with `text/html`",
    ),
    "response.header.missing": Case(
        f"{said('GET', f'/v1/assistants/{ASSISTANT}')}, answered 200 without `x-request-id`, against a v2"
        " contract that requires that header (the bundled ones require none)",
        header_required,
    ),
    "response.body.invalid_json": answered(
        "GET",
        f"/v1/assistants/{ASSISTANT}",
        None,
        (200, JSON, b"<html>Bad gateway</html>"),
        "answered 200 `application/json` with `<html>Bad gateway</html>`",
    ),
    "response.body.too_deep": answered(
        "GET", f"/v1/assistants/{ASSISTANT}", None, (200, JSON, NESTED.encode()), f"answered 200 with {NESTED_SHOWN}"
    ),
    "response.body.schema": answered(
        "GET",
        f"/v1/assistants/{ASSISTANT}",
        None,
        (200, JSON, assistant(created_at=WHEN)),
        f'answered 200 with an assistant whose `created_at` is `"{WHEN}"`',
    ),
    "response.missing": Case(
        f"{said('GET', f'/v1/assistants/{ASSISTANT}')} through `proxy`, whose upstream refused the connection",
        no_response,
    ),
    "response.body.unknown_property": answered(
        "GET",
        f"/v1/assistants/{ASSISTANT}",
        None,
        (200, JSON, assistant(colour="teal")),
        'answered 200 with an assistant that has `"colour": "teal"`',
    ),
    "stream.event.unknown": answered(
        "POST",
        RUNS,
        RUN_REQUEST,
        streamed(("thread.run.paused", run()), c.DONE),
        "streamed the events `thread.run.paused`, `done`",
    ),
    "stream.event.invalid_json": answered(
        "POST",
        RUNS,
        RUN_REQUEST,
        streamed(("thread.run.created", '{"id": "run_'), c.DONE),
        'streamed the events `thread.run.created` with `data: {"id": "run_`, `done`',
    ),
    "stream.event.schema": answered(
        "POST",
        RUNS,
        RUN_REQUEST,
        streamed(("thread.run.created", run(created_at=WHEN)), c.DONE),
        f'streamed the events `thread.run.created` (a run whose `created_at` is `"{WHEN}"`), `done`',
    ),
    "stream.event.unknown_property": answered(
        "POST",
        RUNS,
        RUN_REQUEST,
        streamed(("thread.run.created", run(colour="teal")), c.DONE),
        'streamed the events `thread.run.created` (a run that has `"colour": "teal"`), `done`',
    ),
    "stream.incomplete": answered(
        "POST",
        RUNS,
        RUN_REQUEST,
        streamed(("thread.run.created", run()), ("thread.run.queued", run())),
        "streamed the events `thread.run.created`, `thread.run.queued`, and the stream ended",
    ),
    "cassette.interaction.repeated": Case(f"`lint` of a cassette that recorded `GET {RUNS}/{RUN}` twice", polled_twice),
}


def _readme_rows() -> dict[str, list[str]]:
    """The cells of each row of the README's table of violation codes, by code."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Violation codes\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `([a-z_.]+)` \| (.*) \|$", line)
        if found:
            rows[found[1]] = [cell.strip() for cell in found[2].split(" | ")]
    return rows


ROWS = _readme_rows()


def _shown(violation: Violation) -> str:
    """A violation as a report line shows it: the pointer, when there is one, then the message."""
    return f"at {violation.pointer}: {violation.message}" if violation.pointer else violation.message


def test_every_code_has_a_case_and_a_readme_row_with_an_example():
    assert set(CASES) == set(CODES)
    assert set(ROWS) == set(CODES)
    assert all(len(cells) == 3 for cells in ROWS.values()), "each row: code, severity, meaning, example"


@pytest.mark.parametrize("code", list(CASES))
def test_the_readme_example_is_what_the_core_reports(code, contract, tmp_path):
    case = CASES[code]
    found = case.found(contract, tmp_path)
    assert [v.code for v in found] == [code], found  # the exchange breaks the contract in this one way
    violation = found[0]
    assert violation.severity is CODES[code][0]
    assert "`" not in violation.message  # else the README's code span could not hold it

    cell = ROWS[code][-1]
    example, separator, rest = cell.rpartition(": `")
    assert separator and rest.endswith("`"), f"{code}: the example must end with ': `<what the core says>`'"
    assert example == case.example
    shown, whole = rest[:-1], _shown(violation)
    if shown.endswith(CUT):
        assert whole.startswith(shown[: -len(CUT)]) and len(shown) > len(CUT) + 10, (shown, whole)
    else:
        assert shown == whole
