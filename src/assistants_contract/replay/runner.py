"""Run the replay server until Ctrl-C or SIGTERM, then hand back what it saw. `assistants-contract replay` is a
thin layer over `run_replay`: it prints the summary, writes the reports and picks the exit status.

The steps fail in the order that costs least: the cassettes are read first, then the port is taken (so a port
in use is reported before the contract is compiled), then the contract is loaded and the server runs.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from .._listen import listening_socket
from ..contract import Contract
from ..report.summary import Summary
from .app import load_cassettes, replay_app
from .session import ReplaySession

__all__ = ["ListenError", "ReplayConfig", "run_replay"]


class ListenError(OSError):
    """The address cannot be listened on (a port in use, a host that is not this machine's)."""


@dataclass(frozen=True)
class ReplayConfig:
    paths: tuple[str | Path, ...]
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port (the announced URL says which)
    strict: bool = False
    api_version: str = "v2"


def run_replay(config: ReplayConfig, say: Callable[[str], None] = print) -> Summary:
    """Serve until SIGINT/SIGTERM; return the session's summary. Raises SourceError (a cassette), ListenError
    (the address) or ContractError (the contract) when it cannot run. `say` gets the start line and one line a
    request, redacted."""
    with contextlib.ExitStack() as stack:
        with _collection_paused():
            cassettes = load_cassettes(config.paths)
            sock = stack.enter_context(_listening(config.host, config.port))
            contract = Contract.load(default_version=config.api_version)
            session = ReplaySession(
                cassettes.exchanges, contract, strict=config.strict, cassettes=cassettes.files, log=say
            )
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        announce = (
            f"replaying {len(session.playback)} interactions from {len(cassettes.files)} cassettes on"
            f" http://{shown}:{port}  (point the client's base_url at http://{shown}:{port}/v1; Ctrl-C stops and"
            f" reports)"
        )
        served = uvicorn.Config(
            replay_app(session),
            log_level="warning",
            lifespan="off",
            # The recorded `date` and `server` headers are the ones to send, not uvicorn's own.
            date_header=False,
            server_header=False,
            timeout_graceful_shutdown=5,
            ws="none",  # nothing here speaks WebSocket; "auto" would import a WebSocket library at start
        )
        server = _Server(served, on_started=lambda: say(announce))
        server.run(sockets=[sock])
    return session.summary()


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """No garbage collection while the start-up builds what lives as long as the server (the recordings, the
    contract): collecting then walks the same new objects again and again, a fifth of the start. Once built,
    they are frozen out of later collections (`gc.freeze`), which would otherwise walk them all at once on the
    first requests."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _listening(host: str, port: int) -> Iterator[socket.socket]:
    try:
        sock = listening_socket(host, port)
    except OSError as e:
        raise ListenError(e.strerror or str(e)) from e
    try:
        yield sock
    finally:
        sock.close()


class _Server(uvicorn.Server):
    """uvicorn's server, saying when it answers (`on_started`), and stopped by a signal without dying of it:
    uvicorn raises the signal again once it has shut down, which would end the process before the summary is
    printed and the reports are written."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.on_started()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach the main thread only; whoever runs us in a thread stops us
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
