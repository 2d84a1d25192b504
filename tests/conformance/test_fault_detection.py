"""Does `verify` catch the mistakes real servers make? Every fault of the reference server's catalog, one at a
time: verify must exit 1 and name an operation the fault breaks, with a check that explains it.

The behaviour scenarios (with the core judging every answer) are what run here, in one version, two servers at
a time: that keeps the whole catalog to about a minute. schemathesis' own checks get their faults below.
`benchmarks/bench_verify.py` runs the whole catalog with the smoke setting too.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistants_contract.server import create_app
from assistants_contract.server.faults import FAULTS
from assistants_contract.server.threaded import serve_in_thread

from .conftest import API_KEY, verify_command

# What must explain each fault: the core's check (a contract violation in an answer) or a scenario.
CORE = "assistants_contract"
EXPECTED_CHECKS: dict[str, set[str]] = {
    "assistant-no-model": {CORE},
    "run-created-at-string": {CORE},
    "run-status-running": {CORE},
    "thread-metadata-null": {"scenario.thread_lifecycle"},  # the contract lets metadata be null; the API does not
    "message-object-name": {CORE},
    "assistant-id-prefix": {"scenario.id_prefixes", "scenario.assistant_pagination", "scenario.assistant_lifecycle"},
    "create-201": {CORE},
    "json-as-text-plain": {CORE},
    "unknown-id-500": {"scenario.unknown_ids"},
    "delete-204": {CORE},
    "error-unwrapped": {CORE, "scenario.unknown_ids", "scenario.invalid_requests"},
    "error-no-param-code": {CORE, "scenario.unknown_ids", "scenario.invalid_requests"},
    "has-more-false": {"scenario.message_pagination"},
    "after-ignored": {"scenario.message_pagination"},
    "limit-ignored": {"scenario.message_pagination"},
    "order-ignored": {"scenario.message_pagination"},
    "first-last-swapped": {"scenario.message_pagination"},
    "runs-stay-queued": {"scenario.run_completes"},
    "tool-outputs-any-id": {"scenario.run_tool_outputs"},
    "cancel-ignored": {"scenario.run_cancel"},
    "no-thread-lock": {"scenario.thread_lock"},
    "delete-keeps": {"scenario.assistant_lifecycle", "scenario.thread_lifecycle"},
    "stream-no-done": {CORE, "scenario.stream_run"},
    "stream-out-of-order": {"scenario.stream_run"},
    "stream-misnamed-event": {"scenario.stream_run"},
    "stream-broken-json": {CORE, "scenario.stream_run"},
    "stream-text-mismatch": {"scenario.stream_run"},
    "accept-invalid-body": {"scenario.invalid_requests"},
    "accept-missing-beta": {"scenario.beta_header"},
    "accept-missing-key": {"scenario.api_key"},
    "accept-any-limit": {"scenario.invalid_requests", "scenario.message_pagination"},
}


def _version(fault_name: str, contract) -> str:
    """v2 unless the fault only breaks operations v1 alone has."""
    operations = set(FAULTS[fault_name].operations)
    return "v2" if operations & set(contract.documents["v2"].operations) else "v1"


def _detect(contract, name: str, tmp_path: Path) -> tuple[int, set[tuple[str | None, str]], str]:
    app = create_app("stateful", contract=contract, faults=[name])
    report = tmp_path / f"{name}.json"
    with serve_in_thread(app) as root:
        command = verify_command(
            root, "--phases", "scenarios", "--api-version", _version(name, contract), "--json", str(report)
        )
        completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    failures = json.loads(report.read_text())["failures"] if report.exists() else []
    return completed.returncode, {(f["operation_id"], f["check"]) for f in failures}, completed.stderr


def test_every_fault_has_an_expectation():
    assert set(EXPECTED_CHECKS) == set(FAULTS)


def test_verify_catches_every_fault_of_the_catalog(contract, tmp_path):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(FAULTS, pool.map(lambda name: _detect(contract, name, tmp_path), FAULTS), strict=True))
    missed = {}
    for name, (returncode, named, stderr) in results.items():
        fault = FAULTS[name]
        right = {(op, check) for op, check in named if op in fault.operations and check in EXPECTED_CHECKS[name]}
        if returncode != 1 or not right:
            missed[name] = (returncode, sorted(named, key=str)[:8], stderr[-300:])
    rate = (len(FAULTS) - len(missed)) / len(FAULTS)
    assert rate == 1.0, f"detection rate {rate:.0%}; missed: {json.dumps(missed, indent=1, default=str)}"


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("accept-invalid-body", "negative_data_rejection"),
        ("accept-missing-key", "ignored_auth"),
        ("unknown-id-500", "not_a_server_error"),
        ("create-201", "status_code_conformance"),
        ("json-as-text-plain", "content_type_conformance"),
    ],
)
def test_schemathesis_checks_catch_their_faults(contract, serve_app, run_verify, fault, check):
    # With the suite's key as the only one accepted, so that only the fault can let a request without it in.
    url = serve_app(create_app("stateful", contract=contract, faults=[fault], api_keys=[API_KEY]))
    result = run_verify(url, "--phases", "examples,fuzzing", "--max-examples", "5", "--api-version", "v2")
    assert result.returncode == 1, result.stdout[-2000:]
    assert any(c == check and op in FAULTS[fault].operations for op, c in result.named()), sorted(result.named())
