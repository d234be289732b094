"""Every profile-related class of bad-inputs.md: the code and the exact line:col.

Each case is a small profile; ``problems`` loads it and returns
``(code, line, col)`` for every diagnostic, so each test states the whole
answer, not just "it failed".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oomcfg.profile import check_profiles

DATA = Path(__file__).parent / "data" / "profiles"
HEAD = "oomcfg: 1\nservices:\n"


def problems(tmp_path: Path, text: str | bytes) -> list[tuple[str, int, int]]:
    """Load ``text`` as a profile; (code, line, col) of every diagnostic, none if it loads."""
    path = tmp_path / "p.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    profile, diags = check_profiles([path])
    assert (profile is None) == bool(diags)
    return [(d.code, d.pos.line, d.pos.col) for d in diags if d.pos is not None]


def service(body: str, name: str = "web") -> str:
    """A profile with one service whose fields are ``body`` (one 'key: value' per line)."""
    return HEAD + f"  {name}:\n" + "".join(f"    {line}\n" for line in body.splitlines())


# --- YAML -------------------------------------------------------------------------


def test_non_core_tags_are_rejected(tmp_path: Path) -> None:
    text = service("unit: !!python/object/apply:os.system ['id']\noom_policy: !!str kill")
    # the tag is refused, and the list it decorated is still not a unit name
    assert problems(tmp_path, text) == [("OC007", 4, 11), ("OC022", 4, 11), ("OC007", 5, 17)]


def test_alias_bombs_are_rejected_not_expanded(tmp_path: Path) -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\noomcfg: 1\n"
    found = problems(tmp_path, bomb)
    assert [f for f in found if f[0] == "OC006"] == [
        ("OC006", 1, 4), ("OC006", 2, 4), ("OC006", 2, 8), ("OC006", 2, 12)]
    assert ("OC020", 1, 1) in found  # and the unknown keys are still reported


@pytest.mark.parametrize("depth", [100, 1000])
def test_deep_nesting_is_an_error_not_a_recursion_error(tmp_path: Path, depth: int) -> None:
    text = "oomcfg: 1\ndescription: " + "[" * depth + "]" * depth + "\n"
    found = problems(tmp_path, text)
    assert "OC008" in {code for code, _, _ in found}
    if depth == 100:  # below libyaml's own limit the rest of the file is still checked
        assert found == [("OC022", 2, 14), ("OC008", 2, 77)]


def test_duplicate_keys_name_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(service("unit: a.service\ntier: critical\ntier: sacrificial"))
    _, diags = check_profiles([path])
    assert [(d.code, d.pos.line, d.pos.col) for d in diags if d.pos] == [("OC005", 6, 5)]
    assert "first at line 5" in diags[0].message


def test_two_services_for_one_unit_name_both_lines(tmp_path: Path) -> None:
    text = HEAD + "  a: {unit: ssh.service}\n  b:\n    unit: ssh.service\n"
    path = tmp_path / "p.yaml"
    path.write_text(text)
    _, diags = check_profiles([path])
    assert [(d.code, d.pos.line, d.pos.col) for d in diags if d.pos] == [("OC044", 5, 11)]
    assert f"used by service 'a' at {path}:3:13" in diags[0].message


@pytest.mark.parametrize("word", ["no", "on", "yes", "off", "y"])
def test_yaml_1_1_booleans_are_plain_words_and_not_valid_policies(
    tmp_path: Path, word: str
) -> None:
    assert problems(tmp_path, service(f"unit: a.service\noom_policy: {word}")) == [
        ("OC027", 5, 17)]


@pytest.mark.parametrize(("field", "value"), [("oom_policy", "true"), ("tier", "false"),
                                              ("unit", "TRUE"), ("init: {name", "true}")])
def test_a_boolean_where_a_word_belongs_suggests_quoting(
    tmp_path: Path, field: str, value: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(service(f"unit: a.service\n{field}: {value}".replace("unit: a.service\nunit",
                                                                         "unit")))
    _, diags = check_profiles([path])
    assert [d.code for d in diags] == ["OC023"]
    assert f'quote it ("{value.rstrip("}")}")' in diags[0].hint


@pytest.mark.parametrize(
    ("value", "code"),
    [("0100", "OC024"), ("-0900", "OC024"), ("0x10", "OC024"), ("0o17", "OC024"),
     ("+5", "OC024"), ("1e2", "OC024"), ("-500.0", "OC024"), ('"100"', "OC024"),
     ("'100'", "OC024"), ("1:20", "OC022"), ("true", "OC022"), ("[1]", "OC022")],
)
def test_integers_are_plain_decimal_only(tmp_path: Path, value: str, code: str) -> None:
    assert problems(tmp_path, service(f"unit: a.service\noom_score_adj: {value}")) == [
        (code, 5, 20)]


@pytest.mark.parametrize("value", ["", "~", "null", '""'])
def test_empty_values_are_errors_never_resets(tmp_path: Path, value: str) -> None:
    text = service(f"unit: a.service\noom_policy: {value}\nmemory:\n  max: {value}")
    assert problems(tmp_path, text) == [("OC026", 5, 16 if not value else 17),
                                        ("OC026", 7, 11 if not value else 12)]


def test_missing_unit_is_reported_at_the_service(tmp_path: Path) -> None:
    assert problems(tmp_path, service("tier: critical")) == [("OC021", 3, 3)]


def test_missing_version_is_reported_at_the_top(tmp_path: Path) -> None:
    assert problems(tmp_path, "services: {}\n") == [("OC021", 1, 1)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"oomcfg: 1\ndescription: caf\xe9\n", [("OC002", 2, 17)]),
        (b"\xef\xbb\xbfoomcfg: 1\n", [("OC002", 1, 1)]),
        (b"oomcfg: 1\ndescription: a\x00b\n", [("OC003", 2, 15)]),
        (b"oomcfg: 1\ndescription: a\x1bb\n", [("OC003", 2, 15)]),
    ],
)
def test_bytes_must_be_strict_utf8_without_controls(
    tmp_path: Path, data: bytes, expected: list[tuple[str, int, int]]
) -> None:
    assert problems(tmp_path, data) == expected


# --- values that reach systemd files ------------------------------------------------


@pytest.mark.parametrize(
    "unit",
    ["../../etc/x.service", "a/b.service", "a..b.service", "'my app.service'", "café.service",
     "x" * 250 + ".service", "foo.servic", "foo", "a@b@c.service", "'foo#.service'",
     "'a;b.service'"],
)
def test_unit_names_are_validated_like_systemd(tmp_path: Path, unit: str) -> None:
    assert problems(tmp_path, service(f"unit: {unit}")) == [("OC040", 4, 11)]


@pytest.mark.parametrize(
    ("unit", "scope", "ok"),
    [("foo@.service", None, False), ("foo@.service", "template", True),
     ("foo-.service", None, False), ("foo-.service", "prefix", True),
     ("service", None, False), ("service", "type", True),
     ("foo.service", "template", False), ("foo.service", "type", False),
     ("foo@bar.service", "template", False), ("foo@bar.service", None, True),
     ("-.slice", None, True)],
)
def test_wide_drop_ins_need_an_explicit_matching_scope(
    tmp_path: Path, unit: str, scope: str | None, ok: bool
) -> None:
    body = f"unit: {unit}" + (f"\nscope: {scope}" if scope else "")
    expected = [] if ok else [("OC042", 5, 12) if scope else ("OC042", 4, 11)]
    assert problems(tmp_path, service(body)) == expected


@pytest.mark.parametrize(
    ("body", "where"),
    [('description: "line\\nExecStartPre=/bin/evil"', (2, 14)),
     ('description: "cr\\r"', (2, 14)),
     ('description: "tab\\there"', (2, 14)),
     ('description: "bell\\a"', (2, 14)),
     ('description: "next line\\u2028"', (2, 14)),
     ("description: 'ends with \\'", (2, 14))],
)
def test_control_characters_and_trailing_backslash_are_refused(
    tmp_path: Path, body: str, where: tuple[int, int]
) -> None:
    assert problems(tmp_path, f"oomcfg: 1\n{body}\n") == [("OC028", *where)]


@pytest.mark.parametrize(
    ("field", "code"),
    [("oom_policy: 'kill # stop'", "OC027"), ("memory: {max: '2G;'}", "OC031"),
     ("init: {name: 'a#b'}", "OC029"), ("init: {command: ['/bin/x', \"a\\nb\"]}", "OC028"),
     ("init: {comm: 'sixteen-chars-xx'}", "OC029"), ("init: {pidfile: run/x.pid}", "OC049"),
     ("init: {pidfile: /run/../etc/shadow}", "OC049"), ("init: {command: []}", "OC026"),
     ("init: {command: ['']}", "OC026"), ("init: {command: [/bin/x, 4]}", "OC022")],
)
def test_typed_fields_refuse_comment_characters_and_bad_shapes(
    tmp_path: Path, field: str, code: str
) -> None:
    found = problems(tmp_path, service(f"unit: a.service\n{field}"))
    assert [c for c, _, _ in found] == [code]
    assert found[0][1] == 5


def test_percent_in_free_text_is_kept_for_the_renderer_to_escape(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text('oomcfg: 1\ndescription: "100% of %h; # kept"\n')
    profile, diags = check_profiles([path])
    assert diags == [] and profile is not None
    assert profile.description == "100% of %h; # kept"


@pytest.mark.parametrize(
    ("field", "code", "col"),
    [("oom_score_adj: 1001", "OC025", 20), ("oom_score_adj: -1001", "OC025", 20),
     ("oom_policy: panic", "OC027", 17), ("memory: {max: 2g}", "OC031", 19),
     ("memory: {max: 120%}", "OC031", 19), ("memory: {swap_max: 10%}", "OC031", 24),
     ("managed_oom: {memory_pressure: 'yes'}", "OC027", 36),
     ("managed_oom: {memory_pressure: kill, memory_pressure_limit: 120%}", "OC032", 65),
     ("managed_oom: {memory_pressure: kill, memory_pressure_limit: 60}", "OC032", 65),
     ("managed_oom: {memory_pressure_limit: 60%}", "OC047", 42),
     ("managed_oom: {preference: ignore}", "OC027", 31), ("scope: everything", "OC027", 12),
     ("tier: importantest", "OC027", 11),
     ("oom_score_adj: {from_request: 17G, capacity: 16G}", "OC046", 20),
     ("oom_score_adj: {from_request: 1G, capacity: 0}", "OC046", 20),
     ("oom_score_adj: {from_request: 1G}", "OC021", 20),
     ("oom_score_adj: {from_request: 10%, capacity: 16G}", "OC031", 35)],
)
def test_out_of_range_and_wrong_words_name_what_is_allowed(
    tmp_path: Path, field: str, code: str, col: int
) -> None:
    assert problems(tmp_path, service(f"unit: a.service\n{field}")) == [(code, 5, col)]


@pytest.mark.parametrize(
    ("unit", "field", "ok"),
    [("a.slice", "oom_policy: kill", False), ("a.slice", "oom_score_adj: 5", False),
     ("a.slice", "tier: critical", False), ("a.slice", "memory: {max: 1G}", True),
     ("a.scope", "oom_policy: kill", True), ("a.scope", "oom_score_adj: 5", False),
     ("a.socket", "oom_score_adj: 5", True), ("a.socket", "oom_policy: stop", False),
     ("a.mount", "managed_oom: {swap: kill}", True), ("a.timer", "memory: {max: 1G}", False),
     ("a.target", "managed_oom: {swap: kill}", False), ("a.slice", "init: {name: a}", False)],
)
def test_settings_must_suit_the_unit_type(tmp_path: Path, unit: str, field: str, ok: bool) -> None:
    found = problems(tmp_path, service(f"unit: {unit}\n{field}"))
    assert [c for c, _, _ in found] == ([] if ok else ["OC043"])


def test_typod_keys_get_a_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(service("unit: a.service\noom_scor_adj: 5\nmemory: {maxx: 1G}"))
    _, diags = check_profiles([path])
    assert [(d.code, d.pos.line, d.pos.col, d.hint) for d in diags if d.pos] == [
        ("OC020", 5, 5, "did you mean 'oom_score_adj'?"),
        ("OC020", 6, 14, "did you mean 'max'?")]


def test_both_tier_and_score_in_one_service(tmp_path: Path) -> None:
    assert problems(tmp_path, service("unit: a.service\ntier: critical\noom_score_adj: 5")) == [
        ("OC045", 6, 5)]


def test_service_names_are_restricted(tmp_path: Path) -> None:
    text = HEAD + "  'my app': {unit: a.service}\n  ok: {unit: b.service}\n"
    assert problems(tmp_path, text) == [("OC048", 3, 3)]


def test_a_bad_service_name_does_not_hide_the_problems_of_its_body(tmp_path: Path) -> None:
    """Every problem in one run: fixing the name must not reveal a second round."""
    text = HEAD + "  'my app':\n    unit: 'föö.service'\n    oom_score_adj: 1001\n    tyer: x\n"
    assert problems(tmp_path, text) == [
        ("OC048", 3, 3), ("OC040", 4, 11), ("OC025", 5, 20), ("OC020", 6, 5)]


def test_a_service_name_yaml_reads_as_a_number_or_boolean_says_to_quote_it(
    tmp_path: Path,
) -> None:
    """'allowed: letters, digits' next to the name 1 would contradict itself."""
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "  1: {unit: a.service}\n  true: {unit: b.service}\n"
                    "  '2': {unit: c.service}\n")
    _, diags = check_profiles([path])
    assert [(d.pos.line if d.pos else 0, d.message, d.hint) for d in diags] == [
        (3, "invalid service name '1'", "YAML reads 1 as a number; quote it ('1') to use "
         "it as a name"),
        (4, "invalid service name 'true'", "YAML reads true as a boolean; quote it ('true') "
         "to use it as a name"),
    ]


def test_a_very_long_bad_service_name_is_shortened_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + f"  '{'x' * 1000}!': {{unit: a.service}}\n")
    _, (diag,) = check_profiles([path])
    assert diag.message == f"invalid service name '{'x' * 40}'... (1001 characters)"


# --- sysctl ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "code"),
    [("vm..panic_on_oom", "OC050"), ("/proc/sys/vm/panic_on_oom", "OC050"),
     ("vm/panic_on_oom", "OC050"), (".vm.x", "OC050"), ("'vm.panic on oom'", "OC050"),
     ("vm", "OC050"), ("'net.ipv4.conf.*.rp_filter'", "OC051"), ("-vm.swappiness", "OC051")],
)
def test_sysctl_key_grammar(tmp_path: Path, key: str, code: str) -> None:
    assert problems(tmp_path, f"oomcfg: 1\nsysctl:\n  {key}: 1\n") == [(code, 3, 3)]


def test_sysctl_leading_dash_points_to_ignore_missing(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("oomcfg: 1\nsysctl:\n  -vm.swappiness: 10\n")
    _, diags = check_profiles([path])
    assert "ignore_missing: true" in diags[0].hint


@pytest.mark.parametrize(
    ("entry", "code", "col"),
    [("vm.panic_on_oom: 3", "OC025", 20), ("vm.swappiness: 201", "OC025", 18),
     ("vm.min_free_kbytes: 512", "OC025", 23), ("vm.overcommit_memory: -1", "OC025", 25),
     ("vm.panic_on_oom: '0 # off'", "OC022", 20), ("vm.panic_on_oom: '1 2'", "OC022", 20),
     ("vm.panic_on_oom: \"0\\n\"", "OC022", 20), ("vm.panic_on_oom: \"1\"", "OC024", 20),
     ("net.core.somaxconn: 4096", "OC052", 3),
     ("vm.panic_on_om: 0", "OC052", 3),
     ("net.core.somaxconn: {value: 4096}", "OC052", 3),
     ("net.core.somaxconn: {value: '4096 # x', passthrough: true}", "OC054", 31),
     ("net.ipv4.tcp_rmem: {value: '4096 8192 # x', passthrough: true}", "OC054", 30),
     ("vm.swappiness: {value: 10, passthrough: true}", "OC053", 43),
     ("vm.swappiness: {value: 10, ignore_missing: 'yes'}", "OC022", 46),
     ("vm.swappiness: {ignore_missing: true}", "OC021", 18)],
)
def test_sysctl_values_are_typed_per_key(tmp_path: Path, entry: str, code: str, col: int) -> None:
    assert problems(tmp_path, f"oomcfg: 1\nsysctl:\n  {entry}\n") == [(code, 3, col)]


def test_unknown_sysctl_suggests_the_known_key_and_passthrough(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("oomcfg: 1\nsysctl:\n  vm.panic_on_om: 0\n")
    _, diags = check_profiles([path])
    assert diags[0].hint == ("did you mean 'vm.panic_on_oom'? for a key oomcfg does not type, "
                             "write {value: ..., passthrough: true}")


# --- all at once ------------------------------------------------------------------------


def test_every_problem_in_a_file_is_reported_in_one_run() -> None:
    path = str(DATA / "bad" / "multi.yaml")
    profile, diags = check_profiles([path])
    assert profile is None
    assert [(d.code, d.pos.line, d.pos.col) for d in diags if d.pos] == [
        ("OC020", 2, 1),  # descripton
        ("OC025", 4, 20),  # vm.panic_on_oom: 3
        ("OC024", 5, 18),  # vm.swappiness: "60"
        ("OC025", 9, 20),  # oom_score_adj: 1200
        ("OC027", 10, 17),  # oom_policy: panic
        ("OC031", 11, 19),  # max: 2g
        ("OC031", 11, 33),  # swap_max: 50%
        ("OC048", 12, 3),  # 'bad name'
        ("OC045", 17, 5),  # tier and oom_score_adj
    ]
    assert all(str(d.pos).startswith(path) for d in diags)
