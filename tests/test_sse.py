from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_contract.contract.sse import SSEEvent, SSEParser

STREAM = (
    b'event: thread.run.created\ndata: {"id": "run_1"}\n\n'
    b": keep-alive comment\n\n"
    b'event: thread.message.delta\r\ndata: {"delta": "h\xc3\xa9llo"}\r\n\r\n'
    b"event: multi\ndata: line one\ndata: line two\nid: 7\n\n"
    b"data: no event name\n\n"
    b"event: done\ndata: [DONE]\n\n"
)
EXPECTED = [
    SSEEvent("thread.run.created", '{"id": "run_1"}'),
    SSEEvent("thread.message.delta", '{"delta": "héllo"}'),
    SSEEvent("multi", "line one\nline two", "7"),
    SSEEvent("message", "no event name", "7"),
    SSEEvent("done", "[DONE]", "7"),
]


def test_whole_body_parses_into_events():
    parser = SSEParser()
    assert parser.feed(STREAM) == EXPECTED
    assert not parser.pending


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_any_chunking_gives_the_same_events(cuts):
    parser = SSEParser()
    events = []
    bounds = [0, *sorted(cuts), len(STREAM)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        events.extend(parser.feed(STREAM[start:end]))
    assert events == EXPECTED


def test_events_come_out_as_soon_as_they_complete():
    parser = SSEParser()
    assert parser.feed(b"event: a\ndata: 1\n") == []
    assert parser.pending
    assert parser.feed(b"\n") == [SSEEvent("a", "1")]
    assert not parser.pending


def test_cut_mid_event_stays_pending():
    parser = SSEParser()
    parser.feed(b'event: thread.run.created\ndata: {"id": "ru')
    assert parser.pending


def test_lone_cr_line_endings():
    parser = SSEParser()
    assert parser.feed(b"event: a\rdata: 1\r\revent: b\rdata: 2\r\r") == [SSEEvent("a", "1")]
    assert parser.pending  # the final CR may still turn out to be half of a CRLF
    assert parser.finish() == [SSEEvent("b", "2")]
    assert not parser.pending
