"""The checks' JSON parser gives the standard library's results and errors, whatever orjson thinks."""

import json
import math

import pytest

from assistants_contract.contract._json import loads


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": [1, 2.5, null, true, "\\u00e9"]}',
        b'{"x": "\\ud800"}',  # a lone surrogate escape
        '{"a": 1}'.encode("utf-16"),  # json detects UTF-16
        b'{"a": 1, "a": 2}',
        b"  [ ]  ",
    ],
)
def test_same_value_as_json(text: bytes) -> None:
    assert loads(text) == json.loads(text)


def test_an_integer_beyond_64_bits_keeps_its_value_as_an_integral_number() -> None:
    value = loads(b"12345678901234567890123456789")
    assert value == pytest.approx(12345678901234567890123456789) and float(value).is_integer()


def test_nan_and_infinity_as_json_reads_them() -> None:
    value = loads(b"[NaN, Infinity]")
    assert math.isnan(value[0]) and value[1] == math.inf


@pytest.mark.parametrize("text", [b"{not json", b"", b'{"a": 1', b"\xff\xfe\xc3", b"[1,]"])
def test_same_error_as_json(text: bytes) -> None:
    with pytest.raises(ValueError) as ours:
        loads(text)
    with pytest.raises(ValueError) as theirs:
        json.loads(text)
    assert str(ours.value) == str(theirs.value)


def test_nesting_too_deep_to_parse_is_a_value_error_never_a_recursion_error():
    from assistants_contract.contract._json import TooDeep, loads, too_deep

    for depth in (5000, 100_000):
        with pytest.raises(TooDeep):
            loads(b"[" * depth + b"]" * depth)
    assert not too_deep(loads(b"[" * 200 + b"]" * 200))
    assert too_deep(loads(b"[" * 201 + b"]" * 201))
    assert too_deep(loads(b'{"a":' * 201 + b"1" + b"}" * 201))
