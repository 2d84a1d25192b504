"""Fixtures for the reference-server tests.

- `live_server` / `mock_server`: the app (stateful / mock, self-checking) under uvicorn on a free loopback port,
  one per test module. After every test, every response the server sent must have been contract-valid: the
  test fails listing `app.state.violations` otherwise (see `pytest_runtest_call` below).
- `v1_client` / `v2_client`: venvs with `openai==1.20.0` (the last assistants=v1 client) and the current
  `openai`, made once under pytest's cache dir (`.pytest_cache/d/client-venvs/`, or
  `$ASSISTANTS_CONTRACT_CLIENT_VENVS`) and reused while their marker matches.
- `run_client(venv, script, base_url)` (from `support`) runs an SDK script in one of them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistants_contract import Contract
from assistants_contract.server import create_app

from .support import ClientVenv, LiveServer, VenvError, ensure_client_venv, format_violations, serve

V1_REQUIREMENTS = ["openai==1.20.0", "httpx>=0.23,<0.28", "pydantic>=2,<2.8"]
V2_REQUIREMENTS = ["openai"]


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


# --- client venvs ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def client_venvs_root(request: pytest.FixtureRequest) -> Path:
    override = os.environ.get("ASSISTANTS_CONTRACT_CLIENT_VENVS")
    if override:
        return Path(override)
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("client-venvs"))
    return Path(request.config.rootpath) / ".pytest_cache" / "d" / "client-venvs"


def _venv(root: Path, name: str, requirements: list[str]) -> ClientVenv:
    try:
        return ensure_client_venv(root, name, requirements)
    except VenvError as e:
        pytest.fail(f"could not make the client venv {root / name} ({' '.join(requirements)}):\n{e}", pytrace=False)


@pytest.fixture(scope="session")
def v1_client(client_venvs_root: Path) -> ClientVenv:
    """A venv with openai 1.20.0: assistants=v1, files sub-resources, streaming and polling helpers."""
    venv = _venv(client_venvs_root, "openai-1.20.0", V1_REQUIREMENTS)
    assert venv.openai_version == "1.20.0"
    return venv


@pytest.fixture(scope="session")
def v2_client(client_venvs_root: Path) -> ClientVenv:
    """A venv with the current openai (assistants=v2)."""
    venv = _venv(client_venvs_root, "openai-latest", V2_REQUIREMENTS)
    assert int(venv.openai_version.split(".")[0]) >= 1
    return venv
