"""Shared fixtures.

- `contract`: both bundled contract documents, compiled once.
- `v1_client` / `v2_client`: venvs with `openai==1.20.0` (the last assistants=v1 client) and the current
  `openai`, made once under pytest's cache dir (`.pytest_cache/d/client-venvs/`, or
  `$ASSISTANTS_CONTRACT_CLIENT_VENVS`) and reused while their marker matches. `server.support.run_client`
  runs an SDK script in one of them.
"""

import os
from pathlib import Path

import pytest
from server.support import ClientVenv, VenvError, ensure_client_venv

from assistants_contract import Contract

# vcrpy: tests/replay/test_sdk_replays_cassettes.py replays the bundled cassettes inside these venvs (9.4 patches
# httpx, which 1.20.0 uses, and httpx2, which the current openai uses).
V1_REQUIREMENTS = ["openai==1.20.0", "httpx>=0.23,<0.28", "pydantic>=2,<2.8", "vcrpy>=9.4,<10"]
V2_REQUIREMENTS = ["openai", "vcrpy>=9.4,<10"]


@pytest.fixture(scope="session")
def contract() -> Contract:
    """Both bundled contract documents, compiled once for the whole session (default version v2)."""
    return Contract.load()


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
