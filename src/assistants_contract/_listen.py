"""The one way the commands bind a listening TCP socket (`serve`, `replay`, and the proxy's check of its port before
mitmproxy binds it), so that a port in use is the same one sentence everywhere, naming the command's own option."""

from __future__ import annotations

import errno
import socket

__all__ = ["listening_socket"]


def listening_socket(
    host: str, port: int, *, option: str = "--port", holder: str = "server", any_port: bool = True
) -> socket.socket:
    """A TCP socket bound and listening on host:port (0: any free port), for uvicorn's `sockets=`. Raises OSError
    with one sentence; a port in use names `option` (and, with `any_port`, `option 0`)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )[0]
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so (else Nagle adds ~40 ms, and a
        # streamed event waits)
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise OSError(e.errno, f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not a port in use: only one in TIME_WAIT
        sock.bind(address)
        sock.listen(2048)
    except OSError as e:
        sock.close()
        hint = ""
        if e.errno == errno.EADDRINUSE:
            free = f", or {option} 0 for any free one" if any_port else ""
            hint = f" (is another {holder} on it? choose another with {option}{free})"
        raise OSError(e.errno, f"cannot listen on {host}:{port}: {e.strerror or e}{hint}") from e
    return sock
