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

Replaying a cassette: `@pytest.mark.assistants_cassette(path, **options)` runs the test inside that vcrpy
cassette (record mode `none` unless `record_mode=` says otherwise) and checks every request the client sends
through it against the contract. Requests are matched on `assistants_method`, `assistants_path`,
`assistants_query` and `assistants_body`: `replay/matching.py`'s rule, so a JSON body matches whatever its key
order and whitespace, and the host, scheme and port are not compared (the client may use another base URL).
The test fails, after its own code has run, when a request broke the contract (each violation with its code
and JSON pointer: `file_ids` on a v2 `createAssistant` is `request.body.unknown_property at /file_ids`, even
though the cassette answers it) or when the cassette had no recording for one (the closest recording and what
differs; vcrpy's own error says the same when it reaches the test). Warnings do not fail it.

    @pytest.mark.assistants_cassette("cassettes/v2/runs.yaml")
    def test_runs(assistants_cassette):            # the vcrpy Cassette, for play_count and all_played
        client = openai.OpenAI(base_url="http://localhost:9/v1", api_key="sk-test", max_retries=0)
        ...

`path` is relative to the `assistants_cassette_dir` fixture (pytest's rootdir; override it in a conftest).
Options: `match_on` (names of our matchers and vcrpy's, default the four above), `record_mode`, and any other
keyword `vcr.VCR.use_cassette` takes (`allow_playback_repeats=True`, `filter_headers=[...]`).

With pytest-recording, `@pytest.mark.vcr` plus `@pytest.mark.assistants_cassette` (no path) checks the
cassette pytest-recording made (its files, `vcr_config` and record mode), matched by `match_on` as above;
the matchers are also registered by name on every pytest-recording cassette, for a `vcr_config` to name.

Nothing here imports mitmproxy; schemathesis is imported only when the suite runs.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette
    from vcr import VCR
    from vcr.cassette import Cassette

    from .contract import Contract
    from .replay.cassette_check import CassetteCheck

__all__ = ["CassetteOptions", "ConformancePart", "ReferenceServer"]

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
    config.addinivalue_line(
        "markers",
        "assistants_cassette(path=None, *, match_on=..., record_mode='none', **vcr_options): run the test in this"
        " vcrpy cassette (without a path: in @pytest.mark.vcr's), checking every request against the contract.",
    )
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


@functools.cache
def _contract() -> Contract:
    # Not conformance.bundled_contract: importing the suite imports schemathesis, which fixtures do not need.
    from .contract import Contract

    return Contract.load()


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


# --- cassettes ------------------------------------------------------------------------------------------------

_MARKER = "assistants_cassette"
_CHECK: pytest.StashKey[CassetteCheck] = pytest.StashKey()


@dataclass(frozen=True)
class CassetteOptions:
    """What `@pytest.mark.assistants_cassette(...)` asked for. `path` None: the cassette of `@pytest.mark.vcr`."""

    path: str | None
    match_on: tuple[str, ...]
    record_mode: str
    vcr_options: dict[str, Any]

    @classmethod
    def from_marker(cls, mark: pytest.Mark) -> CassetteOptions:
        """The options of a marker; ValueError says what is wrong with them."""
        from .replay.cassette_check import MATCH_ON, VCR_OPTIONS, matchers_named

        kwargs = dict(mark.kwargs)
        if len(mark.args) > 1 or (mark.args and "path" in kwargs):
            raise ValueError("takes one cassette path")
        path = mark.args[0] if mark.args else kwargs.pop("path", None)
        match_on = kwargs.pop("match_on", MATCH_ON)
        if isinstance(match_on, str):
            raise ValueError(f"match_on is a list of matcher names, not the string {match_on!r}")
        matchers_named(match_on)
        unknown = sorted(set(kwargs) - VCR_OPTIONS)
        if unknown:
            raise ValueError(
                f"unknown option {', '.join(unknown)}; it takes path, match_on, and vcr.VCR.use_cassette's"
                f" {', '.join(sorted(VCR_OPTIONS - {'match_on', 'path_transformer', 'func_path_generator'}))}"
            )
        record_mode = kwargs.pop("record_mode", "none")
        if path is None and (kwargs or "record_mode" in mark.kwargs):
            given = ", ".join(sorted({*kwargs, *({"record_mode"} & set(mark.kwargs))}))
            raise ValueError(
                f"without a path the cassette is pytest-recording's: give {given} to @pytest.mark.vcr or vcr_config"
            )
        return cls(None if path is None else os.fspath(path), tuple(match_on), record_mode, kwargs)


@pytest.fixture
def assistants_cassette_dir(request: pytest.FixtureRequest) -> Path:
    """Where `@pytest.mark.assistants_cassette` paths start: pytest's rootdir. Override it in a conftest."""
    return request.config.rootpath


@pytest.fixture
def assistants_cassette(request: pytest.FixtureRequest, assistants_contract: Contract) -> Iterator[Cassette | None]:
    """The vcrpy cassette of `@pytest.mark.assistants_cassette`, entered, with every request checked.

    None only when the cassette is pytest-recording's and `--disable-recording` turned it off."""
    from .replay.cassette_check import CassetteCheck, matchers_named, vcr_with_matchers

    mark = request.node.get_closest_marker(_MARKER)
    if mark is None:
        pytest.fail(
            f"the assistants_cassette fixture needs a cassette: mark {request.node.name} with"
            " @pytest.mark.assistants_cassette('path/to/cassette.yaml')",
            pytrace=False,
        )
    try:
        options = CassetteOptions.from_marker(mark)
    except ValueError as e:
        pytest.fail(f"@pytest.mark.assistants_cassette on {request.node.name}: {e}", pytrace=False)
    check = CassetteCheck(assistants_contract)
    if options.path is None:
        cassette = _pytest_recording_cassette(request)
        if cassette is None:
            yield None
            return
        # pytest-recording made the cassette with vcr_config's match_on; the marker's replaces it for this test.
        cassette._match_on = matchers_named(options.match_on)
        check.attach(cassette)
        request.node.stash[_CHECK] = check
        yield cassette
        return
    if request.node.get_closest_marker("vcr") is not None:
        pytest.fail(
            f"{request.node.name} has @pytest.mark.vcr and @pytest.mark.assistants_cassette({options.path!r}):"
            " use one cassette (@pytest.mark.assistants_cassette without a path checks pytest-recording's)",
            pytrace=False,
        )
    base: Path = request.getfixturevalue("assistants_cassette_dir")
    path = Path(base, options.path)
    if options.record_mode == "none" and not path.is_file():
        pytest.fail(
            f"cassette {path} does not exist ({options.path!r} under {base}); fix the path, or record it once"
            " with record_mode='once'",
            pytrace=False,
        )
    recorder = vcr_with_matchers()
    with recorder.use_cassette(
        str(path), record_mode=options.record_mode, match_on=options.match_on, **options.vcr_options
    ) as cassette:
        check.attach(cassette)
        request.node.stash[_CHECK] = check
        yield cassette


def _pytest_recording_cassette(request: pytest.FixtureRequest) -> Cassette | None:
    if request.node.get_closest_marker("vcr") is None:
        pytest.fail(
            f"@pytest.mark.assistants_cassette on {request.node.name} has no path, so it checks the cassette of"
            " @pytest.mark.vcr (pytest-recording), and the test has none: add one of the two",
            pytrace=False,
        )
    try:
        return request.getfixturevalue("vcr")
    except pytest.FixtureLookupError:
        pytest.fail(
            "@pytest.mark.vcr cassettes come from pytest-recording, which is not installed:"
            " pip install pytest-recording",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _assistants_cassette_marked(request: pytest.FixtureRequest) -> None:
    """The marker alone is enough: a marked test gets its cassette without asking for the fixture."""
    if request.node.get_closest_marker(_MARKER) is not None:
        request.getfixturevalue("assistants_cassette")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a test in a cassette: fail it for every request that broke the contract or had no recording."""
    check = item.stash.get(_CHECK, None)
    if check is None:
        return (yield)
    try:
        result = yield
    except BaseException:
        # The test failed already (often with vcrpy's CannotOverwriteExistingCassetteException): keep its error
        # and traceback, and show what the check found beside it.
        found = check.report()
        if found:
            item.add_report_section("call", "assistants-contract", found)
        raise
    failure = check.failure()
    if failure:
        pytest.fail(failure, pytrace=False)
    warnings = check.report()
    if warnings:
        item.add_report_section("call", "assistants-contract", warnings)
    return result


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """pytest-recording's hook, on each VCR it makes: our matchers by name, for `vcr_config`'s `match_on`."""
    from .replay.cassette_check import MATCHERS

    for name, matcher in MATCHERS.items():
        vcr.register_matcher(name, matcher)
