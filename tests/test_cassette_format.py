"""The cassette writer's own YAML: whatever it writes, YAML loaders (libyaml, as vcrpy uses it, and pure-Python
PyYAML) read back exactly, and vcrpy loads the result as a cassette."""

import vcr.serializers.yamlserializer
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from vcr.serialize import deserialize

from assistants_contract.record.cassette import serialize_interaction

LOADERS = [getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader]
# Every code point but the surrogates, which no decoded body holds (see test_surrogates_are_replaced).
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=200)
SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | ANY_TEXT | st.binary(max_size=64)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)


def load(text: bytes, loader) -> object:
    return yaml.load(text, Loader=loader)  # noqa: S506 - the safe loaders


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(ANY_TEXT, VALUES, min_size=1, max_size=5))
def test_any_record_reads_back_exactly(record: dict) -> None:
    text = serialize_interaction(record)
    for loader in LOADERS:
        assert load(text, loader) == [record]


def test_tricky_strings_and_keys() -> None:
    record = {
        "yes": "no",
        "null": None,
        "On": "~",
        "a key: with colon": "#not a comment",
        "": "",
        "line breaks": "a\nb\r\nc\x85d\u2028e\u2029f",
        "controls": "\x00\x07\x1b\x7f\x9f\ufeff\ufffe\uffff",
        "quotes": "'\"\\ and \\u0041 stays literal",
        "indent": "   leading and trailing   ",
        "emoji": "\U0001f600 \u00e9",
        "list": [[], {}, [1, [2, {"x": [None]}]], {"k": {"j": []}}],
        "binary": b"\xff\xfe\x00 not utf-8",
    }
    for loader in LOADERS:
        assert load(serialize_interaction(record), loader) == [record]


def test_surrogates_are_replaced_so_the_file_stays_loadable() -> None:
    # mitmproxy keeps undecodable header bytes as lone surrogates; libyaml refuses those even escaped.
    text = serialize_interaction({"h": "caf\udce9"})
    for loader in LOADERS:
        assert load(text, loader) == [{"h": "caf\ufffd"}]


def test_vcrpy_loads_a_cassette_of_serialized_interactions() -> None:
    def interaction(i: int, body: str | bytes) -> dict:
        return {
            "request": {"body": None, "headers": {"host": ["x"]}, "method": "GET", "uri": f"https://x/v1/a/{i}"},
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"content-type": ["application/json"]},
                "body": {"string": body},
            },
            "assistants_contract": {"version": "v2", "operation_id": None, "violations": []},
        }

    text = b"version: 1\ninteractions:\n" + serialize_interaction(interaction(1, '{"a": "\u2028"}'))
    text += serialize_interaction(interaction(2, b"\x00\xff"))
    requests, responses = deserialize(text.decode(), vcr.serializers.yamlserializer)
    assert [r.uri for r in requests] == ["https://x/v1/a/1", "https://x/v1/a/2"]
    assert [r["body"]["string"] for r in responses] == ['{"a": "\u2028"}'.encode(), b"\x00\xff"]


def test_lines_are_ascii_and_long_keys_still_load() -> None:
    record = {"k" * 3000: "\U0001f600 é \u2028", "short": ["ü"]}
    line = serialize_interaction(record)
    assert line.isascii() and line.count(b"\n") == 1 and line.startswith(b"- {")
    for loader in LOADERS:
        assert load(line, loader) == [record]


def _interaction(i: int) -> dict:
    return {
        "request": {"body": "", "headers": {}, "method": "GET", "uri": f"https://x/v1/assistants/asst_{i}"},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "é" * i}},
    }


def test_whatever_a_kill_leaves_of_an_append_loads() -> None:
    # What CassetteFile does: the file starts with one interaction; a batch of three is appended as comment lines,
    # then each line's first byte becomes '-'. A kill can stop it after any byte of the append or any flip.
    start = b"version: 1\ninteractions:\n" + serialize_interaction(_interaction(0))
    lines = [serialize_interaction(_interaction(i)) for i in (1, 2, 3)]
    appended = b"".join(b"#" + line[1:] for line in lines)
    states = [(start + appended[:cut], 1) for cut in range(len(appended) + 1)]
    flipped = bytearray(start + appended)
    offset = len(start)
    for n, line in enumerate(lines, start=2):
        flipped[offset] = ord("-")
        offset += len(line)
        states.append((bytes(flipped), n))
    for content, interactions in states:
        requests, _ = deserialize(content.decode(), vcr.serializers.yamlserializer)
        assert [r.uri for r in requests] == [f"https://x/v1/assistants/asst_{i}" for i in range(interactions)]


def test_cassette_file_appends_and_vcrpy_loads_every_interaction(tmp_path) -> None:
    from assistants_contract.record.cassette import CassetteFile

    cassette = CassetteFile(tmp_path / "c.yaml")
    for i in range(50):
        cassette.add(_interaction(i))
    cassette.close()
    text = (tmp_path / "c.yaml").read_text()
    assert "\n#" not in text  # every line committed
    requests, responses = deserialize(text, vcr.serializers.yamlserializer)
    assert len(requests) == cassette.count == 50
    assert responses[7]["body"]["string"] == ("é" * 7).encode()
