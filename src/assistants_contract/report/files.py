"""The three report files of a session that ends (the proxy, replay): report.json, report.xml (JUnit) and
report.html, each written atomically into one folder."""

from __future__ import annotations

from pathlib import Path

from ..record.cassette import write_atomically
from . import html, json_report, junit
from .summary import Summary

__all__ = ["write_reports"]


def write_reports(summary: Summary, folder: Path) -> None:
    """Write the reports; an OSError (folder not writable, disk full) is the caller's to report."""
    write_atomically(folder / "report.json", json_report.serialize(summary))
    write_atomically(folder / "report.xml", junit.serialize(summary))
    write_atomically(folder / "report.html", html.serialize(summary))
