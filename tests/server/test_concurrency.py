"""Many clients at once: 8 threads x 500 mixed requests against one stateful server over loopback.

Each worker has its own httpx.Client (keep-alive) and its own objects, and keeps an exact account of what
should exist: runs move only when their owner reads them, so every transition shows up in a response the
owner sees. Afterwards the store's counts must equal the sum of the accounts, no answer may be a 5xx, and
(the conftest guard) every answer must be contract-valid.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from .support import V2

WORKERS = 8
REQUESTS_PER_WORKER = 500
FUNCTION = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
TERMINAL = ("completed", "failed", "cancelled", "expired", "incomplete")


@dataclass
class ThreadAccount:
    messages: int = 0
    runs: int = 0
    steps: int = 0
    active: str | None = None  # the id of the run that locks the thread


@dataclass
class Worker:
    client: httpx.Client
    rng: random.Random
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    assistants: list[str] = field(default_factory=list)
    deleted_assistants: int = 0
    threads: dict[str, ThreadAccount] = field(default_factory=dict)
    run_status: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict | None:
        if self.sent >= REQUESTS_PER_WORKER:
            raise Done
        self.sent += 1
        response = self.client.request(method, path, headers=V2, json=body)
        self.statuses[response.status_code] += 1
        if response.status_code != expect:
            self.problems.append(f"{method} {path} -> {response.status_code} (wanted {expect}): {response.text[:200]}")
            return None
        return response.json()

    # --- accounting ------------------------------------------------------------------------------------------

    def observe(self, run: dict) -> None:
        """Count what a run's new status implies: a tool step on requires_action, a reply and its step on
        completion; unlock the thread when the run is terminal."""
        before = self.run_status.get(run["id"])
        status = run["status"]
        if status == before:
            return
        self.run_status[run["id"]] = status
        account = self.threads.get(run["thread_id"])
        if account is None:
            return
        if status == "requires_action":
            account.steps += 1
        elif status == "completed":
            account.steps += 1
            account.messages += 1
        if status in TERMINAL and account.active == run["id"]:
            account.active = None

    # --- operations ------------------------------------------------------------------------------------------

    def step(self) -> None:
        rng = self.rng
        roll = rng.random()
        if not self.assistants or roll < 0.08:
            tools = [FUNCTION] if rng.random() < 0.4 else []
            made = self.call("POST", "/assistants", {"model": "gpt-4o", "name": f"w{rng.random():.6f}", "tools": tools})
            if made:
                self.assistants.append(made["id"])
        elif not self.threads or roll < 0.16:
            made = self.call("POST", "/threads", {"messages": [{"role": "user", "content": "hi"}]})
            if made:
                self.threads[made["id"]] = ThreadAccount(messages=1)
        elif roll < 0.22:
            assistant = rng.choice(self.assistants)
            got = self.call("GET", f"/assistants/{assistant}")
            if got and got["id"] != assistant:
                self.problems.append(f"getAssistant {assistant} returned {got['id']}")
        elif roll < 0.26:
            self.call("POST", f"/assistants/{rng.choice(self.assistants)}", {"metadata": {"n": str(self.sent)}})
        elif roll < 0.30:
            page = self.call("GET", "/assistants?limit=5")
            if page is not None and len(page["data"]) > 5:
                self.problems.append("listAssistants ignored limit")
        elif roll < 0.32 and len(self.assistants) > 2:
            assistant = self.assistants.pop(rng.randrange(len(self.assistants)))
            if self.call("DELETE", f"/assistants/{assistant}"):
                self.deleted_assistants += 1
        elif roll < 0.34 and len(self.threads) > 2:
            thread_id = rng.choice(list(self.threads))
            if self.call("DELETE", f"/threads/{thread_id}"):
                del self.threads[thread_id]
        elif roll < 0.38:
            thread_id = rng.choice(list(self.threads))
            self.call("POST", f"/threads/{thread_id}", {"metadata": {"n": str(self.sent)}})
            self.call("GET", f"/threads/{thread_id}")
        elif roll < 0.55:
            thread_id, account = rng.choice(list(self.threads.items()))
            if account.active:
                self.call("POST", f"/threads/{thread_id}/messages", {"role": "user", "content": "x"}, expect=400)
            elif self.call("POST", f"/threads/{thread_id}/messages", {"role": "user", "content": f"m{self.sent}"}):
                account.messages += 1
        elif roll < 0.65:
            thread_id = rng.choice(list(self.threads))
            page = self.call("GET", f"/threads/{thread_id}/messages?limit=10&order=asc")
            if page and page["data"]:
                self.call("GET", f"/threads/{thread_id}/messages/{page['data'][0]['id']}")
        elif roll < 0.80:
            self.run_and_poll()
        elif roll < 0.88:
            thread_id = rng.choice(list(self.threads))
            page = self.call("GET", f"/threads/{thread_id}/runs")
            for run in (page or {}).get("data", []):
                self.observe(run)
        else:
            self.poll_an_active_run()

    def run_and_poll(self) -> None:
        thread_id, account = self.rng.choice(list(self.threads.items()))
        if account.active:
            self.call("POST", f"/threads/{thread_id}/runs", {"assistant_id": self.assistants[0]}, expect=400)
            return
        run = self.call("POST", f"/threads/{thread_id}/runs", {"assistant_id": self.rng.choice(self.assistants)})
        if not run:
            return
        account.runs += 1
        account.active = run["id"]
        self.observe(run)
        if self.rng.random() < 0.15:
            cancelled = self.call("POST", f"/threads/{thread_id}/runs/{run['id']}/cancel")
            if cancelled:
                self.observe(cancelled)
        if self.rng.random() < 0.7:  # else leave it active: the thread stays locked until a later poll
            self.poll(thread_id, run["id"])

    def poll_an_active_run(self) -> None:
        active = [(t, a.active) for t, a in self.threads.items() if a.active]
        if active:
            self.poll(*self.rng.choice(active))

    def poll(self, thread_id: str, run_id: str) -> None:
        for _ in range(6):
            run = self.call("GET", f"/threads/{thread_id}/runs/{run_id}")
            if not run:
                return
            self.observe(run)
            if run["status"] == "requires_action":
                calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
                outputs = [{"tool_call_id": c["id"], "output": "ok"} for c in calls]
                resumed = self.call(
                    "POST", f"/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", {"tool_outputs": outputs}
                )
                if resumed:
                    self.observe(resumed)
            elif run["status"] in TERMINAL:
                steps = self.call("GET", f"/threads/{thread_id}/runs/{run_id}/steps")
                if steps is not None and len(steps["data"]) > 2:
                    self.problems.append(f"run {run_id} has {len(steps['data'])} steps")
                return


class Done(Exception):
    pass


def test_eight_clients_at_once(fresh_server):
    before = fresh_server.store.snapshot()
    assert before == {"assistants": 0, "threads": 0, "messages": 0, "runs": 0, "steps": 0}
    workers: list[Worker] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(seed: int) -> None:
        with httpx.Client(base_url=fresh_server.url, timeout=30) as client:
            worker = Worker(client, random.Random(seed))
            workers.append(worker)
            start.wait()
            try:
                while True:
                    worker.step()
            except Done:
                pass
            except BaseException as e:  # reported below, with the worker's seed
                errors.append(e)

    began = time.monotonic()
    threads = [threading.Thread(target=work, args=(seed,), name=f"client-{seed}") for seed in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.monotonic() - began
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert errors == []
    assert elapsed < 90, f"{WORKERS * REQUESTS_PER_WORKER} requests took {elapsed:.1f} s"

    statuses = sum((w.statuses for w in workers), Counter())
    assert sum(statuses.values()) == WORKERS * REQUESTS_PER_WORKER
    assert all(status < 500 for status in statuses), statuses
    assert [p for w in workers for p in w.problems] == []
    assert statuses[400] > 0, "the mix should have hit the thread lock at least once"

    expected = {
        "assistants": sum(len(w.assistants) for w in workers),
        "threads": sum(len(w.threads) for w in workers),
        "messages": sum(a.messages for w in workers for a in w.threads.values()),
        "runs": sum(a.runs for w in workers for a in w.threads.values()),
        "steps": sum(a.steps for w in workers for a in w.threads.values()),
    }
    assert fresh_server.store.snapshot() == expected
    assert sum(w.deleted_assistants for w in workers) > 0 and expected["runs"] > 0
