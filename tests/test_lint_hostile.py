"""lint under hostile input: every file of a corpus (`hostile_files.py`) gets its expected code and exit status,
the corpus linted as one folder beside a good cassette reports each bad file once and still checks the good one,
and the command runs under a memory limit without a traceback."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hostile_files import Hostile, corpus, write_corpus

from assistants_contract import Contract
from assistants_contract.lint import lint_file
from assistants_contract.report import Summary
from assistants_contract.sources import errors, limits, read_exchanges

GOOD = Path(__file__).resolve().parents[1] / "cassettes" / "v2" / "threads.yaml"
CORPUS = corpus()
MEMORY = 2**30  # lint of the whole corpus fits in 1 GiB of address space; the alias bomb alone took 3 GB


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "corpus"
    write_corpus(root)
    shutil.copy(GOOD, root / "good.yaml")
    return root


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def lint(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("assistants-contract", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed"
    return subprocess.run([exe, "lint", *args], capture_output=True, text=True, timeout=120, preexec_fn=limited)


def test_the_corpus_is_large_and_covers_every_code():
    assert len(CORPUS) >= 60
    assert len({h.name for h in CORPUS}) == len(CORPUS)
    covered = {h.code for h in CORPUS}
    assert set(errors.CODES) - covered == {errors.MISSING, errors.NONE_FOUND, errors.TOO_LARGE, errors.INTERNAL}


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda h: h.name)
def test_each_file_gets_its_code_and_exit_status(folder, contract, hostile: Hostile):
    done = lint_file(folder / hostile.name, contract)
    assert done.code == hostile.code, done.error
    if hostile.code is None:
        assert done.summary is not None
        assert (1 if done.summary.errors else 0) == hostile.exit
        return
    assert done.summary is None
    assert done.error == f"{folder / hostile.name}: {done.reason}"
    assert done.reason and "\n" not in done.reason and len(done.reason) < 300
    assert "Traceback" not in done.error


def test_the_corpus_as_one_folder_reports_each_bad_file_once_and_checks_the_good_one(folder, contract):
    done = lint("--format", "json", str(folder))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    bad = {str(folder / h.name): h.code for h in CORPUS if h.code is not None}
    listed = [u["file"] for u in report["unusable"]]
    assert sorted(listed) == sorted(bad)  # each once
    assert {u["file"]: u["code"] for u in report["unusable"]} == bad
    assert all(u["reason"] for u in report["unusable"])
    assert len(done.stderr.strip().splitlines()) == len(bad)  # one line each on the terminal
    good = Summary.for_contract(contract).merge(lint_file(folder / "good.yaml", contract).summary)
    usable = [h for h in CORPUS if h.code is None]
    expected = good.exchanges + sum(len(read_exchanges(folder / h.name)) for h in usable)
    assert report["exchanges"] == expected and good.exchanges > 0
    seen = report["coverage"]["v2"]["operations"]
    for op_id, coverage in good.coverage["v2"].items():
        assert seen[op_id]["count"] >= coverage.count


def test_an_alias_bomb_alone_exits_2_with_one_line_under_the_memory_limit(folder):
    done = lint(str(folder / "billion-laughs.yaml"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"lint: {folder / 'billion-laughs.yaml'}: YAML aliases past the budget (100 aliases standing for 100,000"
        " nodes): an alias bomb?"
    ]
    assert done.stdout.rstrip().endswith("0 exchanges, 0 errors, 0 warnings, 1 unusable file: INCOMPLETE")
    assert f"  {folder / 'billion-laughs.yaml'}: YAML aliases past the budget" in done.stdout


def test_missing_paths_and_empty_folders_are_unusable_and_never_ok(tmp_path, folder):
    (tmp_path / "empty").mkdir()
    missing = tmp_path / "nope.yaml"
    done = lint("--format", "junit", str(missing), str(tmp_path / "empty"), str(folder / "good.yaml"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"lint: {missing}: no such file or folder",
        f"lint: {tmp_path / 'empty'}: no cassette or HAR files in this folder",
    ]
    suites = ET.fromstring(done.stdout)
    inputs = suites.find("testsuite[@name='assistants-contract inputs']")
    assert inputs is not None and inputs.get("errors") == "2"
    cases = {c.get("name"): c.find("error") for c in inputs.iter("testcase")}
    assert cases[str(missing)].get("type") == errors.MISSING
    assert cases[str(tmp_path / "empty")].get("type") == errors.NONE_FOUND
    seen = [c for c in suites.iter("testcase") if c.find("skipped") is None and c.find("error") is None]
    assert seen  # the good cassette's operations were still checked

    alone = lint(str(missing))
    assert alone.returncode == 2 and alone.stderr.strip().splitlines() == [f"lint: {missing}: no such file or folder"]
    assert ": ok" not in alone.stdout and alone.stdout.rstrip().endswith("INCOMPLETE")


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path, contract, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_bytes(GOOD.read_bytes())
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", path.stat().st_size - 1)
    done = lint_file(path, contract, reader="vcrpy")
    assert done.code == errors.TOO_LARGE and "larger than" in done.reason


def test_a_few_aliases_and_old_string_tags_read_as_vcrpy_reads_them(folder):
    from vcr import serialize
    from vcr.serializers import yamlserializer

    for name in ("few-aliases.yaml", "python-str-tag.yaml"):
        ours = read_exchanges(folder / name)
        requests, responses = serialize.deserialize((folder / name).read_text(), yamlserializer)[:2]
        assert [e.request.method for e in ours] == [r.method for r in requests]
        assert [e.request.url for e in ours] == [r.uri for r in requests]
        assert [e.response.status for e in ours] == [r["status"]["code"] for r in responses]
