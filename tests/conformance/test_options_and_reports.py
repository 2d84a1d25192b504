"""Conformance options and the report sinks' rendering of a conformance run, without a server."""

from xml.etree import ElementTree as ET

import pytest

from assistants_contract import Severity, Side, Violation
from assistants_contract.conformance import Stage, VerifyOptions, normalize_base_url
from assistants_contract.report import Summary, json_report, junit, text
from assistants_contract.report import html as html_report
from assistants_contract.report.summary import CheckFailure


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("https://api.example.com/openai/v1", "https://api.example.com/openai/v1"),
    ],
)
def test_base_urls_are_taken_as_an_sdk_takes_them(given, normal):
    assert normalize_base_url(given) == normal


@pytest.mark.parametrize("bad", ["ftp://x/v1", "127.0.0.1:8000", "http:///v1", "http://h/v1?x=1"])
def test_a_base_url_that_is_not_one_is_refused(bad):
    with pytest.raises(ValueError, match="URL"):
        normalize_base_url(bad)


def test_stages_parse_in_run_order_and_unknown_ones_are_named():
    assert Stage.parse("scenarios, coverage") == (Stage.COVERAGE, Stage.SCENARIOS)
    with pytest.raises(ValueError, match="unknown stage.*bogus.*choose from examples, coverage"):
        Stage.parse("coverage,bogus")
    with pytest.raises(ValueError, match="none given"):
        Stage.parse(" , ")


def test_options_refuse_what_cannot_run():
    with pytest.raises(ValueError, match="v3"):
        VerifyOptions("http://h", versions=("v3",))
    with pytest.raises(ValueError, match="max_examples"):
        VerifyOptions("http://h", max_examples=0)


def _summary(contract) -> Summary:
    summary = Summary.for_contract(contract, ["v2"])
    summary.run = {"target": "http://h/v1", "seed": 7, "cases": 3, "seconds": 1.5, "stages": ["scenarios"]}
    summary.record_check("v2", "getRun", "not_a_server_error", None)
    violation = Violation(
        "response.body.schema",
        "/status: 'running' is not one of ...",
        Side.RESPONSE,
        Severity.ERROR,
        "getRun",
        "/status",
        "assistants-v2.yaml#/components/schemas/RunObject/properties/status",
    )
    failure = CheckFailure(
        "v2",
        "getRun",
        "assistants_contract",
        "response.body.schema at /status: ...",
        violation,
        "curl -X GET http://h/v1/threads/thread_1/runs/run_1",
        7,
        "GET",
        "http://h/v1/threads/thread_1/runs/run_1",
        200,
    )
    summary.record_check("v2", "getRun", "assistants_contract", failure)
    summary.record_check("v2", "getRun", "assistants_contract", failure)  # the same message twice: kept once
    return summary


def test_a_run_summary_gives_verdicts_per_operation(contract):
    summary = _summary(contract)
    assert summary.verdict("v2", "getRun") == "fail"
    assert summary.verdict("v2", "listRuns") == "untested"
    assert summary.failed and len(summary.failures) == 1
    tally = summary.checks[("v2", "getRun", "assistants_contract")]
    assert (tally.passed, tally.failed) == (0, 2)


def test_json_report_carries_checks_failures_and_the_run(contract):
    report = json_report.report_dict(_summary(contract))
    assert report["run"]["seed"] == 7
    assert report["verdicts"]["v2"]["getRun"] == "fail" and report["verdicts"]["v2"]["getThread"] == "untested"
    [failure] = report["failures"]
    assert failure["code"] == "response.body.schema" and failure["pointer"] == "/status"
    assert failure["reproduction"].startswith("curl ") and failure["seed"] == 7
    assert {"version": "v2", "operation_id": "getRun", "check": "not_a_server_error", "passed": 1, "failed": 0} in (
        report["checks"]
    )


def test_junit_has_a_case_per_operation_and_check(contract):
    root = ET.fromstring(junit.serialize(_summary(contract)))
    [suite] = root.findall("testsuite")
    cases = {(c.get("classname"), c.get("name")): c for c in suite.findall("testcase")}
    failed = cases[("assistants-v2.getRun", "assistants_contract")]
    assert "seed: 7" in failed.find("failure").text and "curl -X GET" in failed.find("failure").text
    assert cases[("assistants-v2.getRun", "not_a_server_error")].find("failure") is None
    assert cases[("assistants-v2.listRuns", "not tested")].find("skipped") is not None
    assert suite.get("failures") == "1" and int(suite.get("tests")) == len(cases)


def test_text_and_html_name_the_failure_and_how_to_reproduce_it(contract):
    summary = _summary(contract)
    rendered = text.render_verify(summary)
    assert "getRun                       FAIL     assistants_contract" in rendered
    assert "seed: 7" in rendered and "curl -X GET http://h/v1/threads/thread_1/runs/run_1" in rendered
    assert rendered.rstrip().endswith("FAIL (1 failures in 1 operations)")
    page = html_report.serialize(summary)
    assert "<td class='fail'>fail</td>" in page and "curl -X GET" in page


def _stage_events():
    from assistants_contract import CheckResult, Exchange, Request
    from assistants_contract.conformance import CheckRan, ExchangeChecked, StageFinished, StageStarted

    exchange = Exchange(Request("GET", "/v1/assistants"))
    failure = CheckFailure("v2", "listAssistants", "not_a_server_error", "500")
    return [
        StageStarted("v2", Stage.SCENARIOS, 23),
        ExchangeChecked("v2", exchange, CheckResult("v2", "listAssistants", [])),
        CheckRan("v2", "listAssistants", "not_a_server_error", failure),
        StageFinished("v2", Stage.SCENARIOS, 1, 0.5),
    ]


def test_progress_is_a_line_rewritten_in_place_on_a_terminal_and_nothing_elsewhere():
    import io

    from assistants_contract.conformance import Progress

    for enabled, expect in ((True, "v2 scenarios      1 cases, 1 failed in 0.5 s"), (False, None)):
        out = io.StringIO()
        progress = Progress(out, enabled=enabled)
        progress.start()
        for event in _stage_events():
            progress.handle(event)
        progress.shutdown()
        if expect is None:
            assert out.getvalue() == ""
        else:
            assert out.getvalue().startswith("\r") and expect in out.getvalue() and out.getvalue().endswith("\n")
