"""What a conformance run is asked to do: the server under test, the versions, the stages, the budget."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from ..contract import VERSIONS

__all__ = ["DEFAULT_MAX_EXAMPLES", "DEFAULT_STAGES", "Stage", "VerifyOptions", "normalize_base_url"]

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_API_KEY = "sk-assistants-contract-verify"


class Stage(enum.StrEnum):
    """The stages of a run, in the order they run for each version. The first four are schemathesis phases;
    `scenarios` are the behaviour scenarios (lifecycles, pagination, runs, streams) it cannot express;
    `cassettes` sends the requests of recorded cassettes again and compares the answers with the recorded ones
    (it runs only when asked for, with the cassettes to send)."""

    EXAMPLES = "examples"
    COVERAGE = "coverage"
    FUZZING = "fuzzing"
    STATEFUL = "stateful"
    SCENARIOS = "scenarios"
    CASSETTES = "cassettes"

    @classmethod
    def parse(cls, names: str) -> tuple[Stage, ...]:
        """`"coverage,scenarios"` -> the stages, in run order. Raises ValueError naming the valid ones."""
        chosen = {part.strip().lower() for part in names.split(",") if part.strip()}
        unknown = chosen - {s.value for s in cls}
        if unknown or not chosen:
            raise ValueError(
                f"unknown stage(s) {', '.join(sorted(unknown)) or '(none given)'};"
                f" choose from {', '.join(s.value for s in cls)}"
            )
        return tuple(s for s in cls if s.value in chosen)


SCHEMATHESIS_STAGES = (Stage.EXAMPLES, Stage.COVERAGE, Stage.FUZZING, Stage.STATEFUL)
# What a run does when not told: everything but the cassettes, which need cassettes to send.
DEFAULT_STAGES = (*SCHEMATHESIS_STAGES, Stage.SCENARIOS)


def normalize_base_url(url: str) -> str:
    """The base URL as an SDK's `base_url` takes it: `http://host:port/v1`. A URL with an empty path gets
    `/v1`; a trailing slash goes. Raises ValueError for anything that is not an http(s) URL with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{url!r} is not an http:// or https:// URL with a host (for example http://127.0.0.1:8000/v1)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"{url!r}: a base URL has no query or fragment")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass(frozen=True)
class VerifyOptions:
    """One conformance run. `seed` drives every generated case: the same seed against the same server gives
    the same requests. `max_examples` is schemathesis' budget per operation and phase. `cassettes` are the
    files or folders the `cassettes` stage sends again; it runs if and only if they are given."""

    base_url: str
    versions: tuple[str, ...] = VERSIONS
    api_key: str = DEFAULT_API_KEY
    stages: tuple[Stage, ...] = DEFAULT_STAGES
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int = field(default_factory=lambda: secrets.randbelow(2**31))
    workers: int = 1
    request_timeout: float = 10.0
    # Narrow the run (the pytest plugin runs one operation or one scenario per test): None means all.
    operations: tuple[str, ...] | None = None
    scenarios: tuple[str, ...] | None = None
    cassettes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", normalize_base_url(self.base_url))
        unknown = [v for v in self.versions if v not in VERSIONS]
        if unknown or not self.versions:
            raise ValueError(f"unknown API version(s) {unknown}; choose from {', '.join(VERSIONS)}")
        if self.max_examples < 1:
            raise ValueError(f"max_examples must be at least 1, not {self.max_examples}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if not self.api_key:
            raise ValueError("the API key is empty")
        if Stage.CASSETTES in self.stages and not self.cassettes:
            raise ValueError("the cassettes stage needs cassettes to send: give them with --cassette PATH")
        if self.cassettes and Stage.CASSETTES not in self.stages:
            raise ValueError(
                f"cassettes given, but the stages ({', '.join(s.value for s in self.stages)}) leave out cassettes:"
                " add it to --phases"
            )
