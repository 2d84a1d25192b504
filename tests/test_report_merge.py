"""`assistants-contract report merge`: JSON reports read back (`json_report.load`) and combined into one."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistants_contract.cli import cli
from assistants_contract.contract import Contract
from assistants_contract.lint import lint_files
from assistants_contract.report import Summary, json_report
from assistants_contract.report.summary import CheckFailure, ReplayMiss, ReplayTally, UnusedInteraction

ROOT = Path(__file__).resolve().parent.parent
FIRST = ROOT / "cassettes" / "v1" / "errors.yaml"
SECOND = ROOT / "cassettes" / "v2" / "runs.yaml"


def run_cli(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for name, paths in (("first", [FIRST]), ("second", [SECOND]), ("both", [FIRST, SECOND])):
        code, text, _ = run_cli("lint", *paths, "--format", "json")
        assert code == (0 if name == "second" else 1)  # errors.yaml holds the errors made on purpose
        out[name] = folder / f"{name}.json"
        out[name].write_text(text)
    return out


def without_report(report):
    """The merged report's violations name their input report; linting together has no input report."""
    for v in report["violations"]:
        v["source"].pop("report", None)
    return report


def test_merge_of_two_lint_runs_equals_one_run_of_both(reports, tmp_path):
    code, _, _ = run_cli("report", "merge", reports["first"], reports["second"], "--json", tmp_path / "m.json")
    assert code == 1
    merged = json.loads((tmp_path / "m.json").read_text())
    together = json.loads(reports["both"].read_text())
    assert merged["violations"] and merged["exchanges"] == together["exchanges"] > 0
    assert {v["source"]["report"] for v in merged["violations"]} == {str(reports["first"]), str(reports["second"])}
    for v in merged["violations"]:
        expected = reports["first"] if v["source"]["file"] == str(FIRST) else reports["second"]
        assert v["source"]["report"] == str(expected)
    assert without_report(merged) == together


def test_merge_writes_every_report_and_prints_totals(reports, tmp_path):
    code, out, _ = run_cli("report", "merge", reports["first"], reports["second"], "--out", tmp_path / "out")
    assert code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.json", "report.xml"]
    together = json.loads(reports["both"].read_text())
    assert out.splitlines()[-1] == (
        f"{together['exchanges']} exchanges, {together['errors']} errors, {together['warnings']} warnings: FAIL"
    )
    code, out, _ = run_cli("report", "merge", reports["second"], "--format", "json")
    assert code == 0 and json.loads(out)["errors"] == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json at all", "not JSON"),
        ("[1, 2]", "not an assistants-contract JSON report (a JSON list, not an object)"),
        ('{"format_version": 1, "exchanges": 3}', "not an assistants-contract JSON report (missing 'coverage')"),
        ('{"format_version": 7}', "format_version 7, expected 1"),
    ],
)
def test_a_bad_report_is_refused_with_one_line(reports, tmp_path, content, says):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, out, err = run_cli("report", "merge", reports["first"], bad, "--out", tmp_path / "out")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"report merge: {bad}: ") and says in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_a_migration_report_does_not_merge(tmp_path):
    code, text, _ = run_cli("migrate", FIRST, "--format", "json")
    assert code == 1
    (tmp_path / "m.json").write_text(text)
    code, _, err = run_cli("report", "merge", tmp_path / "m.json")
    assert code == 2 and "cannot merge: only summaries of traffic merge" in err


def test_load_round_trips_what_write_writes():
    contract = Contract.load()
    summary = Summary.for_contract(contract)
    for outcome in lint_files([FIRST, SECOND], contract=contract):
        summary.merge(outcome.summary)
    written = json_report.serialize(summary)
    assert json_report.serialize(json_report.load(written)) == written

    # The parts only a conformance run and a replay session fill in.
    summary.run = {"target": "http://127.0.0.1:1/v1", "seed": 7}
    summary.record_check("v2", "getRun", "not_a_server_error", None)
    summary.record_check("v2", "getRun", "scenario.poll", CheckFailure("v2", "getRun", "scenario.poll", "it hung"))
    v = summary.findings[0].violation
    failure = CheckFailure("v2", None, "assistants_contract", "bad", v, "curl ...", 3, "GET", "/v1/x", 500)
    summary.record_check("v2", None, "assistants_contract", failure)
    summary.replay = ReplayTally(
        ["a.yaml"],
        4,
        3,
        2,
        1,
        0,
        [ReplayMiss("GET", "/v1/y", "no_recorded_interaction", "closest: GET /v1/x")],
        [UnusedInteraction("a.yaml", 2, "POST", "/v1/z")],
    )
    written = json_report.serialize(summary)
    assert '"failures"' in written and '"replay"' in written
    assert json_report.serialize(json_report.load(written)) == written
