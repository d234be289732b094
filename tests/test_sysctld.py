"""sysctl.d(5) parsing, file order and masking, on real-looking files."""

from __future__ import annotations

from pathlib import Path

import pytest

from oomcfg.diagnostics import Position
from oomcfg.sysctld import normalize_key, parse_sysctl_text, sysctl_config_files, winning_entries

DEBIAN_PROCPS = """\
# /usr/lib/sysctl.d/50-default.conf (systemd, trimmed)
kernel.sysrq = 0x01b6
; semicolon comment
   kernel.core_uses_pid = 1
net/ipv4/conf/eth0.100/rp_filter = 2
-net.ipv4.conf.all.promote_secondaries = 1
-net.ipv4.conf.*.promote_secondaries
net.ipv4.conf.default.accept_source_route=0
vm.panic_on_oom=0
"""


def problems(text: str) -> list[tuple[str, int, int]]:
    _, diags = parse_sysctl_text(text, "x.conf")
    return [(d.code, d.pos.line, d.pos.col) for d in diags if d.pos]


def test_a_real_file_parses_keys_values_and_positions() -> None:
    entries, diags = parse_sysctl_text(DEBIAN_PROCPS, "50-default.conf")
    assert diags == []
    assert [(e.key, e.value, e.ignore_failure, e.line, e.col) for e in entries] == [
        ("kernel.sysrq", "0x01b6", False, 2, 1),
        ("kernel.core_uses_pid", "1", False, 4, 4),
        ("net.ipv4.conf.eth0/100.rp_filter", "2", False, 5, 1),
        ("net.ipv4.conf.all.promote_secondaries", "1", True, 6, 1),
        ("net.ipv4.conf.default.accept_source_route", "0", False, 8, 1),
        ("vm.panic_on_oom", "0", False, 9, 1),
    ]


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("vm.panic_on_oom", "vm.panic_on_oom"),
        ("vm/panic_on_oom", "vm.panic_on_oom"),
        ("/vm/panic_on_oom", "vm.panic_on_oom"),
        ("net/ipv4/conf/eth0.100/rp_filter", "net.ipv4.conf.eth0/100.rp_filter"),
        ("net.ipv4.conf.eth0/100.rp_filter", "net.ipv4.conf.eth0/100.rp_filter"),
    ],
)
def test_slash_and_dot_separators_are_equivalent(written: str, normal: str) -> None:
    assert normalize_key(written) == normal


def test_a_trailing_comment_stays_in_the_value_and_is_flagged() -> None:
    entries, diags = parse_sysctl_text("vm.swappiness = 10 # low\n", "x.conf")
    assert entries[0].value == "10 # low"
    assert [(d.code, d.pos and d.pos.line) for d in diags] == [("OC253", 1)]


def test_garbage_lines_are_reported_with_positions_and_the_rest_parsed() -> None:
    text = (
        "this is not an assignment\n"  # 1
        "vm..panic_on_oom = 1\n"  # 2
        "kernel panic = 10\n"  # 3
        "vm.overcommit_memory =\n"  # 4: empty value (warning)
        "vm.swappiness = 10\n"
        "  bad\x00key = 1\n"  # 6
    )
    assert problems(text) == [
        ("OC251", 1, 1),
        ("OC252", 2, 1),
        ("OC252", 3, 1),
        ("OC256", 4, 1),
        ("OC255", 6, 6),
    ]
    entries, _ = parse_sysctl_text(text, "x.conf")
    assert [e.key for e in entries] == ["vm.overcommit_memory", "vm.swappiness"]


def test_non_utf8_lines_are_findings() -> None:
    text = b"vm.swappiness = \xff\xfe\n".decode("utf-8", "surrogateescape")
    assert problems(text) == [("OC254", 1, 1)]


def test_binary_junk_is_capped_at_50_problems_and_a_count_of_the_rest() -> None:
    """A binary file is one problem, not one per "line" (same cap as unit files)."""
    junk = b"\xff\x00junk\n" * 1000
    entries, diags = parse_sysctl_text(junk.decode("utf-8", "surrogateescape"), "bin.conf")
    assert entries == [] and len(diags) == 51
    assert (diags[-1].code, diags[-1].pos) == ("OC255", Position("bin.conf"))
    assert diags[-1].message == "950 more syntax problems not shown: is this a sysctl file at all?"


def test_globs_are_parsed_and_marked() -> None:
    entries, diags = parse_sysctl_text("net.ipv4.conf.*.rp_filter = 2\n", "x.conf")
    assert diags == [] and entries[0].is_glob


def put(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_files_sort_by_basename_across_dirs_and_etc_masks(tmp_path: Path) -> None:
    put(tmp_path, "usr/lib/sysctl.d/50-default.conf", "vm.panic_on_oom = 1\n")
    put(tmp_path, "usr/lib/sysctl.d/90-oomcfg.conf", "vm.panic_on_oom = 2\n")
    put(tmp_path, "etc/sysctl.d/90-oomcfg.conf", "vm.panic_on_oom = 0\nkernel.panic = 10\n")
    put(tmp_path, "run/sysctl.d/60-runtime.conf", "kernel.panic = 5\n")
    put(tmp_path, "etc/sysctl.d/99-local.conf.disabled", "vm.panic_on_oom = 2\n")
    put(tmp_path, "etc/sysctl.conf", "kernel.panic = 30\n")
    files = sysctl_config_files(tmp_path)
    assert [str(f.relative_to(tmp_path)) for f in files] == [
        "usr/lib/sysctl.d/50-default.conf",
        "run/sysctl.d/60-runtime.conf",
        "etc/sysctl.d/90-oomcfg.conf",
    ]
    winners = winning_entries([parse_sysctl_text(f.read_text(), str(f))[0] for f in files])
    assert winners["vm.panic_on_oom"].value == "0"
    assert winners["kernel.panic"].value == "10"
    assert winners["kernel.panic"].path.endswith("etc/sysctl.d/90-oomcfg.conf")


def test_procps_reads_etc_sysctl_conf_last_systemd_does_not(tmp_path: Path) -> None:
    put(tmp_path, "etc/sysctl.d/90-oomcfg.conf", "kernel.panic = 10\n")
    put(tmp_path, "etc/sysctl.conf", "kernel.panic = 30\n")
    procps = sysctl_config_files(tmp_path, include_sysctl_conf=True)
    assert [f.name for f in procps] == ["90-oomcfg.conf", "sysctl.conf"]
    winners = winning_entries({str(f): parse_sysctl_text(f.read_text(), str(f))[0] for f in procps})
    assert winners["kernel.panic"].value == "30"
    assert [f.name for f in sysctl_config_files(tmp_path)] == ["90-oomcfg.conf"]
