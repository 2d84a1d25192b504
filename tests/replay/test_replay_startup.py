"""What `assistants-contract replay` does before it listens, kept cheap without changing what it serves: the modules
it imports, the proxy's cassettes read a line at a time, and the garbage collector left as it was found. (The
contract is loaded from its parsed copies, not its YAML: tests/test_contract_documents.py holds them to that.)
The times themselves are measured in benchmarks/bench_replay.py, not asserted here."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_files import write_corpus

from assistants_contract import SourceError
from assistants_contract.replay.app import load_cassettes
from assistants_contract.replay.runner import _collection_paused
from assistants_contract.sources import find_files, read_exchanges
from assistants_contract.sources.cassette_lines import is_line_cassette

BUNDLED = Path(__file__).resolve().parents[2] / "cassettes"

# Libraries the replay server does not use; each took from 30 ms (wsproto) to half a second (vcrpy, which loads
# every HTTP client it can patch) to import.
NOT_AT_START = (
    "vcr",
    "httpx",
    "requests",
    "tornado",
    "mitmproxy",
    "schemathesis",
    "hypothesis",
    "wsproto",
    "websockets",
    "assistants_contract.server.app",
    "assistants_contract.server.mock",
    # The report formats: written, if asked for, once the server has stopped.
    "assistants_contract.report.html",
    "assistants_contract.report.junit",
    "xml.etree.ElementTree",
    # It imports tempfile and zipfile; the bundled contracts are found beside the package's modules instead.
    "importlib.resources",
)


def test_the_replay_command_and_its_runner_import_no_library_it_does_not_use() -> None:
    code = (
        "import json, sys\n"
        "import assistants_contract.cli, assistants_contract.replay.runner\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "assistants_contract.replay.session" in loaded  # the check sees the modules the start really loads
    assert sorted(loaded.intersection(NOT_AT_START)) == []


def test_the_bundled_cassettes_read_as_vcrpy_reads_them() -> None:
    files = list(find_files([BUNDLED]))
    assert files and all(is_line_cassette(f) for f in files)  # so the line reader is the one that read them
    expected = tuple(e for f in files for e in read_exchanges(f))
    assert load_cassettes([BUNDLED]).exchanges == expected


def test_any_other_file_reads_as_before_and_a_bad_one_gets_the_same_error(tmp_path: Path) -> None:
    # Cassettes in vcrpy's own YAML and JSON, HAR files, and files that start as the proxy's and then are not.
    for hostile in write_corpus(tmp_path):
        path = tmp_path / hostile.name
        try:
            expected = read_exchanges(path)
        except SourceError as e:
            with pytest.raises(SourceError) as caught:
                load_cassettes([path])
            assert str(caught.value) == str(e), hostile.name
            continue
        if any(x.response is not None for x in expected):
            assert load_cassettes([path]).exchanges == tuple(expected), hostile.name
        else:
            with pytest.raises(SourceError, match="no recorded interactions"):
                load_cassettes([path])


def test_collection_is_paused_while_starting_and_restored_after() -> None:
    assert gc.isenabled()
    try:
        with _collection_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(SourceError), _collection_paused():
            raise SourceError("no cassettes")
        assert gc.isenabled()
        gc.disable()
        with _collection_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
        gc.unfreeze()
