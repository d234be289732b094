"""Unit-file parsing and drop-in order, as systemd.syntax(7) and systemd.unit(5) define them."""

from __future__ import annotations

from pathlib import Path

import pytest

from oomcfg.unitfile import (
    decode_unit_bytes,
    dropin_dirs_for,
    effective,
    find_dropins,
    parse_unit_text,
    unit_search_path,
)

POSTGRES = """\
# /usr/lib/systemd/system/postgresql@.service (Debian, trimmed)
[Unit]
Description=PostgreSQL Cluster %i
AssertPathExists=/etc/postgresql/%I/postgresql.conf

[Service]
Type=forking
; comments may start with a semicolon too
ExecStart=-/usr/bin/pg_ctlcluster --skip-systemctl-redirect %i start
OOMScoreAdjust=-900
Environment=PG_OOM_ADJUST_FILE=/proc/self/oom_score_adj \\
            PG_OOM_ADJUST_VALUE=0

[Install]
WantedBy=multi-user.target
"""


def codes(text: str) -> list[tuple[str, int, int]]:
    """(code, line, col) of every diagnostic, the yamllint-style view of a parse."""
    parse = parse_unit_text(text, "x.service")
    return [(d.code, d.pos.line, d.pos.col) for d in parse.diagnostics if d.pos]


def test_a_real_unit_parses_into_sections_and_positioned_entries() -> None:
    parse = parse_unit_text(POSTGRES, "postgresql@.service")
    assert parse.sections == ("Unit", "Service", "Install")
    assert parse.diagnostics == ()
    adj = parse.get("Service", "OOMScoreAdjust")
    assert adj is not None
    assert (adj.value, adj.line, adj.col, adj.path) == ("-900", 10, 1, "postgresql@.service")


def test_continuation_joins_lines_with_a_space_like_systemd() -> None:
    env = parse_unit_text(POSTGRES, "p").get("Service", "Environment")
    assert env is not None
    assert env.value == (
        "PG_OOM_ADJUST_FILE=/proc/self/oom_score_adj              PG_OOM_ADJUST_VALUE=0"
    )
    assert env.line == 11


def test_comment_lines_inside_a_continuation_are_skipped_and_blank_lines_end_it() -> None:
    text = "[Service]\nExecStart=/bin/a \\\n# not part of it\n  --flag \\\n\nOOMPolicy=stop\n"
    parse = parse_unit_text(text, "x.service")
    start = parse.get("Service", "ExecStart")
    assert start is not None
    assert start.value == "/bin/a    --flag"
    assert parse.get("Service", "OOMPolicy") is not None


def test_an_escaped_backslash_at_the_end_is_not_a_continuation() -> None:
    parse = parse_unit_text("[Service]\nExecStart=/bin/echo a\\\\\nOOMPolicy=kill\n", "x")
    policy = parse.get("Service", "OOMPolicy")
    assert policy is not None and policy.value == "kill"


def test_there_are_no_inline_comments() -> None:
    parse = parse_unit_text("[Service]\nOOMScoreAdjust=-900 # protect\n", "x")
    adj = parse.get("Service", "OOMScoreAdjust")
    assert adj is not None and adj.value == "-900 # protect"


def test_empty_assignment_resets_and_last_assignment_wins_across_files() -> None:
    unit = parse_unit_text("[Service]\nMemoryMax=1G\n", "a.service")
    dropin = parse_unit_text("[Service]\nMemoryMax=\n", "10-reset.conf")
    later = parse_unit_text("[Service]\nMemoryMax=2G\nMemoryMax=3G\n", "20-set.conf")
    assert effective([unit, dropin], "Service", "MemoryMax") is None
    winner = effective([unit, dropin, later], "Service", "MemoryMax")
    assert winner is not None
    assert (winner.value, winner.path, winner.line) == ("3G", "20-set.conf", 3)
    assert effective([unit], "Unit", "MemoryMax") is None


def test_garbage_lines_become_positioned_diagnostics_and_parsing_goes_on() -> None:
    text = (
        "OOMPolicy=kill\n"  # 1: before any section
        "[Service]\n"
        "this line has no equals sign\n"  # 3
        "  =orphan value\n"  # 4
        "OOMScoreAdjust=500\n"
        "[Install\n"  # 6: broken header
        "WantedBy=multi-user.target\n"
    )
    assert codes(text) == [
        ("OC204", 1, 1),
        ("OC202", 3, 1),
        ("OC203", 4, 3),
        ("OC201", 6, 1),
    ]
    parse = parse_unit_text(text, "x.service")
    assert [e.key for e in parse.entries] == ["OOMScoreAdjust", "WantedBy"]


def test_binary_data_and_bad_utf8_are_findings_not_crashes() -> None:
    data = b"[Service]\nOOMScoreAdjust=1\x00\x01\xff\nMemoryMax=\xc3\x28\n" + b"\x00" * 400
    parse = parse_unit_text(decode_unit_bytes(data), "blob.service")
    found = {(d.code, d.pos.line if d.pos else 0) for d in parse.diagnostics}
    assert ("OC206", 2) in found  # NUL inside line 2
    assert ("OC205", 3) in found  # invalid UTF-8 on line 3
    assert parse.get("Service", "MemoryMax") is None
    assert len(parse.diagnostics) <= 51


def test_crlf_line_ends_are_accepted_and_a_lone_cr_is_reported() -> None:
    assert codes("[Service]\r\nOOMPolicy=kill\r\n") == []
    assert codes("[Service]\nOOMPolicy=kill\rExecStartPre=/bin/evil\n") == [("OC206", 2, 15)]


def test_a_file_ending_inside_a_continuation_is_flagged_but_still_applied() -> None:
    parse = parse_unit_text("[Service]\nOOMPolicy=kill \\", "trunc.service")
    assert [d.code for d in parse.diagnostics] == ["OC207"]
    policy = parse.get("Service", "OOMPolicy")
    assert policy is not None and policy.value == "kill"


def test_a_utf8_bom_at_the_start_is_ignored() -> None:
    assert parse_unit_text("\ufeff[Service]\nOOMPolicy=stop\n", "x").sections == ("Service",)


@pytest.mark.parametrize(
    ("unit", "dirs"),
    [
        ("ssh.service", ["ssh.service.d", "service.d"]),
        (
            "foo-bar-baz.service",
            ["foo-bar-baz.service.d", "foo-bar-.service.d", "foo-.service.d", "service.d"],
        ),
        (
            "postgresql@15-main.service",
            ["postgresql@15-main.service.d", "postgresql@.service.d", "service.d"],
        ),
        (
            "getty-x@tty1.service",
            [
                "getty-x@tty1.service.d",
                "getty-x@.service.d",
                "getty-.service.d",
                "getty-@tty1.service.d",
                "getty-@.service.d",
                "service.d",
            ],
        ),
        ("user-1000.slice", ["user-1000.slice.d", "user-.slice.d", "slice.d"]),
        ("-.slice", ["-.slice.d", "slice.d"]),
    ],
)
def test_dropin_dirs_follow_systemds_expansion_order(unit: str, dirs: list[str]) -> None:
    assert dropin_dirs_for(unit) == dirs


def write(root: Path, rel: str, text: str = "[Service]\n") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_find_dropins_sorts_by_name_across_dirs_and_higher_priority_masks(tmp_path: Path) -> None:
    write(tmp_path, "usr/lib/systemd/system/web-api.service.d/10-vendor.conf")
    write(tmp_path, "usr/lib/systemd/system/web-api.service.d/50-oomcfg.conf")
    write(tmp_path, "etc/systemd/system/web-api.service.d/50-oomcfg.conf")
    write(tmp_path, "run/systemd/system/web-.service.d/60-prefix.conf")
    write(tmp_path, "etc/systemd/system/service.d/70-everything.conf")
    write(tmp_path, "etc/systemd/system/service.d/10-vendor.conf")  # masked: more generic dir
    write(tmp_path, "etc/systemd/system/web-api.service.d/README")  # not *.conf
    write(tmp_path, "etc/systemd/system/web-api.service.d/.hidden.conf")
    (tmp_path / "etc/systemd/system/web-api.service.d/99-masked.conf").symlink_to("/dev/null")
    rel = [str(p.relative_to(tmp_path)) for p in find_dropins(tmp_path, "web-api.service")]
    assert rel == [
        "usr/lib/systemd/system/web-api.service.d/10-vendor.conf",
        "etc/systemd/system/web-api.service.d/50-oomcfg.conf",
        "run/systemd/system/web-.service.d/60-prefix.conf",
        "etc/systemd/system/service.d/70-everything.conf",
        "etc/systemd/system/web-api.service.d/99-masked.conf",
    ]


def test_find_dropins_on_a_root_without_systemd_dirs_is_empty(tmp_path: Path) -> None:
    assert find_dropins(tmp_path, "ssh.service") == []


def test_find_dropins_takes_a_listing_callback(tmp_path: Path) -> None:
    listing = {tmp_path / "lib/systemd/system/ssh.service.d": ["b.conf", "a.conf"]}
    found = find_dropins(tmp_path, "ssh.service", lister=listing.get)
    assert [p.name for p in found] == ["a.conf", "b.conf"]


def test_unit_search_path_is_etc_run_local_usr_lib_in_that_order() -> None:
    assert [str(p) for p in unit_search_path("/r")] == [
        "/r/etc/systemd/system",
        "/r/run/systemd/system",
        "/r/usr/local/lib/systemd/system",
        "/r/usr/lib/systemd/system",
        "/r/lib/systemd/system",
    ]
