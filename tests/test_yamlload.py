"""Spec for the strict YAML reader: every bad input is a diagnostic at its position.

Helpers follow yamllint's tests: ``problems(src)`` is the list of
``(code, line, col)`` a source produces, so each case states exactly where
the reader must point.
"""

from __future__ import annotations

import math
import os
import random
from pathlib import Path
from typing import NoReturn

import pytest

from oomcfg import yamlevents
from oomcfg.yamlload import (
    CODES,
    MAX_BYTES,
    MAX_DEPTH,
    YMap,
    YScalar,
    YSeq,
    load_yaml,
    load_yaml_file,
    to_python,
)


def problems(src: str | bytes) -> list[tuple[str, int, int]]:
    """(code, line, col) of every diagnostic for ``src``."""
    data = src.encode() if isinstance(src, str) else src
    _, diags = load_yaml(data, "p.yaml")
    return [(d.code, d.pos.line, d.pos.col) for d in diags if d.pos is not None]


def messages(src: str | bytes) -> list[str]:
    """The formatted diagnostics for ``src``."""
    data = src.encode() if isinstance(src, str) else src
    return [d.format() for d in load_yaml(data, "p.yaml")[1]]


def value(src: str) -> object:
    """The plain Python value of a clean document."""
    node, diags = load_yaml(src.encode(), "p.yaml")
    assert diags == []
    assert node is not None
    return to_python(node)


def scalar(text: str) -> YScalar:
    """The YScalar for ``v: <text>``."""
    node, diags = load_yaml(f"v: {text}\n".encode(), "p.yaml")
    assert diags == []
    assert isinstance(node, YMap)
    found = node.get("v")
    assert isinstance(found, YScalar)
    return found


# --- core schema resolution (YAML 1.2.2, 10.3.2) -------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no", "no"),
        ("on", "on"),
        ("yes", "yes"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("1:20", "1:20"),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("0x", "0x"),
        ("512M", "512M"),
        ("60%", "60%"),
        ("infinity", "infinity"),
        ("0o17", 15),
        ("0x10", 16),
        ("0xFf", 255),
        ("0644", 644),
        ("0100", 100),
        ("-0900", -900),
        ("+5", 5),
        ("-500", -500),
        ("1e2", 100.0),
        ("-500.0", -500.0),
        ("1.", 1.0),
        (".5", 0.5),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("+.INF", math.inf),
    ],
)
def test_plain_scalars_resolve_by_the_core_schema(text: str, expected: object) -> None:
    node = scalar(text)
    assert node.value == expected
    assert type(node.value) is type(expected)
    assert node.text == text
    assert node.quoted is False


def test_nan_resolves_to_a_float_nan() -> None:
    got = scalar(".NaN").value
    assert isinstance(got, float)
    assert math.isnan(got)


@pytest.mark.parametrize("text", ['"100"', "'true'", '"~"', "'0x10'", '""'])
def test_quoted_scalars_are_strings(text: str) -> None:
    node = scalar(text)
    assert node.value == text[1:-1]
    assert node.quoted is True


def test_block_scalars_are_quoted_strings() -> None:
    node, diags = load_yaml(b"a: |\n  12\nb: >\n  true\n", "p.yaml")
    assert diags == []
    assert isinstance(node, YMap)
    assert node.get("a") == YScalar("12\n", "12\n", True, 1, 4)
    assert node.get("b") == YScalar("true\n", "true\n", True, 3, 4)


def test_empty_value_is_null_with_empty_text() -> None:
    node, _ = load_yaml(b"a:\nb: 1\n", "p.yaml")
    assert isinstance(node, YMap)
    assert node.get("a") == YScalar(None, "", False, 1, 3)


# --- tree shape and positions --------------------------------------------------------


def test_nested_keys_carry_their_own_positions() -> None:
    src = "services:\n  web.service:\n    memory:\n      max: 512M\n"
    node, diags = load_yaml(src.encode(), "p.yaml")
    assert diags == []
    assert isinstance(node, YMap)
    services = node.get("services")
    assert isinstance(services, YMap)
    ((key, web),) = services.items
    assert (key.text, key.line, key.col) == ("web.service", 2, 3)
    assert isinstance(web, YMap)
    memory = web.get("memory")
    assert isinstance(memory, YMap)
    ((max_key, max_value),) = memory.items
    assert (max_key.line, max_key.col) == (4, 7)
    assert max_value == YScalar("512M", "512M", False, 4, 12)


def test_keys_keep_file_order() -> None:
    assert list(value("b: 1\na: 2\nc: 3\n")) == ["b", "a", "c"]  # type: ignore[call-overload]


def test_sequence_positions_point_at_dash_or_bracket() -> None:
    node, _ = load_yaml(b"a:\n  - x\n  - [y, z]\n", "p.yaml")
    assert isinstance(node, YMap)
    seq = node.get("a")
    assert isinstance(seq, YSeq)
    assert (seq.line, seq.col) == (2, 3)
    inner = seq.items[1]
    assert isinstance(inner, YSeq)
    assert (inner.line, inner.col) == (3, 5)
    assert to_python(inner) == ["y", "z"]


def test_get_returns_none_for_a_missing_key() -> None:
    node, _ = load_yaml(b"a: 1\n", "p.yaml")
    assert isinstance(node, YMap)
    assert node.get("b") is None


@pytest.mark.parametrize("src", ["", "# only a comment\n# and another\n", "---\n", "\n\n"])
def test_empty_documents_load_as_none_without_diagnostics(src: str) -> None:
    assert load_yaml(src.encode(), "p.yaml") == (None, [])


def test_top_level_scalar_and_sequence_are_returned_as_such() -> None:
    assert load_yaml(b"hello\n", "p.yaml") == (YScalar("hello", "hello", False, 1, 1), [])
    node, diags = load_yaml(b"- 1\n- two\n", "p.yaml")
    assert diags == []
    assert to_python(node) == [1, "two"]  # type: ignore[arg-type]


# --- bytes ---------------------------------------------------------------------------


def _must_not_parse(data: bytes) -> NoReturn:
    raise AssertionError("the parser ran")


def test_file_over_the_size_cap_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"a: [" + b"x, " * (MAX_BYTES // 3) + b"]\n"
    monkeypatch.setattr(yamlevents, "_events", _must_not_parse)
    node, diags = load_yaml(data, "p.yaml")
    assert node is None
    assert [(d.code, str(d.pos)) for d in diags] == [("OC001", "p.yaml")]
    assert f"{MAX_BYTES} bytes" in diags[0].message


def test_two_mib_profile_parses_within_the_cap() -> None:
    """A fleet profile passes 1 MiB easily; MAX_BYTES must leave room for it."""
    line = b"  svc-%06d.service:\n    description: " + b"x" * 200 + b"\n"
    count = ((2 << 20) - 10) // len(line % 0)
    data = b"services:\n" + b"".join(line % i for i in range(count))
    assert 2 << 20 >= len(data) > (2 << 20) - 300
    node, diags = load_yaml(data, "p.yaml")
    assert diags == []
    assert isinstance(node, YMap)
    services = node.get("services")
    assert isinstance(services, YMap)
    assert len(services.items) == count


def test_invalid_utf8_points_at_the_bad_byte() -> None:
    assert problems(b"a: 1\nb: caf\xe9 x\nc: \xff\n") == [("OC002", 2, 7), ("OC002", 3, 4)]
    assert "invalid UTF-8 byte 0xe9" in messages(b"b: caf\xe9\n")[0]


@pytest.mark.parametrize("src", ["a" * 1100 + ": 1\n", "x:\n  '" + "a" * 1100 + "': 1\n",
                                 "{" + "a" * 1100 + ": 1}\n"])
def test_a_key_over_yamls_1024_character_limit_is_named_as_such(src: str) -> None:
    """libyaml only says 'mapping values are not allowed' far along a long line."""
    (message,) = messages(src)
    assert message.endswith("(a mapping key is limited to 1024 characters (YAML 1.2.2, "
                            "section 7.4); use a shorter name)")


def test_a_tab_used_for_indentation_is_named() -> None:
    """libyaml says 'found character that cannot start any token'; the character is a tab."""
    assert messages("a:\n\tb: 1\n") == [
        "p.yaml:2:1: error[OC004]: found character that cannot start any token (while "
        "scanning for the next token at line 2, column 1) (it is a tab: YAML indents with "
        "spaces only)"]


def test_bad_utf8_does_not_hide_a_bom_or_control_characters() -> None:
    """Every byte-level problem in one run: the BOM, the NUL and the bad byte."""
    assert problems(b"\xef\xbb\xbfa: 1\nb: x\x00y\nc: \xff\n") == [
        ("OC002", 1, 1), ("OC003", 2, 5), ("OC002", 3, 4)]


def test_utf16_file_is_not_utf8() -> None:
    assert problems("a: 1\n".encode("utf-16"))[0] == ("OC002", 1, 1)


def test_column_counts_characters_not_bytes() -> None:
    assert problems("é: ü\x01\n") == [("OC003", 1, 5)]


def test_bom_is_rejected_but_the_rest_is_still_checked() -> None:
    assert problems(b"\xef\xbb\xbfa: 1\na: 2\n") == [("OC002", 1, 1), ("OC005", 2, 1)]


@pytest.mark.parametrize(
    ("src", "char"),
    [(b"a: x\x00y\n", "U+0000"), (b"a: \x1b[31m\n", "U+001B"), (b"a: \x7f\n", "U+007F"),
     ("a: \u00a0\u0086\n".encode(), "U+0086")],
)  # fmt: skip
def test_control_characters_are_reported_with_position(src: bytes, char: str) -> None:
    ((code, line, _),) = problems(src)
    assert (code, line) == ("OC003", 1)
    assert char in messages(src)[0]


def test_every_control_character_is_reported() -> None:
    assert problems(b"a: \x00\nb: ok\nc: \x01\x02\n") == [
        ("OC003", 1, 4),
        ("OC003", 3, 4),
        ("OC003", 3, 5),
    ]


def test_nel_is_a_line_break_not_a_control_character() -> None:
    assert value("a: 1\u0085b: 2\n") == {"a": 1, "b": 2}


def test_tab_and_crlf_are_allowed() -> None:
    assert value("a: x\ty\r\nb: 2\r\n") == {"a": "x\ty", "b": 2}


# --- YAML structure ------------------------------------------------------------------


def test_syntax_error_is_reported_at_libyamls_mark() -> None:
    assert problems("a: 1\nb: [1, 2\nc: 3\n") == [("OC004", 3, 2)]
    assert problems("a: b: c\n") == [("OC004", 1, 5)]
    assert "mapping values are not allowed" in messages("a: b: c\n")[0]


def test_syntax_error_keeps_earlier_findings() -> None:
    node, diags = load_yaml(b"a: &x 1\nb: [\n", "p.yaml")
    assert node is None
    assert [d.code for d in diags] == ["OC006", "OC004"]


def test_tab_indentation_is_a_syntax_error() -> None:
    assert problems("a:\n\tb: 1\n")[0][0] == "OC004"


def test_duplicate_keys_name_both_lines_at_every_level() -> None:
    src = "a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\na: 4\n"
    assert problems(src) == [("OC005", 5, 3), ("OC005", 6, 1)]
    assert messages(src) == [
        "p.yaml:5:3: error[OC005]: duplicate key 'x' (first at line 3)"
        " (YAML keeps only one of them; remove or rename one)",
        "p.yaml:6:1: error[OC005]: duplicate key 'a' (first at line 1)"
        " (YAML keeps only one of them; remove or rename one)",
    ]


def test_the_first_of_two_duplicate_keys_is_kept() -> None:
    node, _ = load_yaml(b"a: 1\na: 2\nb: 3\n", "p.yaml")
    assert to_python(node) == {"a": 1, "b": 3}  # type: ignore[arg-type]


def test_duplicate_in_a_flow_mapping_names_the_column() -> None:
    assert "(first at line 1, column 5)" in messages("m: {x: 1, x: 2}\n")[0]


@pytest.mark.parametrize("second", ['"1"', "0x1", "'1'"])
def test_keys_are_compared_as_the_names_they_stand_for(second: str) -> None:
    assert problems(f"1: a\n{second}: b\n") == [("OC005", 2, 1)]


def test_null_key_and_the_string_null_collide() -> None:
    assert problems('~: a\n"null": b\n') == [("OC005", 2, 1)]


def test_same_key_in_different_maps_is_fine() -> None:
    assert problems("a: {x: 1}\nb: {x: 1}\n") == []


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("a: &x 1\n", [("OC006", 1, 4)]),
        ("a: &x 1\nb: *x\n", [("OC006", 1, 4), ("OC006", 2, 4)]),
        ("a: &m {k: v}\n", [("OC006", 1, 4)]),
        ("- &s [1]\n", [("OC006", 1, 3)]),
        ("a: &x 1\n<<: *x\n", [("OC006", 1, 4), ("OC006", 2, 5)]),
    ],
)
def test_anchors_and_aliases_are_rejected(src: str, expected: list[tuple[str, int, int]]) -> None:
    assert problems(src) == expected


def test_aliased_values_are_left_out_of_the_tree() -> None:
    node, _ = load_yaml(b"a: &x 1\nb: *x\nc: [*x, 2]\n*x : 5\n", "p.yaml")
    assert to_python(node) == {"a": 1, "c": [2]}  # type: ignore[arg-type]


def test_billion_laughs_is_rejected_quickly_without_expansion() -> None:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    src = "\n".join(rows) + "\n"
    assert len(src) < 700
    node, diags = load_yaml(src.encode(), "p.yaml")
    assert {d.code for d in diags} == {"OC006"}
    assert len(diags) == 9 + 8 * 9  # every anchor and every alias
    assert to_python(node) == {"a": ["lol"] * 9, **{c: [] for c in "bcdefghi"}}  # type: ignore[arg-type]


def test_recursive_alias_does_not_loop() -> None:
    assert problems("a: &r [*r]\n") == [("OC006", 1, 4), ("OC006", 1, 8)]


@pytest.mark.parametrize(
    ("src", "tag"),
    [
        ("a: !!python/object/apply:os.system [echo pwned]\n", "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system ''\n", "!!python/name:os.system"),
        ("a: !!str 5\n", "!!str"),
        ("a: !!int '5'\n", "!!int"),
        ("a: !foo x\n", "!foo"),
        ("a: ! x\n", "!"),
        ("a: !!map {k: v}\n", "!!map"),
        ("a: !<tag:example.com,2000:x> y\n", "tag:example.com,2000:x"),
    ],
)
def test_every_explicit_tag_is_rejected_and_named(src: str, tag: str) -> None:
    assert problems(src) == [("OC007", 1, 4)]
    assert f"tag '{tag}' is not allowed" in messages(src)[0]


def test_python_tags_never_construct_anything(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    src = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    node, _ = load_yaml(src.encode(), "p.yaml")
    assert not marker.exists()
    assert to_python(node) == {"a": [f"touch {marker}"]}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "src",
    [
        "[" * 1000 + "]" * 1000,
        "a: {" * 1000 + "}" * 1000,
        "".join("  " * i + "a:\n" for i in range(1000)) + "  " * 1000 + "b\n",
        "[" * 100_000 + "]" * 100_000,
        "a: {" * 100_000 + "}" * 100_000,
    ],
    ids=["flow-seq-1000", "flow-map-1000", "block-map-1000", "flow-seq-100k", "flow-map-100k"],
)
def test_deep_nesting_is_one_diagnostic_not_a_recursion_error(src: str) -> None:
    node, diags = load_yaml(src.encode(), "p.yaml")
    assert [d.code for d in diags] == ["OC008"]
    # libyaml 0.2.6 gives up at 1000 levels (so no tree); below that we cut at 64.
    assert node is None or isinstance(node, YSeq | YMap)


def test_nesting_beyond_libyamls_own_limit_is_still_oc008() -> None:
    # libyaml's scanner reads the brackets ahead and fails first, at its own mark.
    assert problems("[" * 1001 + "]" * 1001) == [("OC008", 1, 1001)]


def test_nesting_limit_is_exact() -> None:
    assert problems("[" * MAX_DEPTH + "]" * MAX_DEPTH) == []
    deeper = MAX_DEPTH + 1
    assert problems("[" * deeper + "]" * deeper) == [("OC008", 1, deeper)]


def test_findings_inside_a_too_deep_part_are_still_reported() -> None:
    deep = "[" * (MAX_DEPTH + 2) + "!!str x, *y" + "]" * (MAX_DEPTH + 2)
    assert [c for c, _, _ in problems(deep)] == ["OC008", "OC007", "OC006"]


@pytest.mark.parametrize(
    ("src", "pos"),
    [("? [a, b]\n: 1\n", (1, 3)), ("{[a]: 1}\n", (1, 2)), ("? {k: v}\n: 1\nb: 2\n", (1, 3))],
)
def test_collection_as_mapping_key_is_rejected(src: str, pos: tuple[int, int]) -> None:
    assert problems(src) == [("OC009", *pos)]


def test_pair_with_a_collection_key_is_left_out() -> None:
    node, _ = load_yaml(b"? [a]\n: 1\nb: 2\n", "p.yaml")
    assert to_python(node) == {"b": 2}  # type: ignore[arg-type]


def test_second_document_is_reported_and_still_checked() -> None:
    src = "a: 1\n---\nb: &x 2\n---\nc: 3\n"
    assert problems(src) == [("OC010", 2, 1), ("OC006", 3, 4)]
    node, _ = load_yaml(src.encode(), "p.yaml")
    assert to_python(node) == {"a": 1}  # type: ignore[arg-type]


def test_document_end_marker_alone_is_one_document() -> None:
    assert problems("a: 1\n...\n") == []


@pytest.mark.parametrize(
    "src", ["%YAML 1.1\n---\na: yes\n", "%TAG !e! tag:e.com,2000:\n---\na: 1\n"]
)
def test_directives_are_rejected(src: str) -> None:
    assert problems(src) == [("OC011", 3, 1)] or problems(src)[0][0] == "OC011"


def test_huge_decimal_integer_is_a_diagnostic() -> None:
    src = "a: " + "9" * 5000 + "\n"
    assert problems(src) == [("OC012", 1, 4)]
    assert "integer with 5000 digits is too long" in messages(src)[0]


def test_huge_hex_integer_is_fine() -> None:
    assert isinstance(scalar("0x" + "f" * 5000).value, int)


# --- files ---------------------------------------------------------------------------


def test_load_yaml_file_uses_the_display_name(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_bytes(b"a: 1\na: 2\n")
    _, diags = load_yaml_file(path, display="profiles/web.yaml")
    assert [d.format().split(": error")[0] for d in diags] == ["profiles/web.yaml:2:1"]
    _, diags = load_yaml_file(str(path))
    assert diags[0].pos is not None
    assert diags[0].pos.path == str(path)


@pytest.mark.parametrize("name", ["missing.yaml", "."])
def test_unreadable_file_is_a_diagnostic(tmp_path: Path, name: str) -> None:
    node, diags = load_yaml_file(tmp_path / name, display="x.yaml")
    assert node is None
    assert [(d.code, str(d.pos)) for d in diags] == [("OC013", "x.yaml")]


def test_devices_and_fifos_are_refused_before_any_read(tmp_path: Path) -> None:
    """/dev/zero never ends, a FIFO blocks until a writer comes: neither is read."""
    os.mkfifo(tmp_path / "fifo.yaml")
    found = {name: load_yaml_file(name) for name in ("/dev/zero", str(tmp_path / "fifo.yaml"))}
    assert {name: (node, [d.message for d in diags]) for name, (node, diags) in found.items()} == {
        "/dev/zero": (None, ["cannot read file: not a regular file (a character device)"]),
        str(tmp_path / "fifo.yaml"): (None, ["cannot read file: not a regular file (a FIFO)"]),
    }


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    (tmp_path / "link.yaml").symlink_to("real.yaml")
    node, diags = load_yaml_file(tmp_path / "link.yaml")
    assert (node is not None and to_python(node), diags) == ({"a": 1}, [])


# --- the diagnostics themselves ------------------------------------------------------


def test_codes_table_is_the_documented_range() -> None:
    assert sorted(CODES) == [f"OC{n:03d}" for n in range(1, 14)]
    assert all(slug and meaning for slug, meaning in CODES.values())


def test_every_diagnostic_carries_slug_and_hint_and_comes_sorted() -> None:
    _, diags = load_yaml(b"b: *x\na: !!str 1\na: 2\n", "p.yaml")
    assert [(d.code, d.slug, d.severity.value) for d in diags] == [
        ("OC006", "anchor-alias", "error"),
        ("OC007", "tag", "error"),
        ("OC005", "duplicate-key", "error"),
    ]
    assert [d.hint for d in diags] == [
        "write each value out; anchors and aliases are rejected",
        "remove the tag; the profile schema gives every value its type",
        "YAML keeps only one of them; remove or rename one",
    ]


def test_pure_python_parser_gives_the_same_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    src = "a: &x 1\nb: *x\nc: !!str 2\nd: {k: 1, k: 2}\ne: [no, 0o17]\n---\nf: 1\n"
    with_libyaml = load_yaml(src.encode(), "p.yaml")
    monkeypatch.setattr(yamlevents, "_CParser", None)
    assert load_yaml(src.encode(), "p.yaml") == with_libyaml
    assert problems("a: [1, 2\n") == [("OC004", 2, 1)]


def test_repeated_key_is_reported_even_when_the_first_value_was_an_alias() -> None:
    assert problems("a: *x\na: 1\n") == [("OC006", 1, 4), ("OC005", 2, 1)]


def test_get_finds_keys_by_the_name_they_stand_for() -> None:
    node, _ = load_yaml(b"1: one\ntrue: yes\n~: nothing\n", "p.yaml")
    assert isinstance(node, YMap)
    assert [node.get(name) for name in ("1", "true", "null")] == [
        YScalar("one", "one", False, 1, 4),
        YScalar("yes", "yes", False, 2, 7),
        YScalar("nothing", "nothing", False, 3, 4),
    ]


def test_mangled_profiles_never_raise() -> None:
    """Seeded mutations of a real-looking profile: only diagnostics, never exceptions."""
    base = (
        b"oomcfg: 1\nservices:\n  web.service:\n    tier: important\n"
        b"    memory: {max: 512M, high: 400M}\n    description: |\n      web\n"
        b"sysctl:\n  - key: vm.overcommit_memory\n    value: 0\n"
    )
    pieces = [
        b"&a ",
        b"*a",
        b"!!str ",
        b"? ",
        b"- ",
        b": ",
        b"{",
        b"]",
        b"---\n",
        b"%YAML 1.2\n",
        b"\t",
        b"\x00",
        b"\xff",
        b"\xef\xbb\xbf",
        b"'",
        b'"',
        b"|",
        b"\r",
        b"\xc2\x85",
    ]
    rnd = random.Random(20261126)
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rnd.randint(1, 6)):
            at = rnd.randrange(len(data) + 1)
            data[at:at] = rnd.choice(pieces)
        node, diags = load_yaml(bytes(data), "p.yaml")
        assert all(d.code in CODES and d.pos is not None for d in diags)
        if node is not None:
            to_python(node)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028"])
def test_positions_count_every_libyaml_line_break(newline: str) -> None:
    src = newline.join(["a: 1", "b: [", "c: \x01"]).encode()
    assert problems(src) == [("OC003", 3, 4)]
    assert problems(newline.join(["a: 1", "b: c: d"]))[0][:2] == ("OC004", 2)
