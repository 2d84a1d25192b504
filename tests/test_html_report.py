"""The HTML report as text: what it shows, in what order, and that it shows nothing it should not."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assistants_contract import Exchange, Headers, Request, Response
from assistants_contract.report import html as html_report
from assistants_contract.report.summary import SHOWN_EXCHANGES, Summary
from assistants_contract.sources.vcr_cassette import exchanges_from_cassette_text

ERRORS = Path(__file__).resolve().parents[1] / "cassettes" / "v2" / "errors.yaml"
HOSTILE = "</script><script>document.body.dataset.pwned='1'</script><img src=x onerror=\"alert(1)\">"


def _key() -> str:
    return "sk-" + "proj-" + "Zq9" * 12  # made here: no key-shaped literal in the repository


def _post(body: dict, response: dict, status: int = 200, headers: dict | None = None) -> Exchange:
    return Exchange(
        Request(
            "POST",
            "https://api.openai.com/v1/assistants",
            Headers({"openai-beta": "assistants=v2", "content-type": "application/json", **(headers or {})}),
            json.dumps(body).encode(),
        ),
        Response(status, Headers({"content-type": "application/json"}), json.dumps(response).encode()),
        source="cassettes/x.yaml",
        index=4,
    )


@pytest.fixture(scope="module")
def errors_page(contract) -> tuple[Summary, str]:
    summary = Summary.for_contract(contract)
    for exchange in exchanges_from_cassette_text(ERRORS.read_text(), str(ERRORS)):
        summary.add(exchange, contract.check(exchange))
    return summary, html_report.serialize(summary)


def test_violations_come_first_grouped_by_operation_with_anchors(errors_page):
    summary, page = errors_page
    assert page.index("id='violations'") < page.index("id='coverage'")
    for n in range(1, len(summary.findings) + 1):
        assert f"id='v-{n}'" in page and f"href='#v-{n}'" in page
    assert "<section class='operation' id='op-v2-createAssistant'>" in page
    # The coverage row of an operation with findings links to its group.
    assert "<a href='#op-v2-createAssistant'>createAssistant</a>" in page


def test_a_violation_shows_its_source_marked_body_and_schema_rule(errors_page):
    _, page = errors_page
    assert "from <code>" in page and str(ERRORS) in page and "interaction <code>#3</code>" in page
    assert "<mark>&quot;blue&quot;</mark>" in page  # /colour in the request body
    assert "expected: <code>assistants-v2.yaml#/components/schemas/CreateAssistantRequest/additionalProperties" in page
    assert "&quot;additionalProperties&quot;: <mark>false</mark>" in page
    assert "<details class='exchange'><summary>request and response</summary>" in page


def test_filters_legend_and_per_code_counts(errors_page):
    summary, page = errors_page
    assert "<form id='filters' hidden>" in page  # shown by the script; without it everything is listed
    for name in ("code", "operation", "severity"):
        assert f"<select name='{name}'>" in page
    assert "<table id='legend'>" in page and "with contract errors" in page
    assert "<tr data-code='request.body.unknown_property'>" in page
    assert f"<span id='n-violations'>{len(summary.findings)}</span>" in page


def test_a_cell_with_contract_errors_is_not_marked_seen_and_an_idle_version_is_folded(errors_page):
    _, page = errors_page
    row = page[page.index("<tr id='cov-v2-createAssistant'>") :]
    row = row[: row.index("</tr>")]
    assert "<td class='broken'><a href='#v-" in row and "class='seen'" not in row
    assert "<details class='version' id='cov-v1'><summary>v1: <span class='ops-seen' data-version='v1'>0</span>" in page
    assert "(not exercised)" in page and "<details class='version' id='cov-v2' open>" in page


def test_everything_on_the_page_is_escaped_and_redacted(contract):
    key = _key()
    exchange = _post(
        {"model": "gpt-4o", HOSTILE: HOSTILE, "note": key},
        {"error": {"message": HOSTILE}},
        status=400,
        headers={"authorization": f"Bearer {key}", "x-note": HOSTILE},
    )
    summary = Summary.for_contract(contract)
    summary.add(exchange, contract.check(exchange))
    page = html_report.serialize(summary)
    assert summary.findings and "<img" not in page and HOSTILE not in page
    assert page.count("<script>") == 1  # ours, at the end
    assert "&lt;/script&gt;&lt;script&gt;" in page and "&lt;img src=x onerror=" in page
    assert key not in page and "Bearer sk-REDACTED" in page


def test_a_stream_is_shown_as_its_events_with_the_bad_one_marked(contract):
    body = (
        b'event: thread.run.created\ndata: {"id": "run_1", "object": "thread.run", "status": "nope"}\n\n'
        b"event: done\ndata: [DONE]\n\n"
    )
    exchange = Exchange(
        Request(
            "POST",
            "https://api.openai.com/v1/threads/thread_1/runs",
            Headers({"openai-beta": "assistants=v2", "content-type": "application/json"}),
            b'{"assistant_id": "asst_1", "stream": true}',
        ),
        Response(200, Headers({"content-type": "text/event-stream"}), body),
    )
    summary = Summary.for_contract(contract)
    summary.add(exchange, contract.check(exchange))
    stream = [f for f in summary.findings if f.violation.code.startswith("stream.")]
    assert stream, [f.violation for f in summary.findings]
    page = html_report.serialize(summary)
    assert "stream events, the node at the pointer marked" in page and "<mark>" in page
    assert "event 0: thread.run.created" in page and "event 1: done" in page


def test_a_summary_keeps_the_exchanges_of_a_bounded_number_of_findings(contract):
    bad = _post({"model": "gpt-4o", "colour": "blue"}, {}, status=400)
    parts = [Summary(documented={}) for _ in range(2)]
    for part in parts:
        for n in range(SHOWN_EXCHANGES):
            one = replace(bad, index=n)
            part.add(one, contract.check(one))
    whole = Summary.for_contract(contract)
    for part in parts:
        whole.merge(part)
    kept = [f for f in whole.findings if f.exchange is not None]
    assert whole.shown == SHOWN_EXCHANGES and {f.exchange.index for f in kept} == set(range(SHOWN_EXCHANGES))
    assert len(whole.findings) > len(kept) and all(f.exchange is None for f in whole.findings[len(kept) :])
