"""The pytest plugin (entry point `pytest11`): the conformance suite as tests, and fixtures for your own.

    pytest --assistants-url http://127.0.0.1:8000/v1            # the suite, beside your tests
    pytest --assistants-url http://... -n 4                      # sharded with pytest-xdist

With `--assistants-url` the suite is collected as `test_conformance[<version>-<part>]`: one test per operation
(schemathesis' examples, coverage and fuzzing phases on that operation, judged by its checks and the core), one
for the stateful phase of each version, and one per behaviour scenario. Each test runs its own part, so xdist
spreads them over workers.

Fixtures: `assistants_contract` (the compiled contract), `assistants_server` (the reference server on a free
loopback port, for the session), `assistants_url` (`--assistants-url`, or the reference server's URL) and
`assistants_client` (an httpx client for that URL with the beta header and key set).

Nothing here imports mitmproxy; schemathesis is imported only when the suite runs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

    from .contract import Contract

__all__ = ["ConformancePart", "ReferenceServer"]

_SUITE = Path(__file__).with_name("conformance") / "pytest_suite.py"
_UNIT_PHASES = "examples,coverage,fuzzing"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("assistants-contract", "Assistants API conformance (assistants-contract)")
    group.addoption(
        "--assistants-url",
        default=None,
        help="Run the conformance suite against this base URL (as an SDK takes it: http://host:port/v1).",
    )
    group.addoption(
        "--assistants-api-version",
        choices=("v1", "v2", "both"),
        default="both",
        help="Contract(s) the suite tests against (default both); also the version assistants_client speaks.",
    )
    group.addoption("--assistants-api-key", default=None, help="Bearer key the server accepts.")
    group.addoption(
        "--assistants-max-examples", type=int, default=None, help="schemathesis cases per operation and phase."
    )
    group.addoption("--assistants-seed", type=int, default=None, help="Seed for generated cases (default random).")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("assistants_url"):
        # Collect the suite's module too, whatever paths were given; a path given twice is collected once.
        config.args.append(str(_SUITE))
        if config.getoption("assistants_seed") is None:
            config.option.assistants_seed = secrets.randbelow(2**31)


def pytest_report_header(config: pytest.Config) -> str | None:
    url = config.getoption("assistants_url")
    if not url:
        return None
    from .record.redact import Redactor

    return f"assistants-contract: conformance of {Redactor().url(url)}, seed {config.getoption('assistants_seed')}"


@dataclass(frozen=True)
class ConformancePart:
    """One test of the suite: a version and an operation, `stateful`, or a scenario."""

    version: str
    kind: str  # "operation" | "stateful" | "scenario"
    name: str

    @property
    def id(self) -> str:
        return f"{self.version}-{self.name}" if self.kind != "scenario" else f"{self.version}-scenario-{self.name}"


def conformance_parts(versions: tuple[str, ...]) -> list[ConformancePart]:
    from .conformance import SCENARIOS, bundled_contract

    contract = bundled_contract()
    parts: list[ConformancePart] = []
    for version in versions:
        parts.extend(ConformancePart(version, "operation", op) for op in sorted(contract.documents[version].operations))
        parts.append(ConformancePart(version, "stateful", "stateful"))
        parts.extend(ConformancePart(version, "scenario", s.name) for s in SCENARIOS.values() if version in s.versions)
    return parts


def _versions(config: pytest.Config) -> tuple[str, ...]:
    chosen = config.getoption("assistants_api_version")
    return ("v1", "v2") if chosen == "both" else (chosen,)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_part" not in metafunc.fixturenames:
        return
    parts = conformance_parts(_versions(metafunc.config))
    metafunc.parametrize("conformance_part", parts, ids=[p.id for p in parts])


def run_part(config: pytest.Config, part: ConformancePart) -> str | None:
    """Run one part of the suite; the failures as text, or None when it passed."""
    from .conformance import DEFAULT_MAX_EXAMPLES, Stage, SummaryCollector, VerifyOptions, execute, verify
    from .conformance.options import DEFAULT_API_KEY
    from .report import text

    stages = {"operation": Stage.parse(_UNIT_PHASES), "stateful": (Stage.STATEFUL,), "scenario": (Stage.SCENARIOS,)}
    options = VerifyOptions(
        config.getoption("assistants_url"),
        versions=(part.version,),
        api_key=config.getoption("assistants_api_key") or DEFAULT_API_KEY,
        stages=stages[part.kind],
        max_examples=config.getoption("assistants_max_examples") or DEFAULT_MAX_EXAMPLES,
        seed=config.getoption("assistants_seed"),
        operations=(part.name,) if part.kind == "operation" else None,
        scenarios=(part.name,) if part.kind == "scenario" else None,
    )
    collector = SummaryCollector(_contract())
    execute(verify(options), [collector])
    if collector.aborted is not None:
        from .record.redact import Redactor

        reason = Redactor().text(f"could not test {options.base_url}: {collector.aborted}")
        pytest.fail(reason, pytrace=False)
    if not collector.summary.failed:
        return None
    return text.render_verify(collector.summary)


def _contract() -> Contract:
    from .conformance import bundled_contract

    return bundled_contract()


# --- fixtures ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceServer:
    """The reference server of a test session: `url` is the SDK base URL (`http://127.0.0.1:PORT/v1`)."""

    root: str
    app: Starlette

    @property
    def url(self) -> str:
        return self.root + "/v1"


@pytest.fixture(scope="session")
def assistants_contract() -> Contract:
    """Both contract documents, compiled once for the session."""
    return _contract()


@pytest.fixture(scope="session")
def assistants_server(assistants_contract: Contract) -> Iterator[ReferenceServer]:
    """The stateful reference server (both versions) on a free loopback port, for the whole session."""
    from .server import create_app
    from .server.threaded import serve_in_thread

    app = create_app("stateful", contract=assistants_contract)
    with serve_in_thread(app) as root:
        yield ReferenceServer(root, app)


@pytest.fixture(scope="session")
def assistants_url(request: pytest.FixtureRequest) -> str:
    """`--assistants-url`, or else the reference server's base URL."""
    given = request.config.getoption("assistants_url")
    if given:
        from .conformance import normalize_base_url

        return normalize_base_url(given)
    server: ReferenceServer = request.getfixturevalue("assistants_server")
    return server.url


@pytest.fixture
def assistants_client(request: pytest.FixtureRequest, assistants_url: str) -> Iterator[httpx.Client]:
    """An httpx client for `assistants_url`, with `OpenAI-Beta` (v2, or the one version chosen) and the key."""
    import httpx

    from .conformance.options import DEFAULT_API_KEY

    versions = _versions(request.config)
    key = request.config.getoption("assistants_api_key") or DEFAULT_API_KEY
    headers: dict[str, Any] = {"OpenAI-Beta": f"assistants={versions[-1]}", "Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=assistants_url, headers=headers, timeout=30) as client:
        yield client
