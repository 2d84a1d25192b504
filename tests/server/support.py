"""Helpers for the reference-server tests: the server on loopback, client venvs, and SDK scripts run in them.

Nothing here reads anything outside the repository at run time. The client venvs are made once (with
`python -m venv` + pip from the package index) and reused while their marker file says they hold the same
requirements for the same Python.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from assistants_contract import Headers, Request
from assistants_contract.server.threaded import serve_in_thread

API_KEY = "sk-test-reference-server-0000000000000000"
RESULT_MARK = "@@RESULT@@"
V1 = {"OpenAI-Beta": "assistants=v1", "Authorization": f"Bearer {API_KEY}"}
V2 = {"OpenAI-Beta": "assistants=v2", "Authorization": f"Bearer {API_KEY}"}


# --- the server on loopback --------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request the server got, and the status it answered with (None until the answer starts)."""

    method: str
    url: str
    beta: str | None
    status: int | None = None


@dataclass
class LiveServer:
    """A running app: `root` is `http://127.0.0.1:PORT`, `url` the SDK base URL (with `/v1`).

    `requests` lists every request the server got, with its answer's status, for coverage and 5xx checks.
    """

    root: str
    app: Starlette
    requests: list[Seen] = field(default_factory=list)
    checked: int = 0  # how many of `requests` the per-test guard has looked at

    @property
    def url(self) -> str:
        return self.root + "/v1"

    @property
    def violations(self) -> list:
        return self.app.state.violations

    @property
    def store(self) -> Any:
        return self.app.state.backend.store

    def operations(self, contract: Any) -> set[tuple[str, str]]:
        """`(version, operation id)` of every request so far that the contract places."""
        seen = set()
        for request in list(self.requests):
            headers = Headers({"OpenAI-Beta": request.beta} if request.beta else {})
            match = contract.match(Request(request.method, request.url, headers, None))
            if match.operation is not None:
                seen.add((match.version, match.operation.operation_id))
        return seen

    def new_server_errors(self) -> list[Seen]:
        """Requests answered with a 5xx since the last call."""
        fresh = self.requests[self.checked :]
        self.checked += len(fresh)
        return [r for r in fresh if r.status is not None and r.status >= 500]


class _Recorder:
    """ASGI wrapper that notes each HTTP request (method, path, OpenAI-Beta) and the status of its answer."""

    def __init__(self, app: Any, requests: list[Seen]) -> None:
        self.app = app
        self.requests = requests

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        beta = next((v.decode() for k, v in scope["headers"] if k.lower() == b"openai-beta"), None)
        seen = Seen(scope["method"], scope["path"] + (f"?{query}" if query else ""), beta)
        self.requests.append(seen)

        async def noting(message: dict) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        except Exception:
            seen.status = seen.status or 500
            raise


@contextlib.contextmanager
def serve(
    app: Starlette, timeout: float = 15.0, *, ssl_certfile: str | None = None, ssl_keyfile: str | None = None
) -> Iterator[LiveServer]:
    """Run `app` with uvicorn in a daemon thread on a free loopback port until the block ends, noting every
    request it gets. With `ssl_certfile`/`ssl_keyfile` it serves HTTPS (`root` is then `https://127.0.0.1:PORT`),
    for tests of clients and proxies that must cross TLS."""
    requests: list[Seen] = []
    recorder = _Recorder(app, requests)
    with serve_in_thread(recorder, timeout=timeout, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile) as root:
        yield LiveServer(root, app, requests)


def format_violations(violations: list) -> str:
    lines = []
    for v in violations:
        lines.append(
            f"  {v.severity.value} {v.code} [{v.operation_id}] {v.side.value} at {v.pointer or '/'}: {v.message}"
            + (f"\n      schema: {v.schema_location}" if v.schema_location else "")
        )
    return "\n".join(lines)


# --- client venvs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientVenv:
    name: str
    path: Path
    openai_version: str

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


class VenvError(RuntimeError):
    pass


def ensure_client_venv(root: Path, name: str, requirements: list[str]) -> ClientVenv:
    """The venv `root/name` holding `requirements`, made (or remade) only when its marker does not match.

    A file lock keeps two pytest processes from building the same venv at once.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    marker = path / ".client-venv.json"
    wanted = {"requirements": requirements, "python": list(sys.version_info[:3])}
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if marker.is_file() and (path / "bin" / "python").exists():
                recorded = json.loads(marker.read_text())
                if recorded.get("wanted") == wanted:
                    return ClientVenv(name, path, recorded["openai_version"])
            _build(path, requirements)
            version = _run(
                [str(path / "bin" / "python"), "-c", "import openai; print(openai.__version__)"], "import openai"
            ).strip()
            marker.write_text(json.dumps({"wanted": wanted, "openai_version": version}))
            return ClientVenv(name, path, version)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build(path: Path, requirements: list[str]) -> None:
    if path.exists():
        _run(["rm", "-rf", str(path)], "remove the stale venv")
    _run([sys.executable, "-m", "venv", str(path)], "python -m venv")
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input"]
    _run(pip + requirements, "pip install " + " ".join(requirements))


def _run(argv: list[str], what: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as e:
        raise VenvError(f"{what}: timed out after {e.timeout} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise VenvError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


# --- SDK scripts -------------------------------------------------------------------------------------------

_PRELUDE = f"""\
import json, os, sys, time, warnings
warnings.simplefilter("ignore", DeprecationWarning)
import openai
from openai import OpenAI

client = OpenAI(max_retries=0, timeout=30)


def emit(result):
    print({RESULT_MARK!r} + json.dumps(result, default=str), flush=True)


def error_of(call, *args, **kwargs):
    \"\"\"Call and return what the SDK raised, as a dict (fails if nothing was raised).\"\"\"
    try:
        call(*args, **kwargs)
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {{}}
        body = body.get("error", body)
        return {{"class": type(e).__name__, "status": e.status_code, "message": body.get("message"),
                "type": body.get("type"), "param": body.get("param"), "code": body.get("code")}}
    raise AssertionError(f"{{call}} raised nothing")

"""


class ClientScriptError(AssertionError):
    pass


def run_client(
    venv: ClientVenv, script: str, base_url: str, *, timeout: float = 120, env: dict[str, str | None] | None = None
) -> Any:
    """Run `script` (the prelude gives it `client`, `emit` and `error_of`) in the venv; return what it emitted.

    The client gets no proxy and skips one for loopback, so tests talk straight to their servers. `env` overrides
    that (a value of None removes the variable): a test of a forward proxy sets `HTTPS_PROXY`, `SSL_CERT_FILE`
    and clears `NO_PROXY`.
    """
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OPENAI_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    environ.update(
        OPENAI_BASE_URL=base_url,
        OPENAI_API_KEY=API_KEY,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONDONTWRITEBYTECODE="1",
    )
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    source = _PRELUDE + textwrap.dedent(script)
    with tempfile.NamedTemporaryFile("w", suffix=f"_{venv.name}.py", delete=False) as f:
        f.write(source)
    try:
        done = subprocess.run(
            [str(venv.python), "-W", "ignore::DeprecationWarning", f.name],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environ,
        )
    except subprocess.TimeoutExpired as e:
        raise ClientScriptError(f"the {venv.name} script timed out after {timeout} s\n{_tail(e.stderr)}") from None
    finally:
        os.unlink(f.name)
    results = [line[len(RESULT_MARK) :] for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode != 0 or not results:
        raise ClientScriptError(
            f"the {venv.name} script (openai {venv.openai_version}) failed with exit {done.returncode}\n"
            f"--- stderr ---\n{_tail(done.stderr)}\n--- stdout ---\n{_tail(done.stdout)}"
        )
    return json.loads(results[-1])


def _tail(text: str | bytes | None, lines: int = 60) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join((text or "").splitlines()[-lines:])


# Test data the server tests share.
FILE_A = "file-" + "a" * 24
FILE_B = "file-" + "b" * 24
FILE_C = "file-" + "c" * 24
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
