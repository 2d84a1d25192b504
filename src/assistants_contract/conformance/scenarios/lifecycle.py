"""Object lifecycles: create, read back, modify, find in the list, delete, and 404 afterwards."""

from __future__ import annotations

from .base import MODEL, ScenarioContext, message_text, scenario


@scenario(
    "assistant_lifecycle",
    operations=("createAssistant", "getAssistant", "modifyAssistant", "listAssistants", "deleteAssistant"),
)
def assistant_lifecycle(ctx: ScenarioContext) -> None:
    """An assistant is created, read, modified, listed, deleted, then gone"""
    api = ctx.api
    created = ctx.assistant(name="lifecycle", instructions="Be brief.", metadata={"scenario": "lifecycle"})
    ctx.check(created.get("object") == "assistant", f"createAssistant: object is {created.get('object')!r}")
    ctx.check(created.get("model") == MODEL, f"createAssistant: model {created.get('model')!r}, sent {MODEL!r}")
    ctx.check(created.get("name") == "lifecycle", "createAssistant: the name sent is not the name answered")
    path = f"/assistants/{created['id']}"
    reply = api.get(path)
    ctx.check(
        ctx.ok(reply, "getAssistant") == created, "getAssistant: the assistant read back is not the one created", reply
    )
    reply = api.post(path, {"name": "renamed", "metadata": {"scenario": "modified"}})
    modified = ctx.ok(reply, "modifyAssistant")
    ctx.check(
        modified.get("name") == "renamed" and modified.get("metadata") == {"scenario": "modified"},
        "modifyAssistant: the answer does not carry the new name and metadata",
        reply,
    )
    ctx.check(modified.get("instructions") == "Be brief.", "modifyAssistant: a field not sent was changed", reply)
    reply = api.get(path)
    ctx.check(ctx.ok(reply, "getAssistant").get("name") == "renamed", "getAssistant: the change did not stick", reply)
    reply = api.get("/assistants", limit=100, order="desc")
    listed = [a.get("id") for a in ctx.ok(reply, "listAssistants").get("data", [])]
    ctx.check(created["id"] in listed, "listAssistants: the newest assistant is not on the first page", reply)
    ctx.deleted(api.delete(path), created["id"], "assistant", "deleteAssistant")
    ctx.error(api.get(path), 404, "getAssistant after deleteAssistant")
    ctx.error(api.delete(path), 404, "deleteAssistant of a deleted assistant")


@scenario("thread_lifecycle", operations=("createThread", "getThread", "modifyThread", "deleteThread"))
def thread_lifecycle(ctx: ScenarioContext) -> None:
    """A thread is created with messages, read, modified, deleted, then gone with its messages"""
    api = ctx.api
    created = ctx.thread(messages=[{"role": "user", "content": "first"}], metadata={"scenario": "lifecycle"})
    ctx.check(created.get("object") == "thread", f"createThread: object is {created.get('object')!r}")
    path = f"/threads/{created['id']}"
    reply = api.get(path)
    ctx.check(ctx.ok(reply, "getThread") == created, "getThread: the thread read back is not the one created", reply)
    reply = api.get(f"{path}/messages")
    texts = [message_text(m) for m in ctx.ok(reply, "listMessages").get("data", [])]
    ctx.check(texts == ["first"], f"listMessages: the thread's initial messages are {texts}, sent ['first']", reply)
    reply = api.post(path, {"metadata": {"scenario": "modified"}})
    modified = ctx.ok(reply, "modifyThread")
    ctx.check(modified.get("metadata") == {"scenario": "modified"}, "modifyThread: metadata not changed", reply)
    ctx.deleted(api.delete(path), created["id"], "thread", "deleteThread")
    ctx.error(api.get(path), 404, "getThread after deleteThread")
    ctx.error(api.get(f"{path}/messages"), 404, "listMessages of a deleted thread")


@scenario("message_lifecycle", operations=("createMessage", "getMessage", "modifyMessage", "listMessages"))
def message_lifecycle(ctx: ScenarioContext) -> None:
    """A message is created, read, modified and listed in its thread"""
    api = ctx.api
    thread = ctx.thread()
    created = ctx.message(thread["id"], "hello there", metadata={"n": "1"})
    ctx.check(created.get("object") == "thread.message", f"createMessage: object is {created.get('object')!r}")
    ctx.check(created.get("thread_id") == thread["id"], "createMessage: thread_id is not the thread's")
    ctx.check(message_text(created) == "hello there", f"createMessage: content is {message_text(created)!r}")
    path = f"/threads/{thread['id']}/messages/{created['id']}"
    reply = api.get(path)
    ctx.check(ctx.ok(reply, "getMessage") == created, "getMessage: the message read back is not the one created", reply)
    reply = api.post(path, {"metadata": {"n": "2"}})
    modified = ctx.ok(reply, "modifyMessage")
    ctx.check(modified.get("metadata") == {"n": "2"}, "modifyMessage: metadata not changed", reply)
    reply = api.get(f"/threads/{thread['id']}/messages")
    ids = [m.get("id") for m in ctx.ok(reply, "listMessages").get("data", [])]
    ctx.check(ids == [created["id"]], f"listMessages: a thread with one message lists {ids}", reply)
    ctx.error(api.get(f"/threads/{thread['id']}/messages/msg_{'0' * 24}"), 404, "getMessage of an unknown id")


@scenario("message_delete", operations=("deleteMessage",), versions=("v2",))
def message_delete(ctx: ScenarioContext) -> None:
    """A deleted message (v2) is gone from get and from the list"""
    api = ctx.api
    thread = ctx.thread()
    keep = ctx.message(thread["id"], "keep")
    drop = ctx.message(thread["id"], "drop")
    path = f"/threads/{thread['id']}/messages/{drop['id']}"
    ctx.deleted(api.delete(path), drop["id"], "thread.message", "deleteMessage")
    ctx.error(api.get(path), 404, "getMessage after deleteMessage")
    reply = api.get(f"/threads/{thread['id']}/messages")
    ids = [m.get("id") for m in ctx.ok(reply, "listMessages").get("data", [])]
    ctx.check(ids == [keep["id"]], f"listMessages after deleteMessage: {ids}, expected only {keep['id']}", reply)
