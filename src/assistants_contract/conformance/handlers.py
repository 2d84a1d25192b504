"""Handlers of a run's events: one gathers them into a report `Summary` (which the `report/` sinks render), one
shows progress on a terminal. Neither decides anything about the run."""

from __future__ import annotations

from typing import IO

from ..contract import Contract
from ..report.progress import LiveLine
from ..report.summary import Summary
from .events import (
    CheckRan,
    ExchangeChecked,
    StageFinished,
    StageStarted,
    VerifyAborted,
    VerifyEvent,
    VerifyFinished,
    VerifyStarted,
)

__all__ = ["Progress", "SummaryCollector"]


class SummaryCollector:
    """Builds the `Summary` of a run: coverage and findings from every judged response, a tally per version,
    operation and check, and what the run was (`summary.run`). `aborted` holds the reason a run stopped."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.summary: Summary = Summary.for_contract(contract)
        self.aborted: str | None = None

    def start(self) -> None:
        pass

    def handle(self, event: VerifyEvent) -> None:
        if isinstance(event, ExchangeChecked):
            self.summary.add(event.exchange, event.result)
        elif isinstance(event, CheckRan):
            self.summary.record_check(event.version, event.operation_id, event.check, event.failure)
        elif isinstance(event, VerifyStarted):
            options = event.options
            self.summary = Summary.for_contract(self.contract, options.versions)
            self.summary.run = {
                "target": options.base_url,
                "versions": list(options.versions),
                "stages": [s.value for s in options.stages],
                "seed": options.seed,
                "max_examples": options.max_examples,
                "cases": 0,
                "seconds": 0.0,
                "stage_times": [],
            }
            if options.cassettes:
                self.summary.run["cassettes"] = list(options.cassettes)
        elif isinstance(event, StageFinished):
            self.summary.run["stage_times"].append(
                {"version": event.version, "stage": event.stage.value, "cases": event.cases, "seconds": event.seconds}
            )
        elif isinstance(event, VerifyFinished):
            self.summary.run["cases"] = event.cases
            self.summary.run["seconds"] = round(event.seconds, 2)
        elif isinstance(event, VerifyAborted):
            self.aborted = event.reason

    def shutdown(self) -> None:
        pass


class Progress:
    """A live line per stage on a terminal (`version stage: N cases, F failed`), rewritten in place (a
    `report.progress.LiveLine`). Off a terminal it writes nothing: CI logs get the final report only."""

    def __init__(self, out: IO[str], *, enabled: bool) -> None:
        self.line = LiveLine(out, enabled=enabled)
        self._stage: StageStarted | None = None
        self._cases = 0
        self._failed = 0

    def start(self) -> None:
        pass

    def handle(self, event: VerifyEvent) -> None:
        if not self.line.enabled:
            return
        if isinstance(event, StageStarted):
            self._stage, self._cases, self._failed = event, 0, 0
            self._show(force=True)
        elif isinstance(event, ExchangeChecked):
            self._cases += 1
            self._show()
        elif isinstance(event, CheckRan) and event.failure is not None:
            self._failed += 1
            self._show()
        elif isinstance(event, StageFinished):
            self._cases = event.cases
            self._show(force=True, seconds=event.seconds)
            self.line.end()
            self._stage = None

    def shutdown(self) -> None:
        if self._stage is not None:
            self.line.end()

    def _show(self, *, force: bool = False, seconds: float | None = None) -> None:
        if self._stage is None:
            return
        took = f" in {seconds:.1f} s" if seconds is not None else " ..."
        stage = self._stage
        self.line.show(
            f"{stage.version} {stage.stage.value:9} {self._cases:6} cases, {self._failed} failed{took}", force=force
        )
