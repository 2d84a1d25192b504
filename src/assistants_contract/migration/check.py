"""The v1 -> v2 check: each exchange judged by the core twice, as the contract its request names (or the default)
and by a contract that knows only v2; what v2 finds that the first did not is a migration difference, which the
rule table (`rules.py`) names and gives a replacement.

    run = migrate_files(["cassettes/v1"])       # files read as lint reads them
    run.summary.migration.replacements          # what to change, where, how often
    run.errors                                  # files that could not be read, one line each
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .._exceptions import SourceError
from .._models import CheckResult, Exchange, Violation
from ..contract import Contract
from ..report.summary import Summary
from ..sources import load_exchanges
from .model import Change, Migration, OperationTally, Place, Replacement
from .rules import OTHER, RULES, detected_pointer, find_rule, normalize_pointer, schema_name

__all__ = ["MigrationCheck", "MigrationRun", "migrate_files"]

TARGET = "v2"
_ORDER = {rule.kind: i for i, rule in enumerate(RULES)}


@dataclass(slots=True)
class MigrationRun:
    """A summary of the traffic as v2 sees it (findings: the differences only) carrying the `migration`, and the
    files that could not be read."""

    summary: Summary
    files: int = 0
    errors: list[str] = field(default_factory=list)


class MigrationCheck:
    """Judges exchanges one at a time into one summary and its migration."""

    def __init__(self, contract: Contract) -> None:
        if TARGET not in contract.documents:
            raise ValueError(f"the contract has no {TARGET} document to migrate to")
        self.contract = contract
        self.target = Contract([contract.documents[TARGET]], default_version=TARGET)
        self.summary = Summary.for_contract(self.target)
        self.migration = Migration(target=TARGET)
        self.summary.migration = self.migration
        self._replacements: dict[tuple[str, str, str | None, str], Replacement] = {}

    def add(self, exchange: Exchange) -> None:
        own = self.contract.check(exchange)
        judged = self.target.check(exchange)
        known = {(v.code, v.side, v.pointer) for v in own.violations}
        differences = [v for v in judged.violations if (v.code, v.side, v.pointer) not in known]
        self.summary.add(exchange, CheckResult(judged.version, judged.operation_id, differences))
        migration = self.migration
        migration.exchanges += 1
        if own.version != TARGET:
            migration.v1_exchanges += 1
        operation_id = own.operation_id or judged.operation_id
        tally = migration.operations.setdefault(operation_id, OperationTally()) if operation_id else None
        if tally is not None:
            tally.exchanges += 1
        if not differences:
            return
        place = Place(exchange.source, exchange.index, exchange.request.method, exchange.request.url)
        kinds: list[str] = []
        for v in differences:
            replacement = self._replacement(v, own, operation_id)
            replacement.count += 1
            if not replacement.exchanges or replacement.exchanges[-1] != place:
                replacement.exchanges.append(place)
            if replacement.kind not in kinds:
                kinds.append(replacement.kind)
            if tally is not None:
                tally.replacements += 1
        if tally is not None:
            tally.to_change += 1
        kinds.sort(key=lambda kind: _ORDER.get(kind, len(_ORDER)))
        migration.changes.append(Change(place, operation_id, tuple(kinds)))

    def finish(self) -> Summary:
        """The summary, its replacements in the rule table's order, then by operation, side and pointer."""
        self.migration.replacements = sorted(
            self._replacements.values(),
            key=lambda r: (_ORDER.get(r.kind, len(_ORDER)), r.operation_id or "", r.side, r.pointer),
        )
        return self.summary

    def _replacement(self, v: Violation, own: CheckResult, operation_id: str | None) -> Replacement:
        pointer = normalize_pointer(detected_pointer(v.code, v.pointer, v.message))
        if v.code in ("path.undocumented", "method.undocumented") and own.operation_id is not None:
            # The recorded path names ids; the v1 operation's template says which endpoint it is.
            pointer = self.contract.documents[own.version].operations[own.operation_id].path
        rule = find_rule(v.code, operation_id, pointer, schema_name(v.schema_location))
        kind, side = (rule.kind, rule.side) if rule else (OTHER, v.side.value)
        key = (kind, side, operation_id, pointer)
        found = self._replacements.get(key)
        if found is None:
            v1, v2 = (rule.v1, rule.v2) if rule else (v.message, f"what the v2 contract says at {v.schema_location}")
            found = self._replacements[key] = Replacement(kind, side, operation_id, pointer, v1, v2)
        if v.code not in found.codes:
            found.codes.append(v.code)
        return found


def migrate_files(
    paths: Sequence[str | Path], *, api_version: str = "v1", contract: Contract | None = None
) -> MigrationRun:
    """Check every exchange of the files, in their order. `api_version` is the version a request without a usable
    OpenAI-Beta header is taken for. A file that cannot be read is an error line and is left out."""
    contract = contract or Contract.load(default_version=api_version)
    check = MigrationCheck(contract)
    run = MigrationRun(check.summary)
    for path in paths:
        run.files += 1
        try:
            exchanges = load_exchanges(path)
        except SourceError as e:
            run.errors.append(str(e))
            continue
        for exchange in exchanges:
            check.add(exchange)
    check.finish()
    return run
