"""JUnit XML: one test case per documented operation and version; a failure lists that operation's errors.

CI systems show each operation as a test: passed (seen, no errors), failed (seen, errors), or skipped (the
traffic never exercised it). Exchanges no operation matched are one more test case, `unmatched`.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from .._models import Severity
from .summary import Finding, Summary

__all__ = ["serialize"]


def serialize(summary: Summary) -> str:
    suites = ET.Element("testsuites", name="assistants-contract")
    by_operation: dict[tuple[str, str | None], list[Finding]] = {}
    for finding in summary.findings:
        by_operation.setdefault((finding.version, finding.violation.operation_id), []).append(finding)
    for version, operations in summary.documented.items():
        seen = summary.coverage.get(version, {})
        suite = ET.SubElement(suites, "testsuite", name=f"assistants-{version}")
        failures = skipped = 0
        for op_id in sorted(operations):
            case = ET.SubElement(suite, "testcase", classname=f"assistants-{version}", name=op_id)
            if op_id not in seen:
                ET.SubElement(case, "skipped", message="not exercised by the recorded traffic")
                skipped += 1
                continue
            errors = [f for f in by_operation.get((version, op_id), []) if f.violation.severity is Severity.ERROR]
            warnings = [f for f in by_operation.get((version, op_id), []) if f.violation.severity is Severity.WARNING]
            if errors:
                failures += 1
                failure = ET.SubElement(case, "failure", message=f"{len(errors)} contract violations", type="contract")
                failure.text = "\n".join(_line(f) for f in errors)
            if warnings:
                ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in warnings)
        unmatched = by_operation.get((version, None), [])
        if unmatched:
            case = ET.SubElement(suite, "testcase", classname=f"assistants-{version}", name="unmatched")
            failures += 1
            failure = ET.SubElement(case, "failure", message=f"{len(unmatched)} requests match no operation")
            failure.text = "\n".join(_line(f) for f in unmatched)
        suite.set("tests", str(len(operations) + (1 if unmatched else 0)))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
        suite.set("errors", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _line(finding: Finding) -> str:
    v = finding.violation
    where = f"{finding.source}#{finding.index}" if finding.source else f"{finding.method} {finding.url}"
    return f"{v.code} at {v.pointer or '/'}: {v.message} [{where}]"
