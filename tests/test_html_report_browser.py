"""The HTML report in a real headless browser (Debian's chromium): it renders, its script runs, its numbers are the
JSON report's, and a hostile body stays text. Skipped only when no chromium is installed."""

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistants_contract import Exchange, Headers, Request, Response
from assistants_contract.report import html as html_report
from assistants_contract.report.summary import Summary

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install -y chromium) to render the HTML report"
)


def _dump_dom(page: Path, profile: Path) -> str:
    """The DOM after the page loaded and its script ran, as chromium serializes it."""
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


class _Numbers(HTMLParser):
    """What the page says in numbers: the text of elements by id, of `.ops-seen` per version, of `#codes` rows."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.ops_seen: dict[str, str] = {}
        self.codes: dict[str, str] = {}
        self.body: dict[str, str | None] = {}
        self.tags: set[str] = set()
        self.hidden: dict[str, bool] = {}
        self._into: tuple[dict[str, str], str] | None = None
        self._code: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "body":
            self.body = a
        if "id" in a:
            self.hidden[a["id"]] = "hidden" in a
        if tag == "tr" and "data-code" in a:
            self._code = a["data-code"]
        if tag == "span" and a.get("class") == "ops-seen":
            self._into = (self.ops_seen, a["data-version"])
        elif tag == "span" and a.get("id"):
            self._into = (self.by_id, a["id"])
        elif tag == "td" and a.get("class") == "n" and self._code:
            self._into = (self.codes, self._code)

    def handle_data(self, data):
        if self._into is not None:
            into, key = self._into
            into[key] = into.get(key, "") + data

    def handle_endtag(self, tag):
        if tag in ("span", "td"):
            self._into = None
        if tag == "tr":
            self._code = None


@pytest.fixture(scope="module")
def lint_reports(tmp_path_factory) -> tuple[dict, _Numbers]:
    """Lint of every bundled cassette (both versions, and the errors tour), as HTML and as JSON, by the real CLI."""
    folder = tmp_path_factory.mktemp("lint-html")
    out = {}
    for form in ("json", "html"):
        done = subprocess.run(
            [sys.executable, "-m", "assistants_contract", "lint", str(ROOT / "cassettes"), "--format", form],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert done.returncode == 1, done.stderr  # the errors tour breaks the contract on purpose
        out[form] = done.stdout
    page = folder / "report.html"
    page.write_text(out["html"])
    numbers = _Numbers()
    numbers.feed(_dump_dom(page, folder / "profile"))
    return json.loads(out["json"]), numbers


def test_the_page_renders_and_its_script_runs(lint_reports):
    _, page = lint_reports
    assert page.body.get("data-js") == "on"
    assert page.hidden["filters"] is False  # the script shows the filters
    assert page.by_id["shown"] == page.by_id["n-violations"]  # nothing filtered out to start with


def test_the_numbers_on_the_page_are_the_json_reports(lint_reports):
    report, page = lint_reports
    assert int(page.by_id["n-exchanges"]) == report["exchanges"] > 0
    assert int(page.by_id["n-violations"]) == len(report["violations"]) > 0
    assert int(page.by_id["n-errors"]) == report["errors"]
    assert int(page.by_id["n-warnings"]) == report["warnings"]
    seen = {version: int(n) for version, n in page.ops_seen.items()}
    assert seen == {version: c["operations_seen"] for version, c in report["coverage"].items()}
    codes: dict[str, int] = {}
    for v in report["violations"]:
        codes[v["code"]] = codes.get(v["code"], 0) + 1
    assert {code: int(n) for code, n in page.codes.items()} == codes


def test_a_hostile_body_stays_text_in_the_browser(contract, tmp_path):
    hostile = "</script><script>document.body.dataset.pwned='1'</script><img src=x onerror=\"document.title='x'\">"
    exchange = Exchange(
        Request(
            "POST",
            "https://api.openai.com/v1/assistants",
            Headers({"openai-beta": "assistants=v2", "content-type": "application/json", "x-note": hostile}),
            json.dumps({"model": "gpt-4o", hostile: hostile}).encode(),
        ),
        Response(400, Headers({"content-type": "application/json"}), json.dumps({"error": hostile}).encode()),
    )
    summary = Summary.for_contract(contract)
    summary.add(exchange, contract.check(exchange))
    assert summary.findings
    page = tmp_path / "report.html"
    page.write_text(html_report.serialize(summary))
    dom = _dump_dom(page, tmp_path / "profile")
    numbers = _Numbers()
    numbers.feed(dom)
    assert "img" not in numbers.tags and "data-pwned" not in numbers.body
    assert numbers.body.get("data-js") == "on"  # our script ran, and it is the only one
    assert "&lt;img src=x onerror=" in dom
