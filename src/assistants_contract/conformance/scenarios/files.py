"""v1 assistant files and message files.

In v1 a file is attached to an assistant (`/assistants/{id}/files`, and the assistant's `file_ids`) or to a
message (`file_ids` on create, then `/threads/{id}/messages/{id}/files`). The attachment objects carry the
file's own id (`file-...`), so the id asked for is the id answered; the assistant's `file_ids` and the files
listed must agree, and a detached or unknown file answers 404.

The file ids used look like uploaded files' (`file-` and 24 letters and digits). A server that checks them
against its uploads (the real API does) refuses them with 404 or 400; these scenarios are for servers that
take any well-formed file id, as the reference server does.
"""

from __future__ import annotations

from typing import Any

from .base import ScenarioContext, scenario
from .client import Reply
from .runs import unknown_id


def _file_id() -> str:
    return unknown_id("file-")


def _listed(ctx: ScenarioContext, path: str, what: str, **query: Any) -> tuple[Reply, list[dict[str, Any]]]:
    """One page holding the whole list (has_more false), with first_id/last_id its first and last items."""
    reply = ctx.api.get(path, **query)
    page = ctx.ok(reply, what)
    data = page.get("data") or []
    ids = [item.get("id") for item in data]
    ctx.check(page.get("has_more") is False, f"{what}: has_more is not false on a list of {len(ids)} files", reply)
    if ids:
        ctx.check(
            page.get("first_id") == ids[0] and page.get("last_id") == ids[-1],
            f"{what}: first_id/last_id are {page.get('first_id')}/{page.get('last_id')}, the items {ids[0]}/{ids[-1]}",
            reply,
        )
    return reply, data


@scenario(
    "assistant_files",
    operations=(
        "createAssistantFile",
        "getAssistantFile",
        "listAssistantFiles",
        "deleteAssistantFile",
        "getAssistant",
    ),
    versions=("v1",),
)
def assistant_files(ctx: ScenarioContext) -> None:
    """Files attached to an assistant are read, listed in order, agree with its file_ids, and detach to 404"""
    api = ctx.api
    first = _file_id()
    assistant = ctx.assistant(name="with files", tools=[{"type": "retrieval"}], file_ids=[first])
    base = f"/assistants/{assistant['id']}/files"
    attached = [first]
    for _ in range(3):
        file_id = _file_id()
        reply = api.post(base, {"file_id": file_id})
        made = ctx.ok(reply, "createAssistantFile")
        ctx.check(
            made.get("id") == file_id and made.get("object") == "assistant.file",
            f"createAssistantFile: attached {file_id}, answered {made.get('object')!r} {made.get('id')!r}",
            reply,
        )
        ctx.check(
            made.get("assistant_id") == assistant["id"],
            f"createAssistantFile: assistant_id {made.get('assistant_id')!r}, attached to {assistant['id']}",
            reply,
        )
        reply = api.get(f"{base}/{file_id}")
        ctx.check(ctx.ok(reply, "getAssistantFile") == made, "getAssistantFile: not the file just attached", reply)
        attached.append(file_id)

    reply = api.get(f"/assistants/{assistant['id']}")
    file_ids = ctx.ok(reply, "getAssistant").get("file_ids")
    ctx.check(
        sorted(file_ids or []) == sorted(attached),
        f"getAssistant: file_ids {file_ids} are not the files attached {attached}",
        reply,
    )
    reply, ascending = _listed(ctx, base, "listAssistantFiles order=asc", order="asc")
    ctx.check(
        [f.get("id") for f in ascending] == attached,
        f"listAssistantFiles order=asc: {[f.get('id') for f in ascending]}; expected the files in the order"
        f" attached {attached}",
        reply,
    )
    ctx.check(
        all(f.get("assistant_id") == assistant["id"] for f in ascending),
        "listAssistantFiles: a listed file names another assistant",
        reply,
    )
    reply, descending = _listed(ctx, base, "listAssistantFiles order=desc", order="desc")
    ctx.check(
        [f.get("id") for f in descending] == attached[::-1],
        f"listAssistantFiles order=desc: {[f.get('id') for f in descending]}; expected {attached[::-1]}",
        reply,
    )
    seen: list[str] = []
    query: dict[str, Any] = {"limit": 1, "order": "asc"}
    for _ in range(len(attached) + 1):
        reply = api.get(base, **query)
        page = ctx.ok(reply, "listAssistantFiles limit=1")
        seen += [f.get("id") for f in page.get("data") or []]
        if not page.get("has_more"):
            break
        query["after"] = page.get("last_id")
    ctx.check(
        seen == attached,
        f"listAssistantFiles limit=1 after=last_id: the walk saw {seen}; expected {attached}",
        reply,
    )

    gone = attached[1]
    ctx.deleted(api.delete(f"{base}/{gone}"), gone, "assistant.file", "deleteAssistantFile")
    ctx.error(api.get(f"{base}/{gone}"), 404, "getAssistantFile after deleteAssistantFile")
    ctx.error(api.delete(f"{base}/{gone}"), 404, "deleteAssistantFile of a detached file")
    reply, remaining = _listed(ctx, base, "listAssistantFiles after a delete", order="asc")
    left = [f.get("id") for f in remaining]
    ctx.check(left == [f for f in attached if f != gone], f"listAssistantFiles: after detaching {gone}: {left}", reply)
    reply = api.get(f"/assistants/{assistant['id']}")
    file_ids = ctx.ok(reply, "getAssistant").get("file_ids") or []
    ctx.check(gone not in file_ids, f"getAssistant: file_ids still hold the detached {gone}", reply)
    ctx.error(api.get(f"{base}/{_file_id()}"), 404, "getAssistantFile of a file never attached")
    ctx.error(api.get(f"/assistants/{unknown_id('asst_')}/files"), 404, "listAssistantFiles of an unknown assistant")
    ctx.error(api.get(f"{base}/file_{first[5:]}"), 400, "getAssistantFile with an id that is not file-...")


@scenario("message_files", operations=("createMessage", "listMessageFiles", "getMessageFile"), versions=("v1",))
def message_files(ctx: ScenarioContext) -> None:
    """Files sent with a message are listed and read back as its files, and no others"""
    api = ctx.api
    thread = ctx.thread()
    sent = [_file_id(), _file_id()]
    message = ctx.message(thread["id"], "See the attached files.", file_ids=sent)
    ctx.check(
        message.get("file_ids") == sent,
        f"createMessage: file_ids {message.get('file_ids')}, sent {sent}",
        operation="createMessage",
    )
    base = f"/threads/{thread['id']}/messages/{message['id']}/files"
    listing, ascending = _listed(ctx, base, "listMessageFiles order=asc", order="asc")
    ids = [f.get("id") for f in ascending]
    ctx.check(sorted(ids) == sorted(sent), f"listMessageFiles: lists {ids}, the message was sent with {sent}", listing)
    for listed in ascending:
        ctx.check(
            listed.get("object") == "thread.message.file" and listed.get("message_id") == message["id"],
            f"listMessageFiles: a file listed is {listed.get('object')!r} of message {listed.get('message_id')!r}",
            listing,
        )
    reply, descending = _listed(ctx, base, "listMessageFiles order=desc", order="desc")
    ctx.check(
        [f.get("id") for f in descending] == ids[::-1],
        f"listMessageFiles: order=desc {[f.get('id') for f in descending]} is not order=asc {ids} reversed",
        reply,
    )
    for listed in ascending:
        reply = api.get(f"{base}/{listed['id']}")
        ctx.check(
            ctx.ok(reply, "getMessageFile") == listed,
            f"getMessageFile: file {listed['id']} read is not the file listed",
            reply,
        )
    ctx.error(api.get(f"{base}/{_file_id()}"), 404, "getMessageFile of a file not on the message")
    plain = ctx.message(thread["id"], "No files here.")
    reply, files = _listed(ctx, f"/threads/{thread['id']}/messages/{plain['id']}/files", "listMessageFiles, no files")
    ctx.check(files == [], f"listMessageFiles: a message sent without files lists {len(files)}", reply)
    reply = api.get(f"/threads/{thread['id']}/messages/{plain['id']}/files/{sent[0]}")
    ctx.error(reply, 404, "getMessageFile of another message's file")
