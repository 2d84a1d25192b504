"""The addons with mitmproxy's own test kit: hooks called directly on test flows, no network."""

import asyncio
import json
import secrets
import time

import pytest
import yaml
from mitmproxy import exceptions, http
from mitmproxy import flow as flow_module
from mitmproxy.test import taddons, tflow, tutils

from assistants_contract.proxy.addons import KEY, ContractCheck, Mark, Record, Redact, Report, default_addons
from assistants_contract.proxy.worker import WorkerBackend
from assistants_contract.sources.mitmproxy_flow import request_from_flow, response_from_flow

HEADERS = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-live-abcdefghijklmnopqrstuvwx"}
THREAD = {"id": "thread_abc", "object": "thread", "created_at": 1, "metadata": {}, "tool_resources": {}}


def flow(method="POST", path="/v1/threads", body=b"{}", status=200, response=None, headers=None, resp_headers=None):
    req = tutils.treq(method=method.encode(), path=path.encode(), content=body, host="api.openai.com", port=443)
    req.scheme = "https"
    req.headers.clear()
    for k, v in {**HEADERS, "content-type": "application/json", **(headers or {})}.items():
        req.headers[k] = v
    f = tflow.tflow(req=req)
    if response is not None:
        f.response = http.Response.make(
            status, json.dumps(response), {"content-type": "application/json", **(resp_headers or {})}
        )
    return f


@pytest.fixture(scope="module")
def contract():
    from assistants_contract import Contract

    return Contract.load()


def stop(addons):
    """What mitmproxy does at shutdown: `done` on every addon, in order."""
    for addon in addons:
        if hasattr(addon, "done"):
            addon.done()


def run(addons, f):
    for addon in addons:
        if hasattr(addon, "request"):
            addon.request(f)
    for addon in addons:
        if hasattr(addon, "response"):
            addon.response(f)


def test_a_conforming_flow_gets_an_ok_verdict(contract):
    check = ContractCheck(contract)
    with taddons.context(check):
        f = flow(response=THREAD)
        check.request(f)
        check.response(f)
        result = f.metadata[KEY].result
        assert result.operation_id == "createThread" and result.violations == []


def test_violations_on_both_sides_are_found_and_the_flow_is_untouched(contract):
    mark = Mark()
    check = ContractCheck(contract, sinks=[mark])
    with taddons.context(check, mark):
        f = flow(body=b'{"colour": "red"}', response={**THREAD, "object": "nope"})
        before = (f.request.content, f.response.content, f.response.status_code)
        run([check, mark], f)
        codes = {(v.code, v.pointer) for v in f.metadata[KEY].result.violations}
        assert codes == {("request.body.unknown_property", "/colour"), ("response.body.schema", "/object")}
        assert (f.request.content, f.response.content, f.response.status_code) == before
        assert f.marked and "request.body.unknown_property" in f.comment


def test_block_policy_answers_a_bad_request_itself(contract):
    check = ContractCheck(contract)
    with taddons.context(check) as tctx:
        tctx.configure(check, contract_policy="block")
        f = flow(body=b'{"colour": "red"}')
        check.request(f)
        assert f.response is not None and f.response.status_code == 400
        error = json.loads(f.response.content)["error"]
        assert error["code"] == "contract_violation" and error["param"] == "colour"
        good = flow(body=b"{}")
        check.request(good)
        assert good.response is None  # a conforming request is forwarded


def test_block_policy_answer_holds_no_secret_from_the_request(contract):
    """The violations quote what they judged: a key written where a role or an argument's name belongs is
    redacted in the answer, as on every other output."""
    key = f"sk-proj-{secrets.token_hex(24)}"
    check = ContractCheck(contract)
    with taddons.context(check) as tctx:
        tctx.configure(check, contract_policy="block")
        for body in ({"messages": [{"role": key, "content": "hi"}]}, {key: 1}):
            f = flow(body=json.dumps(body).encode())
            check.request(f)
            assert f.response is not None and f.response.status_code == 400
            assert key[:12].encode() not in f.response.content
            error = json.loads(f.response.content)["error"]
            assert "REDACTED" in error["message"] and error["code"] == "contract_violation"


def test_mitmdumps_own_flow_listing_is_off_unless_a_level_was_given(contract, caplog):
    """mitmdump's Dumper prints each URL as sent: left at its default it is turned off; a level given stays."""
    from mitmproxy.addons.dumper import Dumper

    check = ContractCheck(contract)
    redact = Redact(check)
    with taddons.context(Dumper(), check, redact) as tctx:
        assert tctx.options.flow_detail == 1  # mitmdump's default
        redact.running()
        assert tctx.options.flow_detail == 0
        assert "flow listing is off" in caplog.text
        tctx.options.update(flow_detail=2)  # as `--flow-detail 2` or `-v` sets it
        redact.running()
        assert tctx.options.flow_detail == 2
        assert "flow_detail=2: mitmdump's own flow listing prints URLs, headers and bodies unredacted" in caplog.text


def test_without_mitmdumps_listing_there_is_nothing_to_turn_off(contract, caplog):
    check = ContractCheck(contract)
    redact = Redact(check)
    with taddons.context(check, redact):  # mitmweb, `assistants-contract proxy`: no Dumper, no option
        redact.running()
    assert "flow listing" not in caplog.text and "flow_detail" not in caplog.text


def test_filter_limits_which_flows_are_checked(contract):
    check = ContractCheck(contract)
    with taddons.context(check) as tctx:
        tctx.configure(check, contract_filter="~d example.com")
        f = flow(response=THREAD)
        check.request(f)
        assert KEY not in f.metadata
        with pytest.raises(exceptions.OptionsError, match="contract_filter"):
            tctx.configure(check, contract_filter="~bogus(")


def test_a_bug_in_checking_never_breaks_the_flow(contract, caplog):
    check = ContractCheck(contract)
    with taddons.context(check):
        f = flow(response=THREAD)
        check.contract = object()  # a broken state: every call into it raises
        check.request(f)
        check.response(f)
        assert f.response.status_code == 200 and json.loads(f.response.content) == THREAD
        assert "internal error" in caplog.text


def test_streamed_events_pass_through_unchanged_and_are_checked(contract):
    check = ContractCheck(contract)
    with taddons.context(check):
        f = flow(path="/v1/threads/thread_abc/runs", body=b'{"assistant_id": "asst_1", "stream": true}')
        check.request(f)
        f.response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
        check.responseheaders(f)
        assert callable(f.response.stream)
        chunks = [b'event: thread.run.created\ndata: {"bad": ', b"true}\n\nevent: done\n", b"data: [DONE]\n\n"]
        assert [f.response.stream(c) for c in chunks] == chunks
        f.response.stream(b"")
        check.response(f)
        verdict = f.metadata[KEY]
        assert b"".join(verdict.chunks) == b"".join(chunks)
        assert {v.code for v in verdict.result.violations} == {"stream.event.schema", "stream.event.unknown_property"}


def test_redact_then_record_writes_a_cassette_without_secrets(contract, tmp_path):
    addons = default_addons(contract)
    with taddons.context(*addons) as tctx:
        record = next(a for a in addons if isinstance(a, Record))
        tctx.configure(record, contract_record_dir=str(tmp_path))
        f = flow(
            headers={"OpenAI-Organization": "org-secretsecretsecret12", "Cookie": "session=abc"},
            body=b'{"metadata": {"note": "key sk-live-abcdefghijklmnopqrstuvwx"}}',
            response=THREAD,
            resp_headers={"set-cookie": "a=b"},
        )
        run(addons, f)
        stop(addons)
    (cassette,) = tmp_path.glob("*.yaml")
    text = cassette.read_text()
    for secret in ("sk-live-abcdefghijklmnopqrstuvwx", "org-secretsecretsecret12", "session=abc", "a=b"):
        assert secret not in text
    data = yaml.safe_load(text)
    (interaction,) = data["interactions"]
    assert data["version"] == 1
    assert interaction["request"]["headers"]["authorization"] == ["Bearer sk-REDACTED"]
    assert interaction[KEY]["operation_id"] == "createThread"


def test_report_writes_three_formats(contract, tmp_path):
    addons = default_addons(contract)
    with taddons.context(*addons) as tctx:
        report = next(a for a in addons if isinstance(a, Report))
        tctx.configure(report, contract_report_dir=str(tmp_path))
        run(addons, flow(response=THREAD))
        run(addons, flow(body=b'{"x": 1}', response=THREAD))
        report.done()
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["exchanges"] == 2 and data["errors"] == 1
    assert data["coverage"]["v2"]["operations"]["createThread"]["count"] == 2
    xml = (tmp_path / "report.xml").read_text()
    assert 'name="createThread"' in xml and "request.body.unknown_property" in xml
    html = (tmp_path / "report.html").read_text()
    assert "<table>" in html and "request.body.unknown_property" in html


def test_bad_redaction_pattern_is_an_option_error(contract):
    redact = Redact(ContractCheck(contract))
    with taddons.context(redact) as tctx:
        with pytest.raises(exceptions.OptionsError, match="not a valid regular expression"):
            tctx.configure(redact, contract_redact=["(unclosed"])


def test_in_a_worker_process_the_hook_only_hands_the_response_over(contract, tmp_path):
    addons = default_addons(contract)
    check = addons[0]
    record = next(a for a in addons if isinstance(a, Record))
    report = next(a for a in addons if isinstance(a, Report))

    async def scenario():
        check.running()  # mitmproxy's event loop runs: the worker starts
        assert isinstance(check.backend, WorkerBackend)
        first = flow(body=b'{"colour": "red"}', response=THREAD)
        check.request(first)
        check.response(first)
        handed_over = first.metadata[KEY].result  # mitmproxy sends the answer on here, unchecked yet
        deadline = time.monotonic() + 30
        while first.metadata[KEY].result is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # the outcome arrives on the loop
        last = flow(response={**THREAD, "object": "nope"})
        check.request(last)
        check.response(last)
        stop(addons)  # at shutdown: what is still due is delivered before the sinks' `done`
        return handed_over, first, last

    with taddons.context(*addons) as tctx:
        tctx.configure(record, contract_record_dir=str(tmp_path))
        handed_over, first, last = asyncio.run(scenario())
    assert handed_over is None
    assert [v.code for v in first.metadata[KEY].result.violations] == ["request.body.unknown_property"]
    assert [v.code for v in last.metadata[KEY].result.violations] == ["response.body.schema"]
    assert first.marked and "request.body.unknown_property" in first.comment
    assert report.summary is not None and report.summary.exchanges == 2
    (cassette,) = tmp_path.glob("*.yaml")  # written by the worker
    recorded = yaml.safe_load(cassette.read_text())["interactions"]
    codes = [i[KEY]["violations"][0]["code"] for i in recorded]
    assert codes == ["request.body.unknown_property", "response.body.schema"]


def test_a_dead_worker_hands_its_jobs_back_to_the_proxy(contract, tmp_path, caplog):
    addons = default_addons(contract)
    check = addons[0]

    async def scenario():
        check.running()
        check.backend._proc.kill()
        f = flow(response=THREAD)
        check.request(f)
        check.response(f)
        deadline = time.monotonic() + 30
        while f.metadata[KEY].result is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        stop(addons)
        return f

    with taddons.context(*addons):
        f = asyncio.run(scenario())
    assert f.metadata[KEY].result is not None and f.metadata[KEY].result.ok
    assert "checking goes on in the proxy's process" in caplog.text


def _streamed_flow():
    f = flow(path="/v1/threads/thread_abc/runs", body=b'{"assistant_id": "asst_1", "stream": true}')
    f.response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
    return f


@pytest.mark.parametrize(
    ("who", "expected"),
    [("upstream", {"stream.incomplete"}), ("client", set())],
)
def test_a_stream_cut_off_is_judged_by_who_cut_it(contract, tmp_path, who, expected):
    addons = default_addons(contract)
    check = addons[0]
    record = next(a for a in addons if isinstance(a, Record))
    with taddons.context(*addons) as tctx:
        tctx.configure(record, contract_record_dir=str(tmp_path))
        f = _streamed_flow()
        check.request(f)
        check.responseheaders(f)
        f.response.stream(b'event: thread.run.created\ndata: {"id": "ru')
        if who == "client":
            f.client_conn.timestamp_end = f.client_conn.timestamp_start + 1
            f.error = flow_module.Error("Client disconnected.")
        else:
            f.client_conn.timestamp_end = None
            f.error = flow_module.Error("HTTP/1 protocol error: peer closed connection without sending complete body")
        check.error(f)
        stop(addons)
        result = f.metadata[KEY].result
    assert {v.code for v in result.violations} == expected
    assert f.metadata[KEY].exchange.response.status == 200  # the head arrived, and counts in the coverage
    assert not list(tmp_path.glob("*.yaml"))  # a cut exchange would replay as if complete: not recorded


def test_an_http2_preface_is_not_taken_for_an_api_call(contract):
    check = ContractCheck(contract)
    with taddons.context(check):
        f = flow(method="PRI", path="*")
        check.request(f)
        assert KEY not in f.metadata


def test_secrets_quoted_in_violation_messages_are_redacted_everywhere(contract, tmp_path, caplog):
    secret = "sk-live-" + "q" * 30
    addons = default_addons(contract)
    record = next(a for a in addons if isinstance(a, Record))
    report = next(a for a in addons if isinstance(a, Report))
    with taddons.context(*addons) as tctx:
        tctx.configure(record, contract_record_dir=str(tmp_path / "rec"))
        tctx.configure(report, contract_report_dir=str(tmp_path / "rep"))
        # A value outside an enum is one the message quotes ("expected one of 'user', 'assistant'; got '...'").
        f = flow(body=json.dumps({"messages": [{"role": secret, "content": "hi"}]}).encode(), response=THREAD)
        raw = contract.check_request(contract.match(request_from_flow(f)))
        assert any(secret in v.message for v in raw)  # the core quotes the value; the sinks must not
        run(addons, f)
        stop(addons)
    written = [p.read_text() for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not [text for text in written if secret in text]
    assert "request.body.schema" in caplog.text and secret not in caplog.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"metadata":' + b"[" * 300 + b"]" * 300 + b"}", "request.body.too_deep"),
        (b"[" * 5000 + b"]" * 5000, "request.body.too_deep"),
        (b'{"metadata":{"\\ud801":"x"}}', "request.body.invalid_json"),
    ],
    ids=["nested-300", "nested-5000", "lone-surrogate-key"],
)
def test_a_body_the_checker_cannot_judge_is_a_violation_and_the_flow_is_recorded(contract, tmp_path, body, code):
    addons = default_addons(contract)
    with taddons.context(*addons) as tctx:
        record = next(a for a in addons if isinstance(a, Record))
        tctx.configure(record, contract_record_dir=str(tmp_path))
        f = flow(body=body, response=THREAD)
        run(addons, f)
        report = next(a for a in addons if isinstance(a, Report))
        stop(addons)
    assert code in [v.code for v in f.metadata[KEY].result.violations]
    assert f.request.content == body  # passed on untouched
    (cassette,) = tmp_path.glob("*.yaml")
    (interaction,) = yaml.safe_load(cassette.read_text())["interactions"]
    assert code in [v["code"] for v in interaction[KEY]["violations"]]
    assert report.summary.exchanges == 1


@pytest.mark.parametrize("http2", [False, True])
@pytest.mark.parametrize("first_line", ["origin", "absolute", "authority"])
@pytest.mark.parametrize("path", ["/v1/threads?limit=2", "/", "*"])
@pytest.mark.parametrize(
    "host", [None, "", "api.openai.com", "api.openai.com:443", "127.0.0.1:8000", "[::1]:8080", "bücher.de", "a:b:c"]
)
def test_the_request_url_is_the_one_mitmproxy_shows(host, path, first_line, http2):
    # request_from_flow keeps the scheme and authority of a Host header it has seen; the URL must stay exactly
    # what mitmproxy's own `pretty_url` gives, for every form of request line and Host header.
    for scheme in ("http", "https"):
        f = tflow.tflow()
        req = f.request
        req.scheme, req.path, req.data.first_line_format = scheme, path, first_line
        if http2:
            req.http_version = "HTTP/2.0"
            req.authority = host or ""
        req.headers.pop("Host", None)
        if host is not None:
            req.headers["Host"] = host
        assert request_from_flow(f).url == req.pretty_url


def test_only_a_findings_outcome_carries_headers_and_bodies(contract):
    # A conforming flow is counted and logged: its outcome holds the method, URL and status, nothing to redact or
    # carry back. A finding's outcome is whole, and redacted, since the reports show it.
    from assistants_contract.proxy.finish import Finisher, Job

    finisher = Finisher(contract)
    good = flow(response=THREAD)
    bad = flow(response={**THREAD, "created_at": "yesterday"})
    outcomes = []
    for f in (good, bad):
        job = Job(f.id, request_from_flow(f), response_from_flow(f), (), True, True, True, True)
        outcomes.append(finisher.finish(job))
    conforming, finding = outcomes
    assert conforming.result.ok and not finding.result.ok
    assert (conforming.exchange.request.method, conforming.exchange.request.url) == ("POST", good.request.pretty_url)
    assert conforming.exchange.response.status == 200
    assert not conforming.exchange.request.headers and conforming.exchange.request.body is None
    assert not conforming.exchange.response.headers and conforming.exchange.response.body is None
    assert finding.exchange.request.headers["authorization"] == "Bearer sk-REDACTED"
    assert b"yesterday" in finding.exchange.response.body
