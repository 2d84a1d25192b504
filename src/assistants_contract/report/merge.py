"""JSON reports of several runs (proxies, lint runs, CI shards) read back and combined into one summary.

Coverage adds up, every violation keeps its file and interaction index and gains the report it came from, and the
totals are counted again from what was merged, so the sinks render the merged summary like any other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from . import json_report
from .summary import Summary

__all__ = ["MergeError", "merge_reports", "merge_summaries"]


class MergeError(ValueError):
    """A report cannot be read or merged. The message names the report and says why."""


def merge_reports(paths: Sequence[str | Path]) -> Summary:
    """The reports at `paths`, in their order, as one summary."""
    loaded: list[tuple[str, Summary]] = []
    for path in paths:
        name = str(path)
        try:
            report_text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise MergeError(f"{name}: cannot read: {getattr(e, 'strerror', None) or e}") from e
        try:
            loaded.append((name, json_report.load(report_text, name)))
        except json_report.ReportError as e:
            raise MergeError(str(e)) from e
    return merge_summaries(loaded)


def merge_summaries(named: Sequence[tuple[str, Summary]]) -> Summary:
    """Summaries read from reports, each with its report's name, merged in order. The documented operations are
    the union of theirs (runs against one contract document the same)."""
    documented: dict[str, dict[str, tuple[str, ...]]] = {}
    for _, summary in named:
        for version, operations in summary.documented.items():
            documented.setdefault(version, {}).update(operations)
    merged = Summary(documented=documented)
    for name, summary in named:
        summary.findings = [f if f.report else replace(f, report=name) for f in summary.findings]
        try:
            merged.merge(summary)
        except ValueError as e:
            raise MergeError(f"{name}: cannot merge: {e}") from e
    return merged
