"""The reference server's deterministic mode (`create_app(seed=...)`, `serve --seed`)."""

from __future__ import annotations

import httpx

from assistants_contract.server import create_app
from assistants_contract.server.threaded import serve_in_thread

V2 = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-test"}


def _conversation(seed: int | None, server_headers: bool = False) -> list[tuple[int, dict[str, str], bytes]]:
    app = create_app(seed=seed)
    with serve_in_thread(app, server_headers=server_headers) as root, httpx.Client(base_url=root, headers=V2) as http:
        answers = [http.post("/v1/assistants", json={"model": "gpt-4o"})]
        answers.append(http.get("/v1/not-a-path"))  # an undocumented path: the clock does not move for it
        thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "hi"}]})
        answers.append(thread)
        run = {"assistant_id": answers[0].json()["id"], "stream": True}
        answers.append(http.post(f"/v1/threads/{thread.json()['id']}/runs", json=run))
    return [(a.status_code, dict(a.headers), a.content) for a in answers]


def test_the_same_seed_gives_the_same_bytes():
    first, second = _conversation(7), _conversation(7)
    assert first == second
    assert "date" not in first[0][1] and "server" not in first[0][1]
    assistant, thread = httpx.Response(200, content=first[0][2]).json(), httpx.Response(200, content=first[2][2]).json()
    assert assistant["id"].startswith("asst_") and len(assistant["id"]) == len("asst_") + 24
    assert thread["created_at"] == assistant["created_at"] + 1  # one second a documented request


def test_another_seed_or_none_gives_other_ids():
    ids = {httpx.Response(200, content=_conversation(seed)[0][2]).json()["id"] for seed in (7, 8)}
    assert len(ids) == 2
    unseeded = _conversation(None, server_headers=True)
    assert "date" in unseeded[0][1]
    assert unseeded[0][1]["x-request-id"] != _conversation(None)[0][1]["x-request-id"]
