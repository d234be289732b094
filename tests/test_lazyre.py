"""LazyPattern: the same answers as the compiled pattern, compiled once, on first use."""

from __future__ import annotations

import re

import pytest

from oomcfg.lazyre import LazyPattern

PATTERN = r"([a-z]+)=([0-9]+)"
TEXTS = ["a=1", "x a=1 b=22", "a=", "=1", "", "ab=12cd=3", "A=1"]


@pytest.mark.parametrize("text", TEXTS)
def test_every_method_answers_as_the_compiled_pattern(text: str) -> None:
    lazy, real = LazyPattern(PATTERN), re.compile(PATTERN)
    for method in ("match", "fullmatch", "search"):
        got, want = getattr(lazy, method)(text), getattr(real, method)(text)
        assert (method, got and got.groups()) == (method, want and want.groups())
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.findall(text) == real.findall(text)
    assert lazy.sub("<\\2>", text) == real.sub("<\\2>", text)
    assert lazy.sub(lambda m: m.group(1).upper(), text, 1) == real.sub(
        lambda m: m.group(1).upper(), text, 1
    )


def test_positions_and_flags_are_passed_on() -> None:
    lazy = LazyPattern("^b", re.MULTILINE)
    assert lazy.search("a\nb") is not None
    assert LazyPattern("^b").search("a\nb") is None
    plain = LazyPattern("b")
    assert (plain.match("xxb", 2), plain.match("xxb", 1)) != (None, None)
    assert plain.match("xxb", 1) is None
    assert plain.fullmatch("bb", 0, 1) is not None
    assert plain.search("xxb", 0, 2) is None
    assert lazy.pattern == "^b"
    assert lazy.flags == re.MULTILINE


def test_compiles_on_first_use_only_and_once() -> None:
    lazy = LazyPattern("[0-9]+")
    assert not lazy.is_compiled
    assert repr(lazy) == "LazyPattern('[0-9]+', 0)"
    first = lazy.compiled()
    assert lazy.is_compiled
    assert lazy.fullmatch("12") is not None
    assert lazy.compiled() is first


def test_a_bad_pattern_fails_when_used() -> None:
    lazy = LazyPattern("(")
    with pytest.raises(re.error):
        lazy.search("x")
