"""The JSON report: one document any tool can read. `lint --format json` prints it; the proxy writes it."""

from __future__ import annotations

import json
from typing import Any

from .summary import Summary

__all__ = ["report_dict", "serialize"]

REPORT_FORMAT_VERSION = 1


def report_dict(summary: Summary) -> dict[str, Any]:
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
    return {
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


def serialize(summary: Summary) -> str:
    return json.dumps(report_dict(summary), indent=2, sort_keys=False) + "\n"
