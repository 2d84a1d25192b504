"""The report for people at a terminal: findings grouped by source, then a coverage table."""

from __future__ import annotations

from .._models import Severity
from .summary import Summary

__all__ = ["render"]


def render(summary: Summary, *, show_warnings: bool = True, findings: bool = True) -> str:
    """The findings (unless `findings=False`, when they were shown live), then coverage and totals."""
    lines: list[str] = []
    current = object()
    for f in summary.findings if findings else ():
        if f.violation.severity is Severity.WARNING and not show_warnings:
            continue
        if f.source != current:
            current = f.source
            lines.append(f"{f.source or '(no source)'}")
        where = f"#{f.index}" if f.index is not None else ""
        status = f" -> {f.status}" if f.status is not None else ""
        v = f.violation
        lines.append(f"  {where} {f.method} {f.url}{status}")
        lines.append(f"      {v.severity.value:7} {v.code} [{v.operation_id or '-'}] {v.message}")
        if v.schema_location:
            lines.append(f"              schema: {v.schema_location}")
    if lines:
        lines.append("")
    lines.append("coverage:")
    for version, operations in summary.documented.items():
        seen = summary.coverage.get(version, {})
        covered = sum(1 for op in operations if op in seen)
        lines.append(f"  {version}: {covered}/{len(operations)} operations seen")
        for op_id in sorted(seen):
            statuses = ", ".join(f"{s}x{n}" for s, n in sorted(seen[op_id].statuses.items()))
            lines.append(f"    {op_id:28} {seen[op_id].count:5}  {statuses}")
    verdict = "FAIL" if summary.errors else "ok"
    lines.append(f"{summary.exchanges} exchanges, {summary.errors} errors, {summary.warnings} warnings: {verdict}")
    return "\n".join(lines) + "\n"
