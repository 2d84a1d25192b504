"""Run mitmproxy (its DumpMaster, in this process) with the addons; start the reference server as the upstream
when none is given. `assistants-contract proxy` is a thin layer over `run_proxy`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import Contract
from ..record.redact import Redactor
from .addons import default_addons

__all__ = ["ProxyConfig", "run_proxy", "reference_server"]

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

    def __init__(self, say: Callable[[str], None], config: ProxyConfig, upstream: str) -> None:
        self.say, self.config = say, config
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


def run_proxy(config: ProxyConfig, say: Callable[[str], None] = print) -> None:
    """Run until SIGINT/SIGTERM. Reports and cassettes are finished on the way out."""
    contract = Contract.load(default_version=config.api_version)
    with contextlib.ExitStack() as stack:
        upstream = config.upstream
        if upstream is None and config.mode == "reverse":
            upstream = stack.enter_context(reference_server(contract=contract))
            say(f"no --upstream given: started the reference server at {upstream}")
            if config.record_origin is None:
                # Its port is random: record as the real API, so clients replay with their default base URL.
                config.record_origin = "https://api.openai.com"
        asyncio.run(_serve(config, contract, upstream or "", say))


async def _serve(config: ProxyConfig, contract: Contract, upstream: str, say: Callable[[str], None]) -> None:
    from mitmproxy import options
    from mitmproxy.tools.dump import DumpMaster

    opts = options.Options(
        listen_host=config.listen_host,
        listen_port=config.listen_port,
        mode=[f"reverse:{upstream}" if config.mode == "reverse" else "regular"],
    )
    if config.confdir is not None:
        opts.update(confdir=str(config.confdir))
    master = DumpMaster(opts, with_termlog=True, with_dumper=False)
    master.addons.add(*default_addons(contract), _Announce(say, config, upstream))
    master.options.update(
        connection_strategy="lazy",  # an unreachable upstream then gets a 502, not a dropped connection
        contract_version=config.api_version,
        contract_policy=config.policy,
        contract_record_dir=str(config.record_dir) if config.record_dir else None,
        contract_record_origin=config.record_origin,
        contract_report_dir=str(config.report_dir) if config.report_dir else None,
        **config.extra_options,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, master.shutdown)
    await master.run()
