"""Shared fixtures."""

import pytest

from assistants_contract import Contract


@pytest.fixture(scope="session")
def contract() -> Contract:
    """Both bundled contract documents, compiled once for the whole session (default version v2)."""
    return Contract.load()
