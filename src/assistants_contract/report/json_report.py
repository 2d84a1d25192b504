"""The JSON report: one document any tool can read. `lint --format json` prints it; the proxy writes it; a
conformance run adds `run`, `verdicts` (per version and operation: pass, fail or untested), `checks` (per
operation and check: passed and failed counts) and `failures` (each with its reproduction); a replay session adds
`replay` (its counts, the requests it had no recorded answer for, and the interactions no request had)."""

from __future__ import annotations

import json
from typing import IO, Any

from .summary import CheckFailure, ReplayTally, Summary

__all__ = ["replay_dict", "report_dict", "serialize", "write"]

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
                "source": {"file": f.source, "index": f.index},
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
