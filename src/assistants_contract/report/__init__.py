"""Sinks: turn what a run saw into reports: JSON, text, JUnit XML and a self-contained HTML page."""

from .summary import Finding, OperationCoverage, Summary

__all__ = ["Finding", "OperationCoverage", "Summary"]
