"""Speed of the checking core. Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/bench_core.py [--quick]

Measures: load + compile of both contracts; body checks per second (schema only, the object already parsed)
and full exchange checks per second (routing, headers, JSON parsing, schema) for a typical run object and a
100-item message list; and the cost of feeding a streamed run through the incremental stream checker.
Targets from the contract/core issue: load + compile <= 0.5 s; >= 100,000 body checks/s for the run object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import timeit

from assistants_contract import Contract, Exchange, Headers, Request, Response

NOW = 1731000000
REQ_HEADERS = Headers({"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-bench"})
JSON_HEADERS = Headers({"Content-Type": "application/json"})

RUN = {
    "id": "run_KfVG8fSJg882VHYeewFQ2BHk",
    "object": "thread.run",
    "created_at": NOW,
    "assistant_id": "asst_abc123abc123abc123abc123",
    "thread_id": "thread_jD1dj44APTovq48PCBZACOGV",
    "status": "completed",
    "started_at": NOW + 1,
    "expires_at": None,
    "cancelled_at": None,
    "failed_at": None,
    "completed_at": NOW + 9,
    "required_action": None,
    "last_error": None,
    "model": "gpt-4o",
    "instructions": "You are a helpful assistant that answers with short sentences.",
    "tools": [
        {"type": "code_interpreter"},
        {"type": "file_search", "file_search": {"max_num_results": 20}},
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                "strict": False,
            },
        },
    ],
    "metadata": {"user": "u_123", "session": "s_456"},
    "incomplete_details": None,
    "usage": {"prompt_tokens": 512, "completion_tokens": 128, "total_tokens": 640},
    "temperature": 1.0,
    "top_p": 1.0,
    "max_prompt_tokens": None,
    "max_completion_tokens": None,
    "truncation_strategy": {"type": "auto", "last_messages": None},
    "response_format": "auto",
    "tool_choice": "auto",
    "parallel_tool_calls": True,
}


def message(i: int) -> dict:
    return {
        "id": f"msg_{i:024d}",
        "object": "thread.message",
        "created_at": NOW + i,
        "assistant_id": "asst_abc123abc123abc123abc123" if i % 2 else None,
        "thread_id": "thread_jD1dj44APTovq48PCBZACOGV",
        "run_id": "run_KfVG8fSJg882VHYeewFQ2BHk" if i % 2 else None,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": NOW + i,
        "incomplete_at": None,
        "role": "assistant" if i % 2 else "user",
        "content": [
            {
                "type": "text",
                "text": {
                    "value": f"Message number {i} with a little text in it.",
                    "annotations": [],
                },
            }
        ],
        "attachments": [],
        "metadata": {},
    }


MESSAGES = {
    "object": "list",
    "data": [message(i) for i in range(100)],
    "first_id": message(0)["id"],
    "last_id": message(99)["id"],
    "has_more": True,
}


def rate(func, repeat: int = 5) -> float:
    """Median calls per second over `repeat` runs, each at least 0.2 s long."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    return statistics.median(number / timer.timeit(number) for _ in range(repeat))


def stream_bytes() -> bytes:
    events = [("thread.run.created", {**RUN, "status": "queued", "completed_at": None, "usage": None})]
    for i in range(50):
        delta = {
            "id": "msg_1",
            "object": "thread.message.delta",
            "delta": {"content": [{"index": 0, "type": "text", "text": {"value": f"tok{i} "}}]},
        }
        events.append(("thread.message.delta", delta))
    events.append(("thread.run.completed", RUN))
    body = b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)
    return body + b"event: done\ndata: [DONE]\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Speed of the checking core; prints numbers.")
    parser.add_argument("--quick", action="store_true", help="the smallest size: a smoke run, its numbers mean nothing")
    repeat = 1 if parser.parse_args().quick else 5
    loads = []
    for _ in range(repeat):
        started = time.perf_counter()
        contract = Contract.load()
        loads.append(time.perf_counter() - started)
    print(
        f"load + compile both contracts: median {statistics.median(loads) * 1000:.0f} ms, "
        f"min {min(loads) * 1000:.0f} ms ({repeat} runs; target <= 500 ms)"
    )

    v2 = contract.documents["v2"]
    run_key = v2.operations["getRun"].response_media(200)["application/json"]
    list_key = v2.operations["listMessages"].response_media(200)["application/json"]
    assert v2.schemas.check(run_key, RUN, closed=False) == []
    assert v2.schemas.check(list_key, MESSAGES, closed=False) == []

    print(
        f"body check, run object:          {rate(lambda: v2.schemas.check(run_key, RUN, closed=False), repeat):>10,.0f}"
        " /s"
        "  (target >= 100,000)"
    )
    list_rate = rate(lambda: v2.schemas.check(list_key, MESSAGES, closed=False), repeat)
    print(f"body check, 100-message list:    {list_rate:>10,.0f} /s")

    run_exchange = Exchange(
        Request("GET", "https://api.openai.com/v1/threads/thread_1/runs/run_1", REQ_HEADERS),
        Response(200, JSON_HEADERS, json.dumps(RUN).encode()),
    )
    list_exchange = Exchange(
        Request("GET", "https://api.openai.com/v1/threads/thread_1/messages?limit=100&order=asc", REQ_HEADERS),
        Response(200, JSON_HEADERS, json.dumps(MESSAGES).encode()),
    )
    assert contract.check(run_exchange).violations == []
    assert contract.check(list_exchange).violations == []
    print(
        f"full exchange check, run object: {rate(lambda: contract.check(run_exchange), repeat):>10,.0f} /s"
        f"  ({len(run_exchange.response.body):,} bytes)"
    )
    print(
        f"full exchange check, 100 list:   {rate(lambda: contract.check(list_exchange), repeat):>10,.0f} /s"
        f"  ({len(list_exchange.response.body):,} bytes)"
    )

    body = stream_bytes()
    request = Request(
        "POST",
        "https://api.openai.com/v1/threads/thread_1/runs",
        Headers({**REQ_HEADERS, "Content-Type": "application/json"}),
        b'{"assistant_id": "asst_1", "stream": true}',
    )
    match = contract.match(request)

    def feed_stream() -> None:
        stream = contract.stream_check(match)
        for start in range(0, len(body), 512):
            if stream.feed(body[start : start + 512]):
                raise AssertionError("the benchmark stream should be valid")
        if stream.finish():
            raise AssertionError("the benchmark stream should be complete")

    per_second = rate(feed_stream, repeat)
    print(
        f"stream check, 53 events in 512-byte chunks: {per_second:,.0f} streams/s "
        f"= {per_second * 53:,.0f} events/s ({len(body):,} bytes per stream)"
    )


if __name__ == "__main__":
    main()
