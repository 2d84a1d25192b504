"""The cassette stage: recorded requests sent again, in order, to the server under test, and every answer judged
twice, by the core and against the answer in the recording (`verify --cassette PATH`).

Cassettes verify servers as well as clients. Each cassette file is replayed on its own, from its first
interaction, with its own `IdMap`: an id the recording learned from an earlier answer (`asst_...` from a create)
is sent as the id the server under test gave in its place, in paths, in query cursors and in request bodies. The
map is built by walking the recorded and the live answer side by side (events of a stream are paired by name and
occurrence); an id the client named itself is echoed back and so maps to itself.

The recorded key is redacted, so requests carry `--api-key` instead; a request recorded without a key goes
without one, and one recorded with a 401 answer goes with a made-up wrong key, so the 401 comes again. The
`OpenAI-Beta` header goes as recorded, or not at all when it was not recorded.

The checks, each counted for the operation of the interaction:

- `assistants_contract`: the core on the live answer (the response side only: a recording may break the
  contract in its requests on purpose, to see them refused);
- `cassette.status`: the recorded status;
- `cassette.shape` (when the statuses agree): the same `object`, the same keys (recursively), the same list
  lengths, and ids in the same places (a recorded id already mapped must come back as its live id: a list in
  another order breaks this); values may differ otherwise (ids, timestamps, text). Of a stream, the data of
  each event against the recorded event it pairs with. A page of a list under no object (`GET /assistants`)
  shows whatever the account holds, so there only the page's keys and its items' `object` and keys count;
- `cassette.stream` (when the recording is a stream and the statuses agree): the same event names in order.

A failure names the cassette file and interaction index and carries the request as sent, as a `curl` command.
"""

from __future__ import annotations

import collections
import json
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from .._exceptions import SourceError
from .._models import Exchange, Response, Severity
from ..contract import Contract
from ..contract.sse import SSEEvent, SSEParser
from ..record.redact import Redactor
from ..report.summary import CheckFailure
from ..sources import find_files, read_exchanges
from .check import CHECK_NAME, judge_response
from .events import CheckRan, ExchangeChecked, StageFinished, StageStarted, VerifyEvent
from .options import Stage, VerifyOptions
from .property import VerifyCannotRun
from .scenarios.client import Api, curl

__all__ = [
    "CHECKS",
    "Cassette",
    "IdMap",
    "compare",
    "looks_like_id",
    "load_cassettes",
    "outgoing_headers",
    "run_cassettes",
    "shape_differences",
    "stream_differences",
]

STATUS_CHECK = "cassette.status"
SHAPE_CHECK = "cassette.shape"
STREAM_CHECK = "cassette.stream"
CHECKS = (CHECK_NAME, STATUS_CHECK, SHAPE_CHECK, STREAM_CHECK)

ID_PREFIXES = ("asst_", "thread_", "msg_", "run_", "step_", "call_", "file-", "vs_")
# Headers the transport makes for each request; sending the recorded ones would be wrong (length) or moot.
_TRANSPORT_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})
_STREAM = "text/event-stream"
# How many differences of one answer a failure lists.
_MAX_DIFFERENCES = 8


def looks_like_id(value: Any) -> bool:
    """An object id of this API: a known prefix, then letters, digits, `_` or `-` (no spaces, so an id quoted
    in an error message is text, not an id)."""
    if not isinstance(value, str) or not value.startswith(ID_PREFIXES):
        return False
    rest = value[value.index("_") + 1 :] if not value.startswith("file-") else value[5:]
    return bool(rest) and all(c.isascii() and (c.isalnum() or c in "_-") for c in rest)


class IdMap:
    """Recorded id -> the id the server under test gave in its place, for one cassette. The first pairing wins:
    an id is learned from the answer that made it, and a later answer that puts another id in its place is a
    difference (`learn` returns it), not a new mapping."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def learn(self, recorded: Any, live: Any, pointer: str = "") -> list[str]:
        """Walk a recorded and a live JSON value side by side (the same keys, list items by position) and map
        each recorded id to the live string in its place. Returns the places where an id already mapped came
        back as another one."""
        conflicts: list[str] = []
        self._walk(recorded, live, pointer, conflicts)
        return conflicts

    def learn_events(self, recorded: Sequence[SSEEvent], live: Sequence[SSEEvent]) -> list[str]:
        """`learn` over the data of two streams, the n-th event of a name paired with the n-th of that name."""
        conflicts: list[str] = []
        for index, recorded_data, live_data in paired_events(recorded, live):
            self._walk(recorded_data, live_data, f"/events/{index}/data", conflicts)
        return conflicts

    def _walk(self, recorded: Any, live: Any, pointer: str, conflicts: list[str]) -> None:
        if isinstance(recorded, dict) and isinstance(live, dict):
            for key, value in recorded.items():
                if key in live:
                    self._walk(value, live[key], f"{pointer}/{_escape(key)}", conflicts)
        elif isinstance(recorded, list) and isinstance(live, list):
            for index, (r, v) in enumerate(zip(recorded, live, strict=False)):
                self._walk(r, v, f"{pointer}/{index}", conflicts)
        elif looks_like_id(recorded) and isinstance(live, str):
            known = self.ids.setdefault(recorded, live)
            if known != live:
                conflicts.append(
                    f"{pointer or '/'}: expected {known} (recorded {recorded}), got {live}: another object, or a list"
                    " in another order"
                )

    def value(self, value: Any) -> Any:
        """A JSON value with every string that is a recorded id replaced by its live id."""
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def path_and_query(self, url: str) -> str:
        """A recorded URL as the path and query to send after the base URL: what comes after its `/v1` segment
        (the whole path when it has none), with mapped ids in path segments and query values."""
        parts = urlsplit(url)
        segments = parts.path.split("/")
        if "v1" in segments:
            segments = [""] + segments[segments.index("v1") + 1 :]
        path = "/".join(self.ids.get(s, s) for s in segments)
        if not parts.query:
            return path
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        mapped = [(name, self.ids.get(value, value)) for name, value in pairs]
        return f"{path}?{urlencode(mapped) if mapped != pairs else parts.query}"

    def body(self, body: bytes | None) -> bytes | None:
        """A recorded request body with mapped ids; a body that is not JSON, or holds none of them, as recorded."""
        if not body or not self.ids:
            return body
        try:
            parsed = json.loads(body)
        except ValueError:
            return body
        mapped = self.value(parsed)
        if mapped == parsed:
            return body
        return json.dumps(mapped, separators=(",", ":"), ensure_ascii=False).encode()


def outgoing_headers(recorded: Exchange, api_key: str, wrong_key: str) -> dict[str, str]:
    """The headers to send for a recorded request: as recorded (the beta header present or absent alike), less
    the transport's own, with a bearer key: `api_key`, or `wrong_key` where the recording was answered 401, and
    none where none was recorded."""
    headers = {k: v for k, v in recorded.request.headers.items() if k not in _TRANSPORT_HEADERS}
    if "authorization" in headers:
        refused = recorded.response is not None and recorded.response.status == 401
        headers["authorization"] = f"Bearer {wrong_key if refused else api_key}"
    return headers


# --- comparing answers ------------------------------------------------------------------------------------------


def shape_differences(recorded: Any, live: Any, pointer: str = "") -> list[str]:
    """Where `live` is not built as `recorded`: an `object` that differs, keys missing or added (recursively),
    lists of another length (items compared by position), an object or a list where the other has none. Other
    values (ids, timestamps, text, numbers) may differ."""
    where = pointer or "/"
    if isinstance(recorded, dict):
        if not isinstance(live, dict):
            return [f"{where}: recorded an object, got {_kind(live)}"]
        found = []
        if "object" in recorded and "object" in live and recorded["object"] != live["object"]:
            found.append(f"{pointer}/object: recorded {recorded['object']!r}, got {live['object']!r}")
        missing = [k for k in recorded if k not in live]
        added = [k for k in live if k not in recorded]
        if missing:
            found.append(f"{where}: no {', '.join(missing)} (recorded)")
        if added:
            found.append(f"{where}: {', '.join(added)} not in the recording")
        for key, value in recorded.items():
            if key in live:
                found.extend(shape_differences(value, live[key], f"{pointer}/{_escape(key)}"))
        return found
    if isinstance(recorded, list):
        if not isinstance(live, list):
            return [f"{where}: recorded a list, got {_kind(live)}"]
        found = []
        if len(recorded) != len(live):
            found.append(f"{where}: recorded {len(recorded)} items, got {len(live)}")
        for index, (r, v) in enumerate(zip(recorded, live, strict=False)):
            found.extend(shape_differences(r, v, f"{pointer}/{index}"))
        return found
    if isinstance(live, (dict, list)):
        return [f"{where}: recorded {_kind(recorded)}, got {_kind(live)}"]
    return []


def stream_differences(recorded: Sequence[SSEEvent], live: Sequence[SSEEvent]) -> list[str]:
    """Where the live stream's event names part from the recorded ones (empty when the same, in order)."""
    names = [e.event for e in recorded]
    got = [e.event for e in live]
    if names == got:
        return []
    first = next(i for i in range(max(len(names), len(got))) if i >= len(names) or i >= len(got) or names[i] != got[i])
    expected = names[first] if first < len(names) else "(the end of the stream)"
    came = got[first] if first < len(got) else "(the end of the stream)"
    return [f"event {first}: recorded {expected}, got {came} (recorded {len(names)} events, got {len(got)})"]


def paired_events(recorded: Sequence[SSEEvent], live: Sequence[SSEEvent]) -> Iterator[tuple[int, Any, Any]]:
    """(index in the recording, recorded data, live data) for the n-th event of each name in both streams, where
    both datas are JSON (`done`'s `[DONE]` is not)."""
    by_name: dict[str, list[SSEEvent]] = collections.defaultdict(list)
    for event in live:
        by_name[event.event].append(event)
    seen: collections.Counter[str] = collections.Counter()
    for index, event in enumerate(recorded):
        nth = seen[event.event]
        seen[event.event] += 1
        candidates = by_name.get(event.event, [])
        if nth >= len(candidates):
            continue
        recorded_data, live_data = _json(event.data.encode()), _json(candidates[nth].data.encode())
        if recorded_data is not _NOT_JSON and live_data is not _NOT_JSON:
            yield index, recorded_data, live_data


def compare(recorded: Exchange, live: Exchange, ids: IdMap) -> dict[str, list[str]]:
    """The cassette checks that apply to one interaction -> their differences (empty: passed). Learns the ids
    of the live answer into `ids` on the way, whatever the status."""
    rec, got = recorded.response, live.response
    assert rec is not None and got is not None
    found: dict[str, list[str]] = {}
    found[STATUS_CHECK] = [] if rec.status == got.status else [f"recorded status {rec.status}, got {got.status}"]
    same_status = rec.status == got.status
    recorded_events, live_events = _events(rec), _events(got)
    if recorded_events is not None:
        if live_events is None:
            if same_status:
                found[STREAM_CHECK] = [f"recorded an event stream, got {got.headers.media_type() or 'no content type'}"]
            return found
        conflicts = ids.learn_events(recorded_events, live_events)
        if same_status:
            found[STREAM_CHECK] = stream_differences(recorded_events, live_events)
            shapes = [
                difference
                for index, r, v in paired_events(recorded_events, live_events)
                for difference in shape_differences(r, v, f"/events/{index}/data")
            ]
            found[SHAPE_CHECK] = shapes + conflicts
        return found
    recorded_body, live_body = _json(rec.body), _json(got.body)
    if recorded_body is _NOT_JSON:
        return found
    conflicts = ids.learn(recorded_body, live_body) if live_body is not _NOT_JSON else []
    if not same_status:
        return found
    if live_body is _NOT_JSON:
        found[SHAPE_CHECK] = ["recorded a JSON body, got none that parses"]
    elif _is_page(recorded_body) and account_wide(recorded.request.url):
        found[SHAPE_CHECK] = page_differences(recorded_body, live_body)
    else:
        found[SHAPE_CHECK] = shape_differences(recorded_body, live_body) + conflicts
    return found


def account_wide(url: str) -> bool:
    """Whether a request's path names no object (`/v1/assistants`): a list there pages through everything the
    account holds, which a replay on a server with other objects cannot show again."""
    return not any(looks_like_id(segment) for segment in urlsplit(url).path.split("/"))


def page_differences(recorded: dict[str, Any], live: Any) -> list[str]:
    """A page of an account-wide list, compared as far as it depends on the cassette alone: the page's keys and
    `object`, and items of the recorded items' `object` with their keys; not its length, its order, or the items'
    insides (the items may be anyone's, as the ids in their places)."""
    if not isinstance(live, dict) or not isinstance(live.get("data"), list):
        return shape_differences(recorded, live)
    found = shape_differences({**recorded, "data": []}, {**live, "data": []})
    template = next((item for item in recorded["data"] if isinstance(item, dict)), None)
    if template is None:
        return found
    for index, item in enumerate(live["data"]):
        if not isinstance(item, dict):
            found.append(f"/data/{index}: recorded an object, got {_kind(item)}")
            continue
        # Keys and `object` only: every other value compared as None, so nothing deeper is.
        found.extend(
            shape_differences(
                {k: template[k] if k == "object" else None for k in template},
                {k: item[k] if k == "object" else None for k in item},
                f"/data/{index}",
            )
        )
    return found


def _is_page(body: Any) -> bool:
    return isinstance(body, dict) and body.get("object") == "list" and isinstance(body.get("data"), list)


_NOT_JSON = object()


def _json(body: bytes | None) -> Any:
    if not body:
        return _NOT_JSON
    try:
        return json.loads(body)
    except ValueError:
        return _NOT_JSON


def _events(response: Response) -> list[SSEEvent] | None:
    if response.headers.media_type() != _STREAM:
        return None
    parser = SSEParser()
    return parser.feed(response.body or b"") + parser.finish()


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} ({json.dumps(value)[:40]})"


def _escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


# --- loading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cassette:
    """One cassette file: where it is, the API version its requests name, its interactions in order."""

    path: str
    version: str
    exchanges: tuple[Exchange, ...]
    operations: frozenset[str] = field(default_factory=frozenset)


def load_cassettes(paths: Sequence[str], contract: Contract) -> list[Cassette]:
    """The cassettes (vcrpy YAML or JSON, or HAR) named or found under `paths`, in order. A file's version is the
    one most of its `OpenAI-Beta` headers name. Raises `VerifyCannotRun` when a path is missing, a file does not
    read, or no file holds an interaction."""
    try:
        files = list(find_files(paths))
    except SourceError as e:
        raise VerifyCannotRun(f"{e}; give cassette files or folders that hold them") from e
    cassettes = []
    for path in files:
        try:
            exchanges = tuple(e for e in read_exchanges(path) if e.response is not None)
        except SourceError as e:
            raise VerifyCannotRun(str(e)) from e
        if not exchanges:
            continue
        matches = [contract.match(e.request) for e in exchanges]
        named = collections.Counter(m.version for m, e in zip(matches, exchanges, strict=True) if _beta(e))
        version = named.most_common(1)[0][0] if named else contract.default_version
        operations = frozenset(m.operation_id for m in matches if m.operation_id is not None)
        cassettes.append(Cassette(str(path), version, exchanges, operations))
    if not cassettes:
        raise VerifyCannotRun(f"no cassette with interactions under {', '.join(paths)}")
    return cassettes


def _beta(exchange: Exchange) -> bool:
    return "openai-beta" in exchange.request.headers


# --- the stage --------------------------------------------------------------------------------------------------


def run_cassettes(
    options: VerifyOptions, version: str, contract: Contract, cassettes: Sequence[Cassette]
) -> Iterator[VerifyEvent]:
    """Replay the cassettes of `version` against the server, each from a fresh id map, and yield what the checks
    found. Raises `VerifyCannotRun` when the server stops taking connections mid-way."""
    chosen = [c for c in cassettes if c.version == version]
    if not chosen:
        return
    yield StageStarted(version, Stage.CASSETTES, len({op for c in chosen for op in c.operations}))
    started = time.monotonic()
    redactor = Redactor()
    wrong_key = "sk-wrong-" + secrets.token_hex(16)  # for the requests the recording shows refused
    cases = 0
    for cassette in chosen:
        ids = IdMap()
        with Api(options.base_url, version, options.api_key, contract, options.request_timeout) as api:
            for index, recorded in enumerate(cassette.exchanges):
                where = f"{cassette.path} #{index}"
                cases += 1
                try:
                    reply = api.call(
                        recorded.request.method,
                        ids.path_and_query(recorded.request.url),
                        headers=outgoing_headers(recorded, options.api_key, wrong_key),
                        content=ids.body(recorded.request.body),
                    )
                except httpx.ConnectError as e:
                    raise VerifyCannotRun(f"{options.base_url} stopped taking connections at {where}: {e}") from e
                except httpx.HTTPError as e:
                    request = recorded.request
                    operation_id = contract.match(request).operation_id
                    message = f"{where}: {request.method} {request.url}: the server did not answer ({e!r})"
                    failure = CheckFailure(version, operation_id, STATUS_CHECK, redactor.text(message))
                    yield CheckRan(version, operation_id, STATUS_CHECK, failure)
                    continue
                live = replace(reply.exchange, source=cassette.path, index=index)
                yield from _judged(live, recorded, ids, version, where, contract, redactor)
    yield StageFinished(version, Stage.CASSETTES, cases, time.monotonic() - started)


def _judged(
    live: Exchange,
    recorded: Exchange,
    ids: IdMap,
    version: str,
    where: str,
    contract: Contract,
    redactor: Redactor,
) -> Iterator[VerifyEvent]:
    result = judge_response(contract, live)
    yield ExchangeChecked(version, live, result)
    operation_id = result.operation_id
    response = live.response
    status = response.status if response is not None else None
    reproduction = curl(live, redactor)
    errors = [v for v in result.violations if v.severity is Severity.ERROR]
    if operation_id is not None and not errors:
        yield CheckRan(version, operation_id, CHECK_NAME)
    for violation in errors if operation_id is not None else ():
        failure = CheckFailure(
            version=version,
            operation_id=operation_id,
            check=CHECK_NAME,
            message=f"{where}: {violation.described}",
            violation=violation,
            reproduction=reproduction,
            method=live.request.method,
            url=live.request.url,
            status=status,
        )
        yield CheckRan(version, operation_id, CHECK_NAME, failure)
    for check, differences in compare(recorded, live, ids).items():
        if not differences:
            yield CheckRan(version, operation_id, check)
            continue
        shown = differences[:_MAX_DIFFERENCES]
        more = f"\n(+{len(differences) - len(shown)} more)" if len(differences) > len(shown) else ""
        request = live.request
        failure = CheckFailure(
            version=version,
            operation_id=operation_id,
            check=check,
            message=redactor.text(f"{where}: {request.method} {_path(request.url)}: " + "\n".join(shown) + more),
            reproduction=reproduction,
            method=request.method,
            url=request.url,
            status=status,
        )
        yield CheckRan(version, operation_id, check, failure)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
