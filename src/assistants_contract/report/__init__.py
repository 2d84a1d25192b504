"""Sinks: turn what a run saw into reports (JSON, text; JUnit and HTML come with the proxy)."""

from .summary import Finding, OperationCoverage, Summary

__all__ = ["Finding", "OperationCoverage", "Summary"]
