"""Run mitmproxy (its DumpMaster, in this process) with the addons; start the reference server as the upstream
when none is given. `assistants-contract proxy` is a thin layer over `run_proxy`.

What a CI job needs of it: a port in use or a folder that cannot be had stops the start (`ProxyError`); an
upstream that is down is said at once, but the proxy starts (it may come up); and the session ends with a
`ProxyOutcome`, the summary and whatever could not be written, from which the command makes its exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from .._listen import listening_socket
from ..contract import Contract
from ..record.redact import Redactor
from ..report import Summary
from .addons import ContractCheck, Report, default_addons
from .output import SafeStream, ignore_sigpipe

__all__ = ["FAIL_ON", "ProxyConfig", "ProxyError", "ProxyOutcome", "run_proxy", "reference_server"]

FAIL_ON = ("error", "warning", "never")  # the least severe finding that fails the session

log = logging.getLogger("assistants_contract")


@dataclass
class ProxyConfig:
    upstream: str | None = None  # None: the embedded reference server
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    mode: str = "reverse"  # or "regular": a forward proxy, HTTPS through mitmproxy's CA
    record_dir: Path | None = None
    record_origin: str | None = None  # None: the upstream's; with the embedded server, https://api.openai.com
    report_dir: Path | None = None
    policy: str = "warn"
    api_version: str = "v2"
    confdir: Path | None = None
    extra_options: dict[str, object] = field(default_factory=dict)


class ProxyError(RuntimeError):
    """The proxy cannot start: its port is in use, an option is wrong, a folder cannot be made."""


@dataclass
class ProxyOutcome:
    """How a session ended: its summary (None if no contract was loaded) and what could not be written
    (reports, interactions of a cassette), each one sentence."""

    summary: Summary | None
    problems: list[str] = field(default_factory=list)

    def failed(self, fail_on: str = "error") -> bool:
        """Whether the findings reach the threshold: `error`, `warning` (errors too) or `never`."""
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        if self.summary is None or fail_on == "never":
            return False
        return bool(self.summary.errors or (fail_on == "warning" and self.summary.warnings))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def reference_server(mode: str = "stateful", contract: Contract | None = None) -> Iterator[str]:
    """The reference server on a free loopback port in a background thread; yields its base URL."""
    import uvicorn

    from ..server import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(mode, contract=contract), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="reference-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the reference server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


class _Announce:
    """Says where the proxy listens once mitmproxy has bound its sockets."""

    def __init__(self, say: Callable[[str], None], config: ProxyConfig, upstream: str, check: ContractCheck) -> None:
        self.say, self.config, self.check = say, config, check
        self.upstream = Redactor().url(upstream)  # printed: a key in its query or a password must not be

    def running(self) -> None:
        from mitmproxy import ctx

        addresses = ctx.master.addons.get("proxyserver").listen_addrs()
        host, port = addresses[0][:2] if addresses else (self.config.listen_host, self.config.listen_port)
        if self.config.mode == "reverse":
            self.say(
                f"proxy on http://{host}:{port} -> {self.upstream}  (point the client's base_url at "
                f"http://{host}:{port}/v1)"
            )
        else:
            ca = Path(ctx.options.confdir).expanduser() / "mitmproxy-ca-cert.pem"
            self.say(
                f"forward proxy on http://{host}:{port}; HTTPS is intercepted with mitmproxy's CA at {ca}.\n"
                f"  Trust it, e.g. for the openai client: HTTPS_PROXY=http://{host}:{port} SSL_CERT_FILE={ca}\n"
                f"  (SSL_CERT_FILE replaces the default bundle; concatenate certifi's bundle and {ca.name} to keep"
                f" other hosts working)"
            )
        if self.check.settings.record_path is not None:
            self.say(f"recording to {self.check.settings.record_path}")
        if ctx.options.contract_report_dir:
            folder = Path(ctx.options.contract_report_dir).expanduser()
            self.say(f"reports at exit: {folder / 'report.json'}, report.xml, report.html")


def run_proxy(config: ProxyConfig, out: IO[str] | None = None) -> ProxyOutcome:
    """Run until SIGINT/SIGTERM; reports and cassettes are finished on the way out. Everything is printed to
    `out` (default: stdout), which may go away at any moment without loss. Raises ProxyError if it cannot
    start, ContractError if the contract cannot be loaded."""
    stream = out if isinstance(out, SafeStream) else SafeStream(out or sys.stdout)
    ignore_sigpipe()
    _check_listen(config.listen_host, config.listen_port)
    contract = Contract.load(default_version=config.api_version)
    with contextlib.ExitStack() as stack:
        upstream = config.upstream
        if upstream is None and config.mode == "reverse":
            upstream = stack.enter_context(reference_server(contract=contract))
            stream.say(f"no --upstream given: started the reference server at {upstream}")
            if config.record_origin is None:
                # Its port is random: record as the real API, so clients replay with their default base URL.
                config.record_origin = "https://api.openai.com"
        elif upstream is not None and config.mode == "reverse" and (down := _unreachable(upstream)):
            stream.say(
                f"upstream {Redactor().url(upstream)} is not reachable ({down}); starting anyway: clients get 502"
                " and each such request counts as an error (response.missing) until it is up"
            )
        return asyncio.run(_serve(config, contract, upstream or "", stream))


def _check_listen(host: str, port: int) -> None:
    """Bind the proxy's address once, before mitmproxy does: its own error on a port in use names its flags,
    not ours, and ends the process with status 1."""
    if port == 0:
        return
    try:
        listening_socket(host, port, option="--listen-port", holder="proxy", any_port=False).close()
    except OSError as e:
        raise ProxyError(e.strerror or str(e)) from e


def _unreachable(url: str, timeout: float = 3.0) -> str | None:
    """Why the upstream does not take a connection, or None if it does."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return None
    except (OSError, ValueError) as e:
        return getattr(e, "strerror", None) or str(e) or type(e).__name__


async def _serve(config: ProxyConfig, contract: Contract, upstream: str, out: SafeStream) -> ProxyOutcome:
    from mitmproxy import exceptions, options
    from mitmproxy.addons.termlog import TermLog
    from mitmproxy.tools.dump import DumpMaster

    opts = options.Options(
        listen_host=config.listen_host,
        listen_port=config.listen_port,
        mode=[f"reverse:{upstream}" if config.mode == "reverse" else "regular"],
    )
    if config.confdir is not None:
        opts.update(confdir=str(config.confdir))
    # Our own terminal log, on `out`: mitmproxy's exits the process when a write fails.
    terminal = TermLog(out)
    master = DumpMaster(opts, with_termlog=False, with_dumper=False)
    addons = default_addons(contract)
    check = next(a for a in addons if isinstance(a, ContractCheck))
    report = next(a for a in addons if isinstance(a, Report))
    master.addons.add(terminal, *addons, _Announce(out.say, config, upstream, check))
    try:
        master.options.update(
            connection_strategy="lazy",  # an unreachable upstream then gets a 502, not a dropped connection
            contract_version=config.api_version,
            contract_policy=config.policy,
            contract_record_dir=str(config.record_dir) if config.record_dir else None,
            contract_record_origin=config.record_origin,
            contract_report_dir=str(config.report_dir) if config.report_dir else None,
            **config.extra_options,
        )
    except exceptions.OptionsError as e:
        terminal.uninstall()
        raise ProxyError(str(e)) from e
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, master.shutdown)
    try:
        await master.run()
    except SystemExit as e:  # mitmproxy's check of its start: an error was logged (it says which, above)
        raise ProxyError(f"mitmproxy did not start (status {e.code}); see its error above") from None
    finally:
        terminal.uninstall()
    return ProxyOutcome(report.summary, list(report.problems))
