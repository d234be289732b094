"""extends: and command-line merging: order, per-leaf overrides, cycles, provenance."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oomcfg import profile as profile_module
from oomcfg.diagnostics import Position
from oomcfg.model import Size, Tier
from oomcfg.profile import check_profiles, explain, load_profiles
from oomcfg.resources import profiles_dir

EXT = Path(__file__).parent / "data" / "profiles" / "extends"
G = 1 << 30


def shown(name: str) -> str:
    return str(EXT / name)


def test_child_overrides_leaves_and_keeps_the_rest_from_its_base() -> None:
    profile = load_profiles([EXT / "child.yaml"])
    assert profile.sources == (shown("base.yaml"), shown("child.yaml"))
    assert profile.description == "child"
    assert {k: s.value for k, s in profile.sysctl.items()} == {
        "vm.panic_on_oom": 0, "kernel.panic": 30}
    sshd, db = profile.services["sshd"], profile.services["db"]
    # a later oom_score_adj replaces an earlier tier, and a later tier an earlier score
    assert (sshd.unit, sshd.oom_score_adj, sshd.adj_source, sshd.tier) == (
        "ssh.service", -950, "explicit", None)
    assert (db.unit, db.oom_score_adj, db.adj_source, db.tier) == (
        "postgresql.service", -500, "tier", Tier.PROTECTED)
    assert (db.memory.max, db.memory.high) == (Size("bytes", 12 * G), Size("bytes", 6 * G))


def test_origins_name_the_file_that_set_each_winning_value() -> None:
    profile = load_profiles([EXT / "child.yaml"])
    assert profile.origin("services.db.unit") == Position(shown("base.yaml"), 11, 11)
    assert profile.origin("services.db.memory.high") == Position(shown("base.yaml"), 13, 29)
    assert profile.origin("services.db.memory.max") == Position(shown("child.yaml"), 11, 19)
    assert profile.origin("services.db.tier") == Position(shown("child.yaml"), 10, 11)
    assert profile.origin("services.db.oom_score_adj") == Position(shown("child.yaml"), 10, 11)
    assert profile.origin("services.sshd.tier") is None  # replaced by oom_score_adj
    assert profile.origin("sysctl.kernel.panic") == Position(shown("child.yaml"), 5, 17)
    assert profile.origin("sysctl.vm.panic_on_oom") == Position(shown("base.yaml"), 4, 20)


def test_chains_merge_depth_first() -> None:
    profile = load_profiles([EXT / "grandchild.yaml"])
    assert profile.sources == (shown("base.yaml"), shown("child.yaml"), shown("grandchild.yaml"))
    db = profile.services["db"]
    assert (db.oom_policy, db.oom_score_adj) == ("kill", -500)


def test_a_shared_base_is_merged_once_at_its_first_place() -> None:
    profile = load_profiles([EXT / "diamond.yaml"])
    assert profile.sources == tuple(shown(n) for n in (
        "base.yaml", "diamond-left.yaml", "diamond-right.yaml", "diamond.yaml"))
    # right's base did not come back to undo left's override
    assert profile.services["db"].oom_score_adj == -100
    assert profile.services["sshd"].tier == Tier.PROTECTED


def test_command_line_profiles_merge_left_to_right(tmp_path: Path) -> None:
    late = tmp_path / "late.yaml"
    late.write_text("oomcfg: 1\nservices:\n  db:\n    oom_score_adj: 100\n")
    profile = load_profiles([EXT / "base.yaml", late])
    assert profile.services["db"].oom_score_adj == 100
    assert profile.origin("services.db.oom_score_adj") == Position(str(late), 4, 20)
    profile = load_profiles([late, EXT / "base.yaml"])
    assert profile.services["db"].oom_score_adj == -800


def test_cycles_are_reported_with_the_chain() -> None:
    _, diags = check_profiles([EXT / "cycle-a.yaml"])
    assert [(d.code, d.pos) for d in diags] == [("OC061", Position(shown("cycle-b.yaml"), 3, 5))]
    assert diags[0].message == (
        f"extends cycle: {shown('cycle-a.yaml')} -> {shown('cycle-b.yaml')} -> "
        f"{shown('cycle-a.yaml')}")


def test_a_profile_extending_itself_is_a_cycle(tmp_path: Path) -> None:
    me = tmp_path / "me.yaml"
    me.write_text("oomcfg: 1\nextends: [me.yaml]\n")
    _, diags = check_profiles([me])
    assert [(d.code, d.pos) for d in diags] == [("OC061", Position(str(me), 2, 11))]


def test_missing_and_malformed_entries_are_reported_at_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "base-server.yaml").write_text("oomcfg: 1\n")
    monkeypatch.setattr(profile_module, "profiles_dir", lambda: presets)
    profile, diags = check_profiles([EXT / "missing.yaml"])
    assert profile is None
    where = shown("missing.yaml")
    assert [(d.code, str(d.pos)) for d in diags] == [
        ("OC060", f"{where}:4:5"), ("OC060", f"{where}:5:5"), ("OC062", f"{where}:6:5")]
    assert diags[1].hint == "presets: base-server"


def test_presets_resolve_from_the_shipped_profiles_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "base-server.yaml").write_text(
        "oomcfg: 1\nservices:\n  sshd: {unit: ssh.service, tier: critical}\n")
    monkeypatch.setattr(profile_module, "profiles_dir", lambda: presets)
    mine = tmp_path / "host.yaml"
    mine.write_text("oomcfg: 1\nextends: [base-server]\nservices:\n  sshd: {tier: protected}\n")
    profile = load_profiles([mine])
    assert profile.sources == (str(presets / "base-server.yaml"), str(mine))
    assert profile.services["sshd"].oom_score_adj == -500


def test_problems_in_every_file_of_a_chain_come_out_together() -> None:
    _, diags = check_profiles([EXT / "bad-parts.yaml"])
    assert [(d.code, str(d.pos)) for d in diags] == [
        ("OC025", f"{shown('bad-parts.yaml')}:5:20"),
        ("OC027", f"{shown('broken.yaml')}:4:17"),
    ]


def test_unit_may_come_from_another_file_but_must_come_from_somewhere(tmp_path: Path) -> None:
    override = tmp_path / "o.yaml"
    override.write_text("oomcfg: 1\nservices:\n  cache: {tier: expendable}\n")
    _, diags = check_profiles([EXT / "base.yaml", override])
    assert [(d.code, str(d.pos)) for d in diags] == [("OC021", f"{override}:3:3")]


def test_duplicate_units_across_files_name_both_places(tmp_path: Path) -> None:
    other = tmp_path / "o.yaml"
    other.write_text("oomcfg: 1\nservices:\n  ssh2: {unit: ssh.service}\n")
    _, diags = check_profiles([EXT / "base.yaml", other])
    assert [(d.code, str(d.pos)) for d in diags] == [("OC044", f"{other}:3:16")]
    assert f"at {shown('base.yaml')}:8:11" in diags[0].message


def test_a_later_scope_must_still_fit_the_earlier_unit(tmp_path: Path) -> None:
    other = tmp_path / "o.yaml"
    other.write_text("oomcfg: 1\nservices:\n  sshd: {scope: template}\n")
    _, diags = check_profiles([EXT / "base.yaml", other])
    assert [(d.code, str(d.pos)) for d in diags] == [("OC042", f"{other}:3:17")]


def test_extends_must_be_a_list_of_texts(tmp_path: Path) -> None:
    bad = tmp_path / "b.yaml"
    bad.write_text("oomcfg: 1\nextends: base.yaml\n")
    _, diags = check_profiles([bad])
    assert [(d.code, d.hint) for d in diags] == [("OC022", "write [item, ...]")]


def test_explain_says_which_file_of_the_chain_set_each_value() -> None:
    rows = {path: (text, str(pos)) for path, text, pos in explain(
        load_profiles([EXT / "grandchild.yaml"]))}
    assert rows["services.db.unit"] == ("postgresql.service", f"{shown('base.yaml')}:11:11")
    assert rows["services.db.tier"] == ("protected (oom_score_adj -500)",
                                        f"{shown('child.yaml')}:10:11")
    assert rows["services.db.oom_policy"] == ("kill", f"{shown('grandchild.yaml')}:5:17")
    assert rows["services.db.memory.max"] == ("12G", f"{shown('child.yaml')}:11:19")
    assert rows["description"] == ("child", f"{shown('child.yaml')}:3:14")


def test_an_extends_entry_that_is_not_a_regular_file_says_what_it_is(tmp_path: Path) -> None:
    """A directory or FIFO exists: "does not exist" would send the user looking elsewhere."""
    (tmp_path / "conf.d").mkdir()
    os.mkfifo(tmp_path / "pipe.yaml")
    me = tmp_path / "me.yaml"
    me.write_text("oomcfg: 1\nextends: [./conf.d, ./pipe.yaml, ./gone.yaml, /dev/null]\n")
    _, diags = check_profiles([me])
    assert [(str(d.pos), d.code, d.message) for d in diags] == [
        (f"{me}:2:11", "OC060",
         f"extended profile '{tmp_path}/conf.d' is a directory, not a profile file"),
        (f"{me}:2:21", "OC060", f"extended profile '{tmp_path}/pipe.yaml' is not a regular file "
                                "(a FIFO, socket or device)"),
        (f"{me}:2:34", "OC060", f"extended profile '{tmp_path}/gone.yaml' does not exist"),
        (f"{me}:2:47", "OC060", "extended profile '/dev/null' is not a regular file "
                                "(a FIFO, socket or device)"),
    ]


def test_every_extends_entry_is_checked_even_when_one_is_empty(tmp_path: Path) -> None:
    me = tmp_path / "me.yaml"
    me.write_text("oomcfg: 1\nextends: [./gone.yaml, '', 'Not A Name', 7]\n")
    _, diags = check_profiles([me])
    assert [(str(d.pos), d.code) for d in diags] == [
        (f"{me}:2:11", "OC060"), (f"{me}:2:24", "OC026"), (f"{me}:2:28", "OC062"),
        (f"{me}:2:42", "OC022")]


@pytest.mark.parametrize("spelling", ["preset:base-server", "base-server"])
def test_a_shipped_preset_can_be_named_on_the_command_line(
    spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`oomcfg render base-server` does what `extends: [base-server]` does."""
    monkeypatch.chdir(tmp_path)
    by_name = load_profiles([spelling])
    by_path = load_profiles([profiles_dir() / "base-server.yaml"])
    assert by_name == by_path


def test_a_file_in_the_current_directory_wins_over_a_preset_of_that_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shell argument names what is there; `preset:NAME` always means the preset."""
    monkeypatch.chdir(tmp_path)
    Path("base-server").write_text("oomcfg: 1\ndescription: mine\n")
    assert load_profiles(["base-server"]).description == "mine"
    assert load_profiles(["preset:base-server"]).description != "mine"


def test_an_unknown_preset_on_the_command_line_lists_the_shipped_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _, diags = check_profiles(["preset:nope", "nope"])
    assert [(d.code, str(d.pos), d.message) for d in diags] == [
        ("OC013", "nope", "cannot read file: No such file or directory"),
        ("OC060", "preset:nope", "no shipped preset named 'nope'"),
    ]
    assert diags[1].hint.startswith("presets: base-server, ")


def test_a_file_name_with_a_newline_cannot_forge_a_diagnostic_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI parses `file:line:col: error[...]` lines; a file name must stay on its line."""
    monkeypatch.chdir(tmp_path)
    name = "x.yaml\nforged.yaml:9:9: error[OC999]: all good"
    Path(name).write_text("oomcfg: 1\nx: 1\n")
    _, diags = check_profiles([name])
    assert [d.format().splitlines() for d in diags] == [[
        "x.yaml\\nforged.yaml:9:9: error[OC999]: all good:2:1: error[OC020]: unknown key 'x' "
        "in the profile (allowed: oomcfg, description, extends, sysctl, services)"]]
