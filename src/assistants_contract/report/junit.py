"""JUnit XML: one test case per documented operation and version; a failure lists that operation's errors.

CI systems show each operation as a test: passed (seen, no errors), failed (seen, errors), or skipped (the
traffic never exercised it). Exchanges no operation matched are one more test case, `unmatched`.

A replay session adds a suite `assistants-contract replay`: a case `recorded answers` that fails when a request
had no recorded answer, and a case `unused interactions` that lists what no request had (it does not fail).

Input files lint could not use are a suite `assistants-contract inputs`: one test case each, with an error.

A conformance run (a summary with `checks`) gets one test case per operation and check instead
(`createRun` / `ignored_auth`), failed with each failure's message, seed and reproduction; an operation no check
ran on is one skipped case.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from .._models import Severity
from .summary import CheckFailure, CheckTally, Finding, ReplayTally, Summary, Unusable

__all__ = ["serialize"]


def serialize(summary: Summary) -> str:
    summary = summary.redacted()
    if summary.checks:
        return _serialize_checks(summary)
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
        _counts(suite, len(operations) + (1 if unmatched else 0), failures, skipped)
    if summary.replay is not None:
        _replay_suite(suites, summary.replay)
    if summary.unusable:
        _unusable_suite(suites, summary.unusable)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _serialize_checks(summary: Summary) -> str:
    suites = ET.Element("testsuites", name="assistants-contract verify")
    for version, operations in summary.documented.items():
        suite = ET.SubElement(suites, "testsuite", name=f"assistants-{version}")
        tests = failures = skipped = 0
        by_operation: dict[str, list[tuple[str, CheckTally]]] = {}
        for (v, op_id, check), tally in sorted(summary.checks.items()):
            if v == version:
                by_operation.setdefault(op_id, []).append((check, tally))
        for op_id in [*sorted(operations), *sorted(k for k in by_operation if k not in operations)]:
            classname = f"assistants-{version}.{op_id or 'run'}"
            checks = by_operation.get(op_id, [])
            if not checks:
                case = ET.SubElement(suite, "testcase", classname=classname, name="not tested")
                ET.SubElement(case, "skipped", message="no check ran on this operation")
                tests, skipped = tests + 1, skipped + 1
                continue
            for check, tally in checks:
                tests += 1
                case = ET.SubElement(suite, "testcase", classname=classname, name=check)
                if tally.failed:
                    failures += 1
                    failure = ET.SubElement(
                        case, "failure", message=tally.failures[0].message.splitlines()[0][:300], type=check
                    )
                    failure.text = "\n\n".join(_failure_text(f) for f in tally.failures)
                else:
                    ET.SubElement(case, "system-out").text = f"passed {tally.passed} times"
        _counts(suite, tests, failures, skipped)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _replay_suite(suites: ET.Element, replay: ReplayTally) -> None:
    suite = ET.SubElement(suites, "testsuite", name="assistants-contract replay")
    classname = "assistants-contract.replay"
    case = ET.SubElement(suite, "testcase", classname=classname, name="recorded answers")
    if replay.misses:
        failure = ET.SubElement(
            case, "failure", message=f"{len(replay.misses)} requests had no recorded answer", type="replay"
        )
        failure.text = "\n".join(f"{m.method} {m.url}: {m.code}: {m.message}" for m in replay.misses)
    else:
        ET.SubElement(case, "system-out").text = f"{replay.played + replay.repeated} requests answered"
    case = ET.SubElement(suite, "testcase", classname=classname, name="unused interactions")
    ET.SubElement(case, "system-out").text = (
        "\n".join(f"{u.source}#{u.index} {u.method} {u.url}" for u in replay.unused) or "every interaction was played"
    )
    _counts(suite, 2, 1 if replay.misses else 0, 0)


def _unusable_suite(suites: ET.Element, unusable: list[Unusable]) -> None:
    """lint's input files that could not be used: an error (not a failure: nothing was judged) for each."""
    suite = ET.SubElement(suites, "testsuite", name="assistants-contract inputs")
    for u in unusable:
        case = ET.SubElement(suite, "testcase", classname="assistants-contract.inputs", name=u.file)
        ET.SubElement(case, "error", message=u.reason[:300], type=u.code or "unusable").text = f"{u.file}: {u.reason}"
    _counts(suite, len(unusable), 0, 0)
    suite.set("errors", str(len(unusable)))


def _counts(suite: ET.Element, tests: int, failures: int, skipped: int) -> None:
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    suite.set("errors", "0")


def _failure_text(failure: CheckFailure) -> str:
    lines = [failure.message]
    if failure.violation is not None and failure.violation.schema_location:
        lines.append(f"schema: {failure.violation.schema_location}")
    if failure.seed is not None:
        lines.append(f"seed: {failure.seed}")
    if failure.reproduction:
        lines += ["reproduce with:", failure.reproduction]
    return "\n".join(lines)


def _line(finding: Finding) -> str:
    v = finding.violation
    where = f"{finding.source}#{finding.index}" if finding.source else f"{finding.method} {finding.url}"
    return f"{v.described} [{where}]"
