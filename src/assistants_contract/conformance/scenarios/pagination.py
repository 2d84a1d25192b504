"""Pagination: limits, order, cursors, every object exactly once.

Lists page by `created_at` (`order` asc or desc, desc by default), `limit` between 1 and 100 (20 by default),
`after` = the id of the last item seen for the next page and `before` = the id of the first item seen for the
previous one. Every page says `first_id` and `last_id` (its first and last item) and `has_more` (whether
another page follows in that direction). A walk that follows the cursors must see every object once, in order,
and stop: an SDK that pages on a server getting this wrong loops or loses objects.
"""

from __future__ import annotations

from typing import Any

from .base import FUNCTION_TOOL, ScenarioContext, scenario
from .client import Reply

# More than one full page of the largest limit, and not a multiple of the page sizes walked below.
MESSAGES = 105
# Bounds every cursor walk: far more pages than any walk here needs.
MAX_PAGES = 200


@scenario("message_pagination", operations=("listMessages",))
def message_pagination(ctx: ScenarioContext) -> None:
    """listMessages pages 105 messages by limit, order, after and before, each message exactly once"""
    api = ctx.api
    empty = ctx.thread()
    reply = api.get(f"/threads/{empty['id']}/messages")
    page = ctx.ok(reply, "listMessages of an empty thread")
    ctx.check(
        page.get("data") == [] and page.get("has_more") is False,
        f"listMessages of an empty thread: expected data [] and has_more false, got data {_ids(page)} and"
        f" has_more {page.get('has_more')!r}",
        reply,
    )

    thread = ctx.thread()
    path = f"/threads/{thread['id']}/messages"
    created = [ctx.message(thread["id"], f"message {n:03}")["id"] for n in range(MESSAGES)]
    newest_first = created[::-1]

    # limit bounds, and the default
    reply = api.get(path, limit=1)
    page = _page(ctx, reply, "listMessages limit=1")
    ctx.check(
        _ids(page) == newest_first[:1],
        f"listMessages limit=1: expected the newest message [{newest_first[0]}] (order desc is the default),"
        f" got {_ids(page)}",
        reply,
    )
    ctx.check(page.get("has_more") is True, "listMessages limit=1 of 105 messages: has_more is not true", reply)
    reply = api.get(path)
    page = _page(ctx, reply, "listMessages without limit")
    ctx.check(
        _ids(page) == newest_first[:20],
        f"listMessages without limit: expected the 20 newest messages (limit defaults to 20, order to desc), got"
        f" {len(_ids(page))} messages{_mismatch(_ids(page), newest_first[:20])}",
        reply,
    )
    for order, expected in (("asc", created), ("desc", newest_first)):
        reply = api.get(path, limit=100, order=order)
        page = _page(ctx, reply, f"listMessages limit=100 order={order}")
        ctx.check(
            _ids(page) == expected[:100],
            f"listMessages limit=100 order={order}: expected the first 100 messages in {_order_words(order)},"
            f" got {len(_ids(page))}{_mismatch(_ids(page), expected[:100])}",
            reply,
        )
        ctx.check(
            page.get("has_more") is True,
            f"listMessages limit=100 order={order} of 105 messages: has_more is not true",
            reply,
        )
    for limit in (0, 101):
        ctx.error(api.get(path, limit=limit), 400, f"listMessages limit={limit} (limit must be 1..100)")

    # after: forward walks see everything once, in order (35 divides 105, so its last page is exactly full)
    for order, limit, expected in (("asc", 35, created), ("desc", 40, newest_first), ("asc", 100, created)):
        _walk_after(ctx, path, "listMessages", order, limit, expected)

    # before: walk back from the newest message in creation order
    seen: list[str] = []
    cursor = created[-1]
    for _ in range(MAX_PAGES):
        reply = api.get(path, limit=30, order="asc", before=cursor)
        page = _page(ctx, reply, f"listMessages order=asc before={cursor}")
        ids = _ids(page)
        ctx.check(bool(ids), f"listMessages order=asc before={cursor}: empty page, with earlier messages left", reply)
        position = created.index(cursor)
        expected = created[max(0, position - 30) : position]
        ctx.check(
            ids == expected,
            f"listMessages order=asc limit=30 before={cursor}: expected the {len(expected)} messages just before"
            f" it, in creation order{_mismatch(ids, expected)}",
            reply,
        )
        seen = ids + seen
        if not page.get("has_more"):
            break
        cursor = page["first_id"]
    else:
        ctx.check(False, f"listMessages before: still has_more after {MAX_PAGES} pages", reply)
    ctx.check(
        seen == created[:-1],
        f"listMessages before: walking back from the newest message saw {len(seen)} of the {MESSAGES - 1} older"
        f" ones (has_more was false on the page of {_ids(page)[:1]})",
        reply,
    )
    reply = api.get(path, limit=5, order="desc", before=created[0])
    page = _page(ctx, reply, "listMessages order=desc before=<oldest>")
    ctx.check(
        _ids(page) == created[5:0:-1],
        f"listMessages order=desc limit=5 before=<oldest message>: expected the 5 messages just newer than it,"
        f" newest first{_mismatch(_ids(page), created[5:0:-1])}",
        reply,
    )


@scenario("assistant_pagination", operations=("listAssistants",))
def assistant_pagination(ctx: ScenarioContext) -> None:
    """listAssistants pages by limit and after, and shows new assistants in creation order"""
    api = ctx.api
    made = [ctx.assistant(name=f"pagination {n}")["id"] for n in range(3)]
    # Other assistants may exist, and others may be made meanwhile: look only at ours, relative to each other.
    reply = api.get("/assistants", limit=100, order="asc", after=made[0])
    page = _page(ctx, reply, "listAssistants order=asc after=<first of three new>")
    ids = _ids(page)
    ctx.check(made[0] not in ids, "listAssistants after=X: the page contains X itself", reply)
    ctx.check(
        [i for i in ids if i in made] == made[1:],
        f"listAssistants order=asc after={made[0]}: expected the two assistants made after it, in creation order,"
        f" got {[i for i in ids if i in made]}",
        reply,
    )
    seen: list[str] = []
    query: dict[str, Any] = {"limit": 1, "order": "desc"}
    for number in range(1, 4):  # at least three assistants exist: ours
        reply = api.get("/assistants", **query)
        page = _page(ctx, reply, f"listAssistants limit=1 page {number}")
        ctx.check(len(_ids(page)) == 1, f"listAssistants limit=1 page {number}: {len(_ids(page))} items", reply)
        seen += _ids(page)
        if number < 3:
            ctx.check(
                page.get("has_more") is True,
                f"listAssistants limit=1 page {number}: has_more is not true, with at least {3 - number} more left",
                reply,
            )
            query["after"] = page["last_id"]
    ctx.check(len(set(seen)) == len(seen), f"listAssistants limit=1 after=last_id: an id came twice ({seen})", reply)
    for assistant_id in made:
        ctx.ok(api.delete(f"/assistants/{assistant_id}"), "deleteAssistant")


@scenario("run_pagination", operations=("listRuns", "listRunSteps"))
def run_pagination(ctx: ScenarioContext) -> None:
    """listRuns and listRunSteps page in creation order, each item exactly once"""
    api = ctx.api
    assistant = ctx.assistant(instructions="Be brief.")
    thread = ctx.thread(messages=[{"role": "user", "content": "Say something."}])
    runs = []
    for _ in range(3):
        run = ctx.run(thread["id"], assistant["id"])
        ctx.poll(run)
        runs.append(run["id"])
    path = f"/threads/{thread['id']}/runs"
    _walk_after(ctx, path, "listRuns", "asc", 1, runs)
    _walk_after(ctx, path, "listRuns", "desc", 2, runs[::-1])
    reply = api.get(path, limit=2, order="asc", before=runs[2])
    page = _page(ctx, reply, "listRuns order=asc before=<third run>")
    ctx.check(
        _ids(page) == runs[:2] and page.get("has_more") is False,
        f"listRuns order=asc limit=2 before=<third run>: expected the first two runs and has_more false, got"
        f" {_ids(page)} and has_more {page.get('has_more')!r}",
        reply,
    )
    ctx.error(api.get(path, limit=101), 400, "listRuns limit=101 (limit must be 1..100)")

    # A function-tool run leaves two steps: the tool call, then (after the outputs) the message.
    tool_assistant = ctx.assistant(
        instructions="Always call get_weather for the city the user names before you answer.", tools=[FUNCTION_TOOL]
    )
    tool_thread = ctx.thread(messages=[{"role": "user", "content": "What is the weather in Paris?"}])
    run = ctx.run(tool_thread["id"], tool_assistant["id"])
    reply = ctx.poll(run, until=frozenset({"requires_action", "completed", "failed", "cancelled", "expired"}))
    ctx.check(
        reply.get("status") == "requires_action",
        f"getRun: a run with a function tool asked to call it ended {reply.get('status')!r} without requires_action",
        reply,
    )
    calls = reply.body["required_action"]["submit_tool_outputs"]["tool_calls"]
    outputs = [{"tool_call_id": c["id"], "output": '{"celsius": 21}'} for c in calls]
    run_path = f"/threads/{tool_thread['id']}/runs/{run['id']}"
    ctx.ok(api.post(f"{run_path}/submit_tool_outputs", {"tool_outputs": outputs}), "submitToolOuputsToRun")
    reply = ctx.poll(run)
    ctx.check(reply.get("status") == "completed", f"getRun: the run ended {reply.get('status')!r}", reply)
    reply = api.get(f"{run_path}/steps", limit=100, order="asc")
    steps = _page(ctx, reply, "listRunSteps order=asc")
    types = [s.get("type") for s in steps.get("data", [])]
    ctx.check(
        types == ["tool_calls", "message_creation"],
        f"listRunSteps order=asc of a function-tool run: expected steps tool_calls then message_creation, got {types}",
        reply,
    )
    _walk_after(ctx, f"{run_path}/steps", "listRunSteps", "asc", 1, _ids(steps))
    _walk_after(ctx, f"{run_path}/steps", "listRunSteps", "desc", 1, _ids(steps)[::-1])


def _walk_after(ctx: ScenarioContext, path: str, operation: str, order: str, limit: int, expected: list[str]) -> None:
    """Follow `after` = `last_id` from the start; the pages together must be `expected`, has_more false last."""
    seen: list[str] = []
    query: dict[str, Any] = {"limit": limit, "order": order}
    what = f"{operation} order={order} limit={limit}"
    for number in range(1, MAX_PAGES + 1):
        reply = ctx.api.get(path, **query)
        page = _page(ctx, reply, f"{what} page {number}")
        ids = _ids(page)
        ctx.check(len(ids) <= limit, f"{what} page {number}: {len(ids)} items, more than the limit", reply)
        want = expected[len(seen) : len(seen) + limit]
        ctx.check(
            ids == want,
            f"{what} page {number} (after={query.get('after')}): expected items"
            f" {len(seen) + 1}..{len(seen) + len(want)} of {len(expected)} in {_order_words(order)}"
            f"{_mismatch(ids, want)}",
            reply,
        )
        seen += ids
        more = len(seen) < len(expected)
        ctx.check(
            page.get("has_more") is more,
            f"{what} page {number}: has_more is {page.get('has_more')!r} with {len(expected) - len(seen)} items"
            f" left after it",
            reply,
        )
        if not more:
            return
        query["after"] = page["last_id"]
    ctx.check(False, f"{what}: still not done after {MAX_PAGES} pages", reply)


def _page(ctx: ScenarioContext, reply: Reply, what: str) -> dict[str, Any]:
    """A 200 list page whose `first_id`/`last_id` are its first and last items' ids."""
    page = ctx.ok(reply, what)
    data = page.get("data")
    ctx.check(isinstance(data, list), f"{what}: data is not a list", reply)
    if data:
        first, last = data[0].get("id"), data[-1].get("id")
        ctx.check(
            page.get("first_id") == first and page.get("last_id") == last,
            f"{what}: first_id/last_id are {page.get('first_id')}/{page.get('last_id')}, the page's first and last"
            f" items are {first}/{last}",
            reply,
        )
    return page


def _ids(page: dict[str, Any]) -> list[str]:
    return [item.get("id") for item in page.get("data") or [] if isinstance(item, dict)]


def _order_words(order: str) -> str:
    return "creation order" if order == "asc" else "reverse creation order"


def _mismatch(got: list[str], expected: list[str]) -> str:
    """Where two id lists part, for a message: `; first difference at #3: got X, expected Y`."""
    for index, (a, b) in enumerate(zip(got, expected, strict=False)):
        if a != b:
            position = f"#{index + 1}: got {a}, expected {b}"
            if b in got:
                position += f" (which came at #{got.index(b) + 1})"
            return f"; first difference at {position}"
    if len(got) != len(expected):
        return f"; got {len(got)} items, expected {len(expected)}"
    return ""
