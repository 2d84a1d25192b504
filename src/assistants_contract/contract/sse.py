"""Incremental parsing of `text/event-stream` bodies (the WHATWG event-stream format).

Chunks may split an event, a line, or a UTF-8 character anywhere; the parser keeps the unfinished tail and
hands out each event as soon as its terminating blank line arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEEvent", "SSEParser"]


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: str
    data: str
    id: str | None = None


class SSEParser:
    def __init__(self) -> None:
        self._buffer = b""
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self._has_fields = False
        self._started = False

    @property
    def pending(self) -> bool:
        """True if bytes or fields of an unfinished event are waiting for the rest of it."""
        return bool(self._buffer.strip()) or self._has_fields

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        self._buffer += chunk
        if not self._started:
            if len(self._buffer) < 3 and b"\xef\xbb\xbf".startswith(self._buffer):
                return []  # could still be the start of a byte order mark
            self._started = True
            if self._buffer.startswith(b"\xef\xbb\xbf"):
                self._buffer = self._buffer[3:]  # the format says to skip one leading BOM
        # Lines are read at an offset into the buffer, which is cut once at the end: a whole body fed at once
        # is not copied again for each of its lines, nor searched again for a CR it does not have.
        buffer, start = self._buffer, 0
        cr, lf = buffer.find(b"\r"), buffer.find(b"\n")
        events: list[SSEEvent] = []
        while True:
            if cr != -1 and cr < start:
                cr = buffer.find(b"\r", start)
            if lf != -1 and lf < start:
                lf = buffer.find(b"\n", start)
            if cr == -1 and lf == -1:
                break
            if cr != -1 and (lf == -1 or cr < lf):
                if cr == len(buffer) - 1:
                    break  # a lone CR at the end may be the first half of CRLF
                end, skip = cr, 2 if buffer[cr + 1 : cr + 2] == b"\n" else 1
            else:
                end, skip = lf, 1
            line = buffer[start:end].decode("utf-8", "replace")
            start = end + skip
            if line == "":
                if self._has_fields:
                    events.append(SSEEvent(self._event or "message", "\n".join(self._data), self._id))
                self._event, self._data, self._has_fields = "", [], False
                continue
            self._field(line)
        self._buffer = buffer[start:] if start else buffer
        return events

    def finish(self) -> list[SSEEvent]:
        """The stream ended: a trailing lone CR was a line end after all. Returns the events that completes."""
        if self._buffer.endswith(b"\r"):
            self._buffer += b"\n"
            return self.feed(b"")
        return []

    def _field(self, line: str) -> None:
        if line.startswith(":"):
            return  # comment / keep-alive
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        elif name != "retry":
            return
        self._has_fields = True
