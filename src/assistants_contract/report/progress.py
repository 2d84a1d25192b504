"""A live progress line for long work (verify, lint of many files, record-cassettes, demo): one line on a terminal,
rewritten in place at most ten times a second, and nothing at all when the stream is not a terminal, so CI logs
and piped output get the final report only."""

from __future__ import annotations

import time
from typing import IO

__all__ = ["LiveLine"]

_EVERY = 0.1  # seconds between two redraws
_WIDTH = 79


class LiveLine:
    """`show(text)` redraws the line (throttled unless `force`); `end()` leaves the last text on its own line."""

    def __init__(self, out: IO[str], *, enabled: bool | None = None) -> None:
        self.out = out
        self.enabled = _is_terminal(out) if enabled is None else enabled
        self._shown_at = 0.0
        self._width = 0

    def show(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._shown_at < _EVERY:
            return
        self._shown_at = now
        text = text[:_WIDTH]
        self.out.write("\r" + text.ljust(self._width))
        self.out.flush()
        self._width = len(text)

    def clear(self) -> None:
        """Take the line away (before other output is printed)."""
        if self.enabled and self._width:
            self.out.write("\r" + " " * self._width + "\r")
            self.out.flush()
            self._width = 0

    def end(self) -> None:
        """Keep what the line says and move on to the next line."""
        if self.enabled and self._width:
            self.out.write("\n")
            self.out.flush()
            self._width = 0


def _is_terminal(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
