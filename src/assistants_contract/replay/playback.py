"""Which recorded answer an incoming request gets: the recordings indexed by request (`matching.request_key`),
each request's answers handed out in the order they were recorded. Pure: no HTTP, no files, no clock.

The rules, for a request sent again and again:

- The n-th identical request gets the n-th recorded answer to it: a client polling `getRun` sees `queued`, then
  `in_progress`, then `completed`, as the recording did. Identical requests recorded in several cassettes form
  one sequence, in the order the cassettes were loaded (files as given; a folder's files sorted by path).
- Once every answer to a *read* (GET, HEAD) has been played, it is answered with the last one again: the state
  the recording ended in stays put, as it does on the real API once a run has settled. A poller that reads once
  more than the recording did, or a client that reads an object again after polling it, still works.
- Once every answer to a *write* (POST, DELETE, ...) has been played, it gets no answer: the API would have made
  a new object (or refused a second delete), and the recording has none to give. Handing out the last one again
  would show a client two creations as one object and hide the bug; vcrpy's `allow_playback_repeats=False`
  refuses too.
- A request that matches no recording consumes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from .._models import Exchange
from .matching import RequestKey, closest, request_key

__all__ = ["Answer", "Outcome", "Playback", "Recording"]

SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Recording:
    """One recorded interaction: the exchange (it has a response) and the key it is matched on."""

    exchange: Exchange
    key: RequestKey

    @property
    def where(self) -> str:
        """`cassettes/a.yaml #3`: the file and the position in it, as lint and the reports name them."""
        return f"{self.exchange.source or '(no file)'} #{self.exchange.index}"


class Outcome(enum.StrEnum):
    PLAYED = "played"  # the next recorded answer to this request
    REPEATED = "repeated"  # a read whose answers were all played: its last one again
    UNMATCHED = "unmatched"  # no recording of this request
    USED_UP = "used_up"  # a write whose answers were all played


@dataclass(frozen=True, slots=True)
class Answer:
    """What `Playback.answer` decided. `recording` is the answer to send (PLAYED, REPEATED) or, for a miss, the
    recorded request that comes closest (None if nothing was recorded); `differences` says how the request
    differs from it, and `recorded` how many times this very request was recorded (USED_UP)."""

    outcome: Outcome
    recording: Recording | None = None
    differences: tuple[str, ...] = ()
    recorded: tuple[Recording, ...] = ()

    @property
    def answered(self) -> bool:
        return self.outcome in (Outcome.PLAYED, Outcome.REPEATED)

    def message(self, sent: RequestKey) -> str:
        """For a miss: what went wrong, the closest recorded request and what to do, in one paragraph."""
        if self.outcome is Outcome.USED_UP:
            where = ", ".join(r.where for r in self.recorded[:5]) + (", ..." if len(self.recorded) > 5 else "")
            n = len(self.recorded)
            times = "once" if n == 1 else f"{n} times"
            return (
                f"{sent.describe()} was recorded {times} ({where}) and every recorded answer has been played."
                f" A write is not answered twice: record the cassette again, or send it at most {times}."
            )
        if self.recording is None:
            return f"No recorded interaction matches {sent.describe()}: the cassettes hold none."
        differs = "; ".join(self.differences) or "nothing"
        return (
            f"No recorded interaction matches {sent.describe()}. Closest: {self.recording.key.describe()}"
            f" ({self.recording.where}), which differs in: {differs}."
        )


class Playback:
    """The recordings of a session, by request, and how far each request's answers have been played."""

    def __init__(self, exchanges: Iterable[Exchange]) -> None:
        self.recordings: list[Recording] = []
        self._by_key: dict[RequestKey, list[Recording]] = {}
        self._played: dict[RequestKey, int] = {}
        for exchange in exchanges:
            if exchange.response is None:
                continue  # a HAR entry without a response: nothing to answer with
            request = exchange.request
            recording = Recording(exchange, request_key(request.method, request.url, request.body))
            self.recordings.append(recording)
            self._by_key.setdefault(recording.key, []).append(recording)
        self._keys = list(self._by_key)  # first recorded first: `closest` breaks ties in favour of it

    def __len__(self) -> int:
        return len(self.recordings)

    def answer(self, key: RequestKey) -> Answer:
        """The answer to a request with this key; an answer that is handed out counts as played."""
        recorded = self._by_key.get(key)
        if recorded is None:
            found = closest(self._keys, key)
            if found is None:
                return Answer(Outcome.UNMATCHED)
            index, differences = found
            return Answer(Outcome.UNMATCHED, self._by_key[self._keys[index]][0], tuple(differences))
        played = self._played.get(key, 0)
        if played < len(recorded):
            self._played[key] = played + 1
            return Answer(Outcome.PLAYED, recorded[played])
        if key.method in SAFE_METHODS:
            return Answer(Outcome.REPEATED, recorded[-1])
        return Answer(Outcome.USED_UP, recorded=tuple(recorded))

    def unused(self) -> list[Recording]:
        """The recordings no request has had yet, in the order they were loaded."""
        left = {id(r) for key, recorded in self._by_key.items() for r in recorded[self._played.get(key, 0) :]}
        return [r for r in self.recordings if id(r) in left]
