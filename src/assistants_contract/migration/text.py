"""The migration check for people at a terminal: each kind of v1 usage with its v2 replacement and where it was
found, the exchanges to change, and one line with the outcome."""

from __future__ import annotations

from ..report.summary import Summary

__all__ = ["render"]


def render(summary: Summary) -> str:
    migration = summary.redacted().migration
    if migration is None:
        raise ValueError("the summary holds no migration check")
    lines: list[str] = []
    current: str | None = None
    for r in migration.replacements:
        if r.kind != current:
            current = r.kind
            lines.append(f"{r.kind} ({r.side}): {r.v1}")
            lines.append(f"    v2: {r.v2}")
        lines.append(f"    {r.operation_id or '-':24} {r.pointer:40} x{r.count}")
    if migration.changes:
        lines.append("")
        lines.append("exchanges to change:")
        for c in migration.changes:
            where = f"{c.place.source or '(no source)'}#{c.place.index if c.place.index is not None else '-'}"
            lines.append(f"  {where} {c.place.method} {c.place.url}: {', '.join(c.kinds)}")
        lines.append("")
    verdict = "changes needed" if migration.needed else "nothing to change"
    lines.append(
        f"{migration.exchanges} exchanges ({migration.v1_exchanges} as v1), {len(migration.changes)} to change,"
        f" {sum(r.count for r in migration.replacements)} places: {verdict}"
    )
    return "\n".join(lines) + "\n"
