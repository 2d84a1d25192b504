"""The conformance suite as pytest collects it when `--assistants-url` is given (see `pytest_plugin`). Each
test is one part of `assistants-contract verify`, parametrized by the plugin."""

from __future__ import annotations

import pytest

from assistants_contract.pytest_plugin import ConformancePart, run_part


def test_conformance(request: pytest.FixtureRequest, conformance_part: ConformancePart) -> None:
    failures = run_part(request.config, conformance_part)
    if failures is not None:
        pytest.fail(failures, pytrace=False)
