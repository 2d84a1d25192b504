"""Fixtures for the conformance-suite tests: real servers on loopback and the installed `verify` command.

- `reference_url`: the stateful reference server (both versions), for the session.
- `serve_app(app)`: any app on a free port, for one test (a server with a fault, the mock).
- `run_verify(url, *args)`: `python -m assistants_contract verify --url URL ...` as a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread

API_KEY = "sk-conformance-0123456789abcdefghij"


@pytest.fixture(scope="session")
def reference_url(contract) -> Iterator[str]:
    with serve_in_thread(create_app("stateful", contract=contract, api_keys=[API_KEY])) as root:
        yield root + "/v1"


@pytest.fixture
def serve_app() -> Iterator[Callable[[Any], str]]:
    with contextlib.ExitStack() as stack:

        def start(app: Any) -> str:
            return stack.enter_context(serve_in_thread(app)) + "/v1"

        yield start


class Verified:
    """A finished `verify` run: its exit status, output and JSON report."""

    def __init__(self, completed: subprocess.CompletedProcess, report_path: Path) -> None:
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.report: dict = json.loads(report_path.read_text()) if report_path.exists() else {}

    @property
    def failures(self) -> list[dict]:
        return self.report.get("failures", [])

    def named(self) -> set[tuple[str | None, str]]:
        """(operation id, check) of every failure."""
        return {(f["operation_id"], f["check"]) for f in self.failures}


def verify_command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "assistants_contract", "verify", "--url", url, *args]


@pytest.fixture
def run_verify(tmp_path: Path) -> Callable[..., Verified]:
    counter = iter(range(1000))

    def run(url: str, *args: str, api_key: str = API_KEY, timeout: float = 600) -> Verified:
        report = tmp_path / f"verify-{next(counter)}.json"
        command = verify_command(url, "--api-key", api_key, "--json", str(report), *args)
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        return Verified(completed, report)

    return run
