"""`lint`: recorded exchanges checked against the contract, file by file, each file's findings into one summary.

    for outcome in lint_files(paths, api_version="v2", jobs=4):    # one FileOutcome a file, in the files' order
        summary.merge(outcome.summary) if outcome.summary else print(outcome.error)

Each file is checked as it is read, and what is kept of it is what the reports need: a `Summary` of its own
(findings and counts), never its exchanges; a request recorded again (a poll) has its request's verdict remembered
from the last time (`Verdicts`). The proxy's own cassettes are read a line at a time
(`sources.cassette_lines`), so memory stays flat however long the file; any other file, or one that reader does not
take on, is read through vcrpy as a whole (`sources.read_exchanges`).

With `jobs` above 1 the work is spread over that many processes (forked ones share this one's compiled contract):
files, and a cassette of the proxy's larger than `piece_bytes` in pieces of lines. The outcomes come back in the
files' order whatever finishes first, and a file's pieces are joined into what reading it whole gives (the repeats
across pieces are found from each interaction's key digest), so the report is the same for any number of jobs.

Besides the contract's verdict on each exchange, a cassette is checked as a whole for `cassette.interaction.repeated`:
an interaction whose request is the same as an earlier one's in that file, by the rule a replay matches on
(`replay.matching.request_key`). A replay (the replay server, the pytest marker, vcrpy by default) hands identical
requests their recordings in order, so the n-th recording of a request answers the n-th identical request; vcrpy
with `allow_playback_repeats=True` answers every one with the first, and never plays the others. Polling a run
records such repeats on purpose, hence a warning.
"""

from __future__ import annotations

import functools
import hashlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

from ._exceptions import SourceError
from ._models import CheckResult, Exchange, Side, Violation
from .contract import Contract
from .contract.checks import Match
from .contract.codes import severity_of
from .replay.matching import RequestKey, request_key
from .report.summary import Finding, Summary, Unusable
from .sources import UnusableFile, read_exchanges
from .sources.cassette_lines import (
    NotLineCassette,
    exchange_at,
    exchanges_between,
    exchanges_from_lines,
    is_line_cassette,
    piece_bounds,
)
from .sources.errors import INTERNAL, MALFORMED

__all__ = [
    "PIECE_BYTES",
    "READERS",
    "FileOutcome",
    "RepeatedRequests",
    "Verdicts",
    "digest",
    "keyed",
    "lint_file",
    "lint_files",
    "repeated",
]

REPEATED = "cassette.interaction.repeated"
READERS = ("auto", "vcrpy")  # vcrpy: every file through vcrpy, as lint read them before the line reader
PIECE_BYTES = 16 * 2**20  # about 8,000 interactions, a second or two of work
_DIGEST = 16
_SMALL = 2048  # bytes of a request body whose key may be remembered
_REMEMBERED = 256  # requests whose verdict is remembered (`Verdicts`)...
_REMEMBERED_BYTES = 4096  # ...each of at most these bytes of URL, headers and body: a few MB in all


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What checking one file gave: its summary, or why it could not be used (`error`, naming the file; `code`,
    one of `sources.errors`; `reason`, the error without the file name)."""

    path: str
    summary: Summary | None
    error: str | None = None
    code: str | None = None

    @property
    def reason(self) -> str | None:
        if self.error is None:
            return None
        return self.error.removeprefix(f"{self.path}: ")

    def into(self, summary: Summary) -> Summary:
        """Add this outcome to a run's summary: its findings and counts, or the file as unusable."""
        if self.summary is not None:
            return summary.merge(self.summary)
        summary.unusable.append(Unusable(self.path, self.reason or "", self.code or ""))
        return summary


class RepeatedRequests:
    """The interactions of one cassette that repeat an earlier one's request (method, path, query, JSON body).

    Keeps a 16-byte digest of each distinct request's key (BLAKE2b of `request_key`) and three numbers, not the
    requests: a long cassette of distinct requests costs some 150 bytes an interaction."""

    def __init__(self) -> None:
        self._seen: dict[bytes, list[int]] = {}  # digest -> [recordings so far, first index, latest index]

    def check(self, exchange: Exchange, operation_id: str | None = None) -> Violation | None:
        """The finding for this interaction, or None when its request is the first of its kind here."""
        key, key_digest = keyed(exchange)
        seen = self.see(key_digest, exchange.index if exchange.index is not None else -1)
        return None if seen is None else repeated(seen, key.describe(), operation_id)

    def see(self, key_digest: bytes, index: int) -> tuple[int, int, int] | None:
        """Count one interaction: None for a request not seen before, else (how many times it is now recorded,
        the index of its previous recording, the index of its first)."""
        seen = self._seen.get(key_digest)
        if seen is None:
            self._seen[key_digest] = [1, index, index]
            return None
        seen[0] += 1
        found = (seen[0], seen[2], seen[1])
        seen[2] = index
        return found


def repeated(seen: tuple[int, int, int], described: str, operation_id: str | None) -> Violation:
    """The `cassette.interaction.repeated` finding for what `RepeatedRequests.see` said."""
    count, previous, first = seen
    since = "" if first == previous else f" (first at #{first})"
    nth = _nth(count)
    return Violation(
        REPEATED,
        f"the same request as #{previous}{since}, {described}, recorded a {nth} time: a replay answers the {nth}"
        " identical request with it; vcrpy with allow_playback_repeats=True never plays it",
        Side.REQUEST,
        severity_of(REPEATED),
        operation_id,
    )


def keyed(exchange: Exchange) -> tuple[RequestKey, bytes]:
    """The request's key and its digest. A poll sends the very same request again and again: the last few small
    ones are remembered, so their JSON is not made canonical each time."""
    request = exchange.request
    if request.body is None or len(request.body) <= _SMALL:
        return _small_keyed(request.method, request.url, request.body)
    key = request_key(request.method, request.url, request.body)
    return key, digest(key)


@functools.lru_cache(maxsize=256)
def _small_keyed(method: str, url: str, body: bytes | None) -> tuple[RequestKey, bytes]:
    key = request_key(method, url, body)
    return key, digest(key)


def digest(key: RequestKey) -> bytes:
    """16 bytes that tell one request key from another."""
    h = hashlib.blake2b(digest_size=_DIGEST)
    h.update(repr((key.method, key.path, key.query)).encode("utf-8", "surrogatepass"))  # no NUL: repr escapes it
    body = key.body
    h.update(b"\0b" + body if isinstance(body, bytes) else b"\0s" + body.encode("utf-8", "surrogatepass"))
    return h.digest()


_SameRequest = tuple[str, str, bytes | None, tuple[tuple[str, str], ...]]  # method, URL, body, headers


class Verdicts:
    """`contract.check`, with the request's half of the verdict remembered for the last few small requests.

    A cassette records the same request again and again (a poll, a list fetched after each write), and the request's
    routing, parameters and body get the same verdict each time: it depends on the method, URL, headers and body
    alone. So the match and the request's violations are kept for the last `remember` requests of at most
    `_REMEMBERED_BYTES`, keyed by all four, and only the response is checked again. The response's checks see the
    remembered match, whose request is equal to this one in all that they read."""

    def __init__(self, contract: Contract, remember: int = _REMEMBERED) -> None:
        self._contract = contract
        self._remember = remember
        # An OrderedDict, not a dict: taking a dict's first key again and again, after as many deletions from its
        # front, scans past the deleted slots each time.
        self._requests: OrderedDict[_SameRequest, tuple[Match, list[Violation]]] = OrderedDict()

    def __len__(self) -> int:
        """How many requests' verdicts are remembered now."""
        return len(self._requests)

    def check(self, exchange: Exchange) -> CheckResult:
        """What `contract.check(exchange)` gives."""
        contract, request = self._contract, exchange.request
        headers = tuple(request.headers.items())
        size = len(request.url) + len(request.body or b"") + sum(map(len, chain.from_iterable(headers)))
        if size > _REMEMBERED_BYTES:
            return contract.check(exchange)
        key = (request.method, request.url, request.body, headers)
        known = self._requests.get(key)
        if known is None:
            match = contract.match(request)
            known = self._requests[key] = match, contract.check_request(match)
            if len(self._requests) > self._remember:
                self._requests.popitem(last=False)  # the least recently seen
        else:
            self._requests.move_to_end(key)
        match, found = known
        if exchange.response is not None:
            found = found + contract.check_response(match, exchange.response)
        else:
            found = list(found)
        return CheckResult(match.version, match.operation_id, found)


def lint_file(path: str | Path, contract: Contract, *, reader: str = "auto") -> FileOutcome:
    """Check every exchange of one file, and the file for repeated requests. A file that cannot be used is an
    outcome with its error, never an exception: the other files of a run are still checked."""
    if reader not in READERS:
        raise ValueError(f"unknown reader {reader!r}; choose one of {', '.join(READERS)}")
    try:
        return _lint_file(Path(path), contract, reader)
    except UnusableFile as e:
        return FileOutcome(str(path), None, str(e), e.code)
    except SourceError as e:
        return FileOutcome(str(path), None, str(e), MALFORMED)
    except Exception as e:  # noqa: BLE001 - a bug of ours on this file: said, and the run goes on
        said = (str(e).strip().splitlines() or [""])[0][:200]
        error = f"{path}: lint failed on this file ({type(e).__name__}: {said}); please report it as a bug"
        return FileOutcome(str(path), None, error, INTERNAL)


def _lint_file(path: Path, contract: Contract, reader: str) -> FileOutcome:
    if reader == "auto" and is_line_cassette(path):
        try:
            return FileOutcome(str(path), _check(exchanges_from_lines(path, str(path)), contract))
        except NotLineCassette:
            pass  # not only what the line reader takes on: vcrpy reads it all again, and decides
    return FileOutcome(str(path), _check(read_exchanges(path), contract))


def lint_files(
    paths: Sequence[str | Path],
    *,
    api_version: str = "v2",
    jobs: int = 1,
    reader: str = "auto",
    contract: Contract | None = None,
    piece_bytes: int = PIECE_BYTES,
) -> Iterator[FileOutcome]:
    """`lint_file` for each file, in their order. With `jobs` > 1, in that many processes: files spread over them,
    and a cassette of the proxy's larger than `piece_bytes` checked in pieces. `contract` (by default the bundled
    one for `api_version`) is the one used here and by forked workers; a worker that is not forked loads the
    bundled one for `api_version`."""
    if reader not in READERS:
        raise ValueError(f"unknown reader {reader!r}; choose one of {', '.join(READERS)}")
    if jobs <= 1 or not paths:
        contract = contract or Contract.load(default_version=api_version)
        for path in paths:
            yield lint_file(path, contract, reader=reader)
        return
    contract = contract or Contract.load(default_version=api_version)
    # The largest first, so that a big file does not start last and leave the other processes idle; a cassette of
    # the proxy's larger than a piece in a multiple of `jobs` pieces of at most about `piece_bytes`.
    plans: list[list[tuple[int, int]] | None] = [None] * len(paths)
    for i, path in enumerate(paths):
        size = _size(path)
        if reader == "auto" and size > piece_bytes and is_line_cassette(Path(path)):
            plans[i] = piece_bounds(Path(path), jobs * -(-size // (piece_bytes * jobs)))
    tasks = sum(len(plan) if plan else 1 for plan in plans)
    _share(contract)
    pool = ProcessPoolExecutor(max_workers=min(jobs, tasks), initializer=_start_worker, initargs=(api_version,))
    try:
        futures: list[Future[FileOutcome] | list[Future[_Piece | None]] | None] = [None] * len(paths)
        for i in sorted(range(len(paths)), key=lambda i: -_size(paths[i])):
            plan = plans[i]
            if plan is None:
                futures[i] = pool.submit(_lint_in_worker, str(paths[i]), reader)
            else:
                futures[i] = [pool.submit(_piece_in_worker, str(paths[i]), start, end) for start, end in plan]
        for i, path in enumerate(paths):
            future, futures[i] = futures[i], None
            if isinstance(future, list):
                try:
                    joined = _join(Path(path), [piece.result() for piece in future], contract)
                except Exception:  # noqa: BLE001 - as a piece that fails: the whole file, where lint_file says why
                    joined = None
                # A piece the line reader did not take on: the whole file through vcrpy, as lint_file does.
                yield joined or pool.submit(_lint_in_worker, str(path), "vcrpy").result()
            elif future is not None:
                yield future.result()
    finally:
        pool.shutdown(cancel_futures=True)  # a consumer that stops early does not wait for the rest


def _check(exchanges: Iterable[Exchange], contract: Contract) -> Summary:
    summary = Summary(documented={})
    repeats = RepeatedRequests()
    verdicts = Verdicts(contract)
    for exchange in exchanges:
        result = verdicts.check(exchange)
        repeat = repeats.check(exchange, result.operation_id)
        if repeat is not None:
            result = CheckResult(result.version, result.operation_id, [*result.violations, repeat])
        summary.add(exchange, result)
    return summary


# --- a cassette in pieces ------------------------------------------------------------------------------------------

# What a finding about an interaction needs: method, URL, status, version, operation id, `RequestKey.describe()`.
_Stub = tuple[str, str, int | None, str, str | None, str]


@dataclass(slots=True)
class _Piece:
    """One piece of a cassette checked: the contract's findings (indexes from the piece's first interaction), and
    for the repeats, which only the whole file can tell, each interaction's key digest and line offset, and the
    stub of each that repeats a request of the piece itself (those that repeat an earlier piece are read again)."""

    summary: Summary
    digests: bytearray = field(default_factory=bytearray)
    offsets: array = field(default_factory=lambda: array("q"))
    stubs: dict[int, _Stub] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.offsets)


def _lint_piece(path: Path, start: int, end: int, contract: Contract) -> _Piece | None:
    piece = _Piece(Summary(documented={}))
    seen: set[bytes] = set()
    verdicts = Verdicts(contract)
    try:
        for offset, exchange in exchanges_between(path, str(path), start, end):
            result = verdicts.check(exchange)
            piece.summary.add(exchange, result)
            key, key_digest = keyed(exchange)
            if key_digest in seen:
                piece.stubs[piece.count] = _stub(exchange, result, key)
            seen.add(key_digest)
            piece.digests += key_digest
            piece.offsets.append(offset)
    except Exception:  # noqa: BLE001 - NotLineCassette, or anything else: lint_file reads the file whole and says
        return None
    return piece


def _stub(exchange: Exchange, result: CheckResult, key: RequestKey) -> _Stub:
    request, response = exchange.request, exchange.response
    status = response.status if response is not None else None
    return request.method, request.url, status, result.version, result.operation_id, key.describe()


def _join(path: Path, pieces: list[_Piece | None], contract: Contract) -> FileOutcome | None:
    """The outcome reading the file whole gives, from its pieces in order; None if the line reader did not take
    on one of them, or the file holds no interaction."""
    if any(piece is None for piece in pieces) or not any(piece.count for piece in pieces if piece is not None):
        return None
    source = str(path)
    repeats = RepeatedRequests()
    summary = Summary(documented={})
    first = 0
    for piece in pieces:
        assert piece is not None
        found: list[Finding] = []
        for local in range(piece.count):
            index = first + local
            seen = repeats.see(bytes(piece.digests[local * _DIGEST : (local + 1) * _DIGEST]), index)
            if seen is None:
                continue
            stub = piece.stubs.get(local)
            if stub is None:  # the first of its kind in its piece, repeating one of an earlier piece
                exchange = exchange_at(path, piece.offsets[local], source, index)
                stub = _stub(exchange, contract.check(exchange), keyed(exchange)[0])
            method, url, status, version, operation_id, described = stub
            found.append(Finding(repeated(seen, described, operation_id), version, source, index, method, url, status))
        own = piece.summary.findings
        if first:
            own = [f if f.index is None else replace(f, index=f.index + first) for f in own]
        piece.summary.findings = _in_order(own, found)
        summary.merge(piece.summary)
        first += piece.count
    return FileOutcome(source, summary)


def _in_order(own: list[Finding], repeats: list[Finding]) -> list[Finding]:
    """Both lists by interaction; an interaction's repeat finding after its own, as `_check` adds it."""
    out: list[Finding] = []
    i = 0
    for finding in repeats:
        while i < len(own) and (own[i].index or 0) <= (finding.index or 0):
            out.append(own[i])
            i += 1
        out.append(finding)
    out.extend(own[i:])
    return out


# --- worker processes ----------------------------------------------------------------------------------------------

_WORKER_CONTRACT: Contract | None = None


def _share(contract: Contract) -> None:
    """Hand the contract to workers that are forked from this process, which then need not load their own."""
    global _WORKER_CONTRACT
    _WORKER_CONTRACT = contract


def _start_worker(api_version: str) -> None:
    global _WORKER_CONTRACT
    if _WORKER_CONTRACT is None or _WORKER_CONTRACT.default_version != api_version:
        _WORKER_CONTRACT = Contract.load(default_version=api_version)


def _lint_in_worker(path: str, reader: str) -> FileOutcome:
    assert _WORKER_CONTRACT is not None, "the pool's initializer loads the contract"
    return lint_file(path, _WORKER_CONTRACT, reader=reader)


def _piece_in_worker(path: str, start: int, end: int) -> _Piece | None:
    assert _WORKER_CONTRACT is not None, "the pool's initializer loads the contract"
    return _lint_piece(Path(path), start, end, _WORKER_CONTRACT)


def _size(path: str | Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
