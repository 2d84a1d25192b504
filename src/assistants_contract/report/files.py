"""The three report files of a session that ends (the proxy, replay): report.json, report.xml (JUnit) and
report.html, each written atomically into one folder."""

from __future__ import annotations

from pathlib import Path

from ..record.cassette import write_atomically
from . import html, json_report, junit
from .summary import Summary

__all__ = ["REPORT_NAMES", "write_reports"]

REPORT_NAMES = ("report.json", "report.xml", "report.html")


def write_reports(summary: Summary, folder: Path) -> None:
    """Write the reports; an OSError (folder not writable, disk full) is the caller's to report. Each file is
    whole or absent (a failed write leaves the one before it in place)."""
    for name, serialize in zip(REPORT_NAMES, (json_report.serialize, junit.serialize, html.serialize), strict=True):
        write_atomically(folder / name, serialize(summary))
