"""The proxy's terminal output, made so that losing the terminal loses nothing else.

`assistants-contract proxy | tee log`, then Ctrl-C: the signal reaches tee too, and the proxy's next line
meets a closed pipe. mitmproxy's own log handler then exits the process on the spot, before the reports are
written. Through `SafeStream`, a write to a reader that is gone is dropped instead, and so is all later
output; the work (reports, cassettes, the exit status) goes on.
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import IO

__all__ = ["SafeStream", "ignore_sigpipe"]


class SafeStream:
    """A text stream that stops writing once its reader is gone. Then its file descriptor is pointed at
    /dev/null, so that what is still buffered, and Python's own flush at exit, go nowhere instead of failing
    (which would print a traceback and change the exit status to 120)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self._stream.write(text)
            except OSError:
                self._lost()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except OSError:
                self._lost()

    def say(self, line: str) -> None:
        """One line, at once: for the few lines of start and exit a person waits for."""
        self.write(line + "\n")
        self.flush()

    def isatty(self) -> bool:
        return not self.broken and self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def _lost(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        with contextlib.suppress(OSError, ValueError):
            self._stream.flush()  # the buffered rest, into /dev/null


def ignore_sigpipe() -> None:
    """Make a closed pipe an error a write can handle (EPIPE), not a signal that kills. Python does this at
    start; a host that embeds it may not have."""
    if hasattr(signal, "SIGPIPE"):
        with contextlib.suppress(ValueError):  # not the main thread: leave it as it is
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
