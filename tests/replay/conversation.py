"""The client under test in the cassette tests: an openai SDK conversation (assistant, thread, message, run
polled to the end, the thread's messages). The tests record it against the reference server and copy this
file beside the inner pytest's tests, which replay it."""

from typing import Any

BASE_URL = "http://localhost:9/v1"  # nothing listens there: a replay that reached the network would fail
API_KEY = "sk-replay-0123456789abcdefghijklmn"


def client(base_url: str = BASE_URL) -> Any:
    import openai

    return openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=10)


def conversation(sdk: Any) -> dict[str, Any]:
    """Talk to an assistant; what came back, as plain data to compare between recording and replay."""
    assistant = sdk.beta.assistants.create(model="gpt-4o", name="helper", instructions="Answer briefly.")
    thread = sdk.beta.threads.create(metadata={"case": "replay"})
    sdk.beta.threads.messages.create(thread.id, role="user", content="What is 2 + 2?")
    run = sdk.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=10)
    messages = sdk.beta.threads.messages.list(thread.id, order="asc")
    return {
        "assistant": assistant.id,
        "run": [run.id, run.status],
        "messages": [[m.role, m.content[0].text.value] for m in messages.data],
    }
