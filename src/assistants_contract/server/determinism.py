"""The reference server's deterministic mode (`serve --seed N`): a clock that moves only when a request arrives
and ids and request ids drawn from a seeded generator. The same requests, sent in the same order, then get the
same bytes back, which is what lets re-recorded cassettes come out byte-identical (`record-cassettes`)."""

from __future__ import annotations

import random
import string
import threading

__all__ = ["Deterministic"]

_ALPHABET = string.ascii_letters + string.digits


class Deterministic:
    """The clock starts at `START` (2024-06-01 UTC) and moves one second a request, so objects made by different
    requests have different `created_at` and a run's `expires_at` lies ten minutes of requests ahead."""

    START = 1_717_200_000

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._random = random.Random(seed)
        self._now = self.START
        self._lock = threading.Lock()

    def tick(self) -> None:
        with self._lock:
            self._now += 1

    def clock(self) -> float:
        return float(self._now)

    def new_id(self, prefix: str) -> str:
        """As `store.new_id` makes them (`asst_` + 24 alphanumerics, `file-` with a dash), from the seed."""
        separator = "-" if prefix == "file" else "_"
        with self._lock:
            return prefix + separator + "".join(self._random.choice(_ALPHABET) for _ in range(24))

    def request_id(self) -> str:
        with self._lock:
            return f"req_{self._random.getrandbits(128):032x}"
