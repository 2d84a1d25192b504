"""The proxy's reports name where a finding is recorded and show the URL the cassette has, with mitmproxy's test kit."""

import json

import yaml
from mitmproxy import http
from mitmproxy.test import taddons, tflow, tutils

from assistants_contract.proxy.addons import Record, Report, default_addons

THREAD = {"id": "thread_abc", "object": "thread", "created_at": 1, "metadata": {}, "tool_resources": {}}


def _flow(body: bytes) -> http.HTTPFlow:
    # To a local upstream on a random port, as the embedded reference server is.
    req = tutils.treq(method=b"POST", path=b"/v1/threads", content=body, host="127.0.0.1", port=43117)
    req.scheme = "http"
    req.headers.clear()
    req.headers["OpenAI-Beta"] = "assistants=v2"
    req.headers["content-type"] = "application/json"
    req.headers["host"] = "127.0.0.1:43117"
    req.headers["authorization"] = "Bearer " + "sk-" + "test" + "Q7" * 16
    f = tflow.tflow(req=req)
    f.response = http.Response.make(200, json.dumps(THREAD), {"content-type": "application/json"})
    return f


def test_a_finding_names_its_cassette_interaction_and_the_recorded_origin(contract, tmp_path):
    records, reports = tmp_path / "cassettes", tmp_path / "reports"
    addons = default_addons(contract)
    with taddons.context(*addons) as tctx:
        record = next(a for a in addons if isinstance(a, Record))
        report = next(a for a in addons if isinstance(a, Report))
        tctx.configure(record, contract_record_dir=str(records), contract_record_origin="https://api.openai.com")
        tctx.configure(report, contract_report_dir=str(reports))
        for body in (b"{}", b'{"colour": "red"}'):
            f = _flow(body)
            for hook in ("request", "response"):
                for addon in addons:
                    if hasattr(addon, hook):
                        getattr(addon, hook)(f)
        for addon in addons:
            if hasattr(addon, "done"):
                addon.done()
    (cassette,) = records.glob("*.yaml")
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    assert json.loads(interactions[1]["request"]["body"]) == {"colour": "red"}
    data = json.loads((reports / "report.json").read_text())
    (violation,) = data["violations"]
    assert violation["source"] == {"file": str(cassette), "index": 1}
    assert violation["url"] == interactions[1]["request"]["uri"] == "https://api.openai.com/v1/threads"
    page = (reports / "report.html").read_text()
    assert f"from <code>{cassette}</code> interaction <code>#1</code>" in page
    assert "<mark>&quot;red&quot;</mark>" in page  # the body came along with the finding
    assert "127.0.0.1" not in page and "sk-test" not in page and "host: api.openai.com" in page
