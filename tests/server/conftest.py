"""Fixtures for the reference-server tests.

- `live_server` / `mock_server`: the app (stateful / mock, self-checking) under uvicorn on a free loopback port,
  one per test module. After every test, every response the server sent must have been contract-valid: the
  test fails listing `app.state.violations` otherwise (see `pytest_runtest_call` below).
- `v1_client` / `v2_client` (from the top-level conftest): the openai SDK venvs.
- `run_client(venv, script, base_url)` (from `support`) runs an SDK script in one of them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistants_contract import Contract
from assistants_contract.server import create_app

from .support import LiveServer, format_violations, serve


@pytest.fixture(scope="session")
def server_contract() -> Contract:
    """Both contract documents, compiled once for every app these tests build."""
    return Contract.load()


def _app(mode: str, contract: Contract, **options):
    return create_app(mode, contract=contract, self_check=True, **options)


@pytest.fixture(scope="module")
def live_server(server_contract: Contract) -> Iterator[LiveServer]:
    """The stateful server on loopback, shared by the tests of one module."""
    with serve(_app("stateful", server_contract)) as server:
        yield server
        _assert_no_leftovers(server)


@pytest.fixture(scope="module")
def mock_server(server_contract: Contract) -> Iterator[LiveServer]:
    """The mock-mode server on loopback, shared by the tests of one module."""
    with serve(_app("mock", server_contract)) as server:
        yield server
        _assert_no_leftovers(server)


@pytest.fixture
def fresh_server(server_contract: Contract) -> Iterator[LiveServer]:
    """A stateful server of its own for one test (an empty store)."""
    with serve(_app("stateful", server_contract)) as server:
        yield server


def _assert_no_leftovers(server: LiveServer) -> None:
    # What turned up after the last test's check (the tail of a stream checked after the client hung up).
    found = list(server.violations)
    server.violations.clear()
    crashed = server.new_server_errors()
    if found or crashed:
        pytest.fail(
            "the server sent contract-invalid responses or 5xx:\n"
            + format_violations(found)
            + "".join(f"\n  {r.status} {r.method} {r.url}" for r in crashed),
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Fail a test that used a server if any response that server sent broke the contract."""
    servers = [value for value in getattr(item, "funcargs", {}).values() if isinstance(value, LiveServer)]
    try:
        result = yield
    except BaseException:
        for server in servers:
            if server.violations:
                item.add_report_section("call", "contract violations", format_violations(server.violations))
            server.violations.clear()
            server.new_server_errors()
        raise
    found, crashed = [], []
    for server in servers:
        found.extend(server.violations)
        server.violations.clear()
        crashed.extend(server.new_server_errors())
    problems = []
    if crashed:
        problems.append(
            "the server answered with 5xx:\n" + "\n".join(f"  {r.status} {r.method} {r.url}" for r in crashed)
        )
    if found:
        problems.append(f"the server sent {len(found)} contract violation(s):\n" + format_violations(found))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    return result
