"""A conformance run: the server is probed, then for each version the schemathesis stages, the behaviour
scenarios and the cassettes run in turn. `verify()` yields events; `execute()` fans them out to handlers."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Protocol

import httpx

from ..contract import Contract
from .cassettes import Cassette, load_cassettes, run_cassettes
from .check import bundled_contract
from .events import StageFinished, VerifyAborted, VerifyEvent, VerifyFinished, VerifyStarted
from .options import SCHEMATHESIS_STAGES, Stage, VerifyOptions
from .property import VerifyCannotRun, run_schemathesis
from .scenarios import run_scenarios

__all__ = ["Handler", "execute", "probe", "verify"]


def probe(options: VerifyOptions) -> str | None:
    """Why the server cannot be tested, in one line, or None when it answers. Any HTTP answer counts as
    reachable, except a 401 to the configured key: then every check would fail for the same reason."""
    url = f"{options.base_url}/assistants?limit=1"
    version = options.versions[-1]
    headers = {"OpenAI-Beta": f"assistants={version}", "Authorization": f"Bearer {options.api_key}"}
    try:
        response = httpx.get(url, headers=headers, timeout=options.request_timeout)
    except httpx.HTTPError as e:
        return f"cannot reach {options.base_url}: {type(e).__name__}: {e or 'no answer'}"
    if response.status_code == 401:
        return f"{options.base_url} refused the API key (401 on GET /assistants); give the key it takes with --api-key"
    return None


def verify(options: VerifyOptions, contract: Contract | None = None) -> Iterator[VerifyEvent]:
    contract = contract or bundled_contract()
    started = time.monotonic()
    cassettes: list[Cassette] = []
    if Stage.CASSETTES in options.stages:
        try:  # before the probe: a cassette path given wrong is said whatever the server does
            cassettes = _cassettes_of(options, contract)
        except VerifyCannotRun as e:
            yield VerifyStarted(options)
            yield VerifyAborted(str(e))
            return
        if options.stages == (Stage.CASSETTES,):
            # Only the cassettes' versions are tested: the others would be all "untested" in the reports.
            options = replace(
                options, versions=tuple(v for v in options.versions if any(c.version == v for c in cassettes))
            )
    yield VerifyStarted(options)
    reason = probe(options)
    if reason is not None:
        yield VerifyAborted(reason)
        return
    cases = 0
    try:
        for version in options.versions:
            stages: list[Iterable[VerifyEvent]] = []
            if any(stage in options.stages for stage in SCHEMATHESIS_STAGES):
                stages.append(run_schemathesis(options, version, contract))
            if Stage.SCENARIOS in options.stages:
                stages.append(run_scenarios(options, version, contract))
            if Stage.CASSETTES in options.stages:
                stages.append(run_cassettes(options, version, contract, cassettes))
            for events in stages:
                for event in events:
                    if isinstance(event, StageFinished):
                        cases += event.cases
                    yield event
    except VerifyCannotRun as e:
        yield VerifyAborted(str(e))
        return
    yield VerifyFinished(cases, time.monotonic() - started)


def _cassettes_of(options: VerifyOptions, contract: Contract) -> list[Cassette]:
    cassettes = load_cassettes(options.cassettes, contract)
    if not any(c.version in options.versions for c in cassettes):
        found = ", ".join(sorted({c.version for c in cassettes}))
        raise VerifyCannotRun(
            f"none of the {len(cassettes)} cassettes is of {' or '.join(options.versions)} (they are {found});"
            " choose their version with --api-version"
        )
    return cassettes


class Handler(Protocol):
    """A subscriber to a run: `start` before the first event, `handle` for each, `shutdown` always at the end."""

    def start(self) -> None: ...

    def handle(self, event: VerifyEvent) -> None: ...

    def shutdown(self) -> None: ...


def execute(events: Iterable[VerifyEvent], handlers: list[Handler]) -> None:
    """Hand every event to every handler; shut them all down even when the run or a handler fails."""
    for handler in handlers:
        handler.start()
    try:
        for event in events:
            for handler in handlers:
                handler.handle(event)
    finally:
        for handler in handlers:
            handler.shutdown()
