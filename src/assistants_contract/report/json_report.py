"""The JSON report: one document any tool can read. `lint --format json` prints it; the proxy writes it; a
conformance run adds `run`, `verdicts` (per version and operation: pass, fail or untested), `checks` (per
operation and check: passed and failed counts) and `failures` (each with its reproduction); a replay session adds
`replay` (its counts, the requests it had no recorded answer for, and the interactions no request had); a migration
check adds `migration` (see `migration/model.py`). `load` reads a report back into the `Summary` it was written
from, so reports of several runs can be merged."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from .._models import Severity, Side, Violation
from .summary import (
    CheckFailure,
    CheckTally,
    Finding,
    OperationCoverage,
    ReplayMiss,
    ReplayTally,
    Summary,
    UnusedInteraction,
)

__all__ = ["ReportError", "load", "replay_dict", "report_dict", "serialize", "write"]

REPORT_FORMAT_VERSION = 1


def report_dict(summary: Summary) -> dict[str, Any]:
    summary = summary.redacted()
    coverage: dict[str, Any] = {}
    for version, operations in summary.documented.items():
        seen = summary.coverage.get(version, {})
        coverage[version] = {
            "operations_documented": len(operations),
            "operations_seen": sum(1 for op in operations if op in seen),
            "operations": {
                op_id: {
                    "count": seen[op_id].count if op_id in seen else 0,
                    "statuses": {str(s): n for s, n in sorted(seen[op_id].statuses.items())} if op_id in seen else {},
                    "documented_statuses": list(statuses),
                }
                for op_id, statuses in sorted(operations.items())
            },
        }
    report: dict[str, Any] = {
        "format_version": REPORT_FORMAT_VERSION,
        "exchanges": summary.exchanges,
        "errors": summary.errors,
        "warnings": summary.warnings,
        "violations": [
            {
                **f.violation.to_dict(),
                "version": f.version,
                "method": f.method,
                "url": f.url,
                "status": f.status,
                "source": {"file": f.source, "index": f.index, **({"report": f.report} if f.report else {})},
            }
            for f in summary.findings
        ],
        "coverage": coverage,
    }
    if summary.checks:
        report["run"] = summary.run
        report["verdicts"] = {
            version: {op_id: summary.verdict(version, op_id) for op_id in sorted(operations)}
            for version, operations in summary.documented.items()
        }
        report["checks"] = [
            {"version": version, "operation_id": op_id or None, "check": check, "passed": t.passed, "failed": t.failed}
            for (version, op_id, check), t in sorted(summary.checks.items())
        ]
        report["failures"] = [failure_dict(f) for f in summary.failures]
    if summary.replay is not None:
        report["replay"] = replay_dict(summary.replay)
    if summary.unusable:  # lint: the input files that could not be used, each once
        report["unusable"] = [{"file": u.file, "code": u.code, "reason": u.reason} for u in summary.unusable]
    if summary.migration is not None:
        report["migration"] = summary.migration.to_dict()
    return report


def replay_dict(replay: ReplayTally) -> dict[str, Any]:
    return {
        "cassettes": replay.cassettes,
        "interactions": replay.interactions,
        "requests": replay.requests,
        "played": replay.played,
        "repeated": replay.repeated,
        "refused": replay.refused,
        "unmatched": [{"method": m.method, "url": m.url, "code": m.code, "message": m.message} for m in replay.misses],
        "unused": [
            {"method": u.method, "url": u.url, "source": {"file": u.source, "index": u.index}} for u in replay.unused
        ],
    }


def failure_dict(failure: CheckFailure) -> dict[str, Any]:
    return {
        "version": failure.version,
        "operation_id": failure.operation_id,
        "check": failure.check,
        "message": failure.message,
        "code": failure.violation.code if failure.violation else None,
        "pointer": failure.violation.pointer if failure.violation else None,
        "schema_location": failure.violation.schema_location if failure.violation else None,
        "method": failure.method,
        "url": failure.url,
        "status": failure.status,
        "seed": failure.seed,
        "reproduction": failure.reproduction,
    }


def serialize(summary: Summary) -> str:
    return json.dumps(report_dict(summary), indent=2, sort_keys=False) + "\n"


def write(summary: Summary, out: IO[str]) -> None:
    """`serialize(summary)` written to `out` as it is encoded, without the whole text in memory: for a report of
    tens of thousands of violations, the text and the pieces it is joined from are most of what lint holds."""
    json.dump(report_dict(summary), out, indent=2, sort_keys=False)
    out.write("\n")


class ReportError(ValueError):
    """A file is not a JSON report this version can read. The message says which file and what is wrong."""


def load(text: str, name: str = "report") -> Summary:
    """The `Summary` a JSON report was written from, as far as the report holds it: what `write` wrote comes out
    of `write` again the same. Raises `ReportError` for text that is not such a report."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ReportError(f"{name}: not JSON: {e}") from e
    try:
        return _summary(data)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        detail = f"missing {e}" if isinstance(e, KeyError) else str(e)
        raise ReportError(f"{name}: not an assistants-contract JSON report ({detail})") from e


def _summary(data: Any) -> Summary:
    if not isinstance(data, Mapping):
        raise ValueError(f"a JSON {type(data).__name__}, not an object")
    if data.get("format_version") != REPORT_FORMAT_VERSION:
        raise ValueError(f"format_version {data.get('format_version')!r}, expected {REPORT_FORMAT_VERSION}")
    documented: dict[str, dict[str, tuple[str, ...]]] = {}
    coverage: dict[str, dict[str, OperationCoverage]] = {}
    for version, block in data["coverage"].items():
        documented[version] = {}
        for op_id, seen in block["operations"].items():
            documented[version][op_id] = tuple(str(s) for s in seen["documented_statuses"])
            if seen["count"]:
                statuses = {int(s): int(n) for s, n in seen["statuses"].items()}
                coverage.setdefault(version, {})[op_id] = OperationCoverage(int(seen["count"]), statuses)
    summary = Summary(documented=documented, exchanges=int(data["exchanges"]), coverage=coverage)
    summary.findings = [_finding(v) for v in data["violations"]]
    if "checks" in data:
        summary.run = dict(data["run"])
        # Tallies with failures first, in the failures' order: `Summary.failures` lists them in tally order.
        for f in data["failures"]:
            failure = _failure(f)
            key = (failure.version, failure.operation_id or "", failure.check)
            summary.checks.setdefault(key, CheckTally()).failures.append(failure)
        for c in data["checks"]:
            tally = summary.checks.setdefault((c["version"], c["operation_id"] or "", c["check"]), CheckTally())
            tally.passed, tally.failed = int(c["passed"]), int(c["failed"])
    if "replay" in data:
        summary.replay = _replay(data["replay"])
    if "migration" in data:
        from ..migration.model import Migration  # here: the migration package imports this one

        summary.migration = Migration.from_dict(data["migration"])
    return summary


def _finding(v: Mapping[str, Any]) -> Finding:
    violation = Violation(
        v["code"],
        v["message"],
        Side(v["side"]),
        Severity(v["severity"]),
        v["operation_id"],
        v["pointer"],
        v["schema_location"],
    )
    source = v["source"]
    return Finding(
        violation,
        v["version"],
        source["file"],
        source["index"],
        v["method"],
        v["url"],
        v["status"],
        report=source.get("report"),
    )


def _failure(f: Mapping[str, Any]) -> CheckFailure:
    # The report keeps a failure's code, pointer and schema location, not the rest of its violation.
    violation = (
        Violation(
            f["code"], f["message"], Side.REQUEST, pointer=f["pointer"] or "", schema_location=f["schema_location"]
        )
        if f["code"] is not None
        else None
    )
    return CheckFailure(
        f["version"],
        f["operation_id"],
        f["check"],
        f["message"],
        violation,
        f["reproduction"],
        f["seed"],
        f["method"],
        f["url"],
        f["status"],
    )


def _replay(r: Mapping[str, Any]) -> ReplayTally:
    return ReplayTally(
        list(r["cassettes"]),
        int(r["interactions"]),
        int(r["requests"]),
        int(r["played"]),
        int(r["repeated"]),
        int(r["refused"]),
        [ReplayMiss(m["method"], m["url"], m["code"], m["message"]) for m in r["unmatched"]],
        [UnusedInteraction(u["source"]["file"], u["source"]["index"], u["method"], u["url"]) for u in r["unused"]],
    )
