"""Hostile inputs a user can hand `oomcfg render`, run as the real CLI.

Each case asserts (exit code, stdout, stderr) together and, with ``--out``,
that a pre-existing output tree is byte-for-byte unchanged (bad-inputs.md:
"nothing written"). These came from an audit that fed the installed command
things a shell makes easy: FIFOs, directories, devices, odd paths.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oomcfg.cli import app

REPO = Path(__file__).resolve().parent.parent
#: The one form every input problem takes (bad-inputs.md), here for a file named p.yaml.
DIAGNOSTIC = re.compile(r".*p\.yaml:(?P<line>\d+):(?P<col>\d+): error\[(?P<code>OC\d{3})\]: .+")


def oomcfg(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the real command in a child process (a hang fails the test, not the run)."""
    proc = subprocess.run(
        [sys.executable, "-m", "oomcfg", "render", *args], cwd=cwd, capture_output=True,
        text=True, timeout=30, check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry under ``root`` with its mode and bytes (directories: empty bytes)."""
    return {p.relative_to(root).as_posix(): (p.lstat().st_mode,
                                              p.read_bytes() if p.is_file() else b"")
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def existing_out(tmp_path: Path) -> Path:
    """An output directory that already holds a rendered file and a foreign one."""
    out = tmp_path / "out"
    dropin = out / "etc/systemd/system/ssh.service.d/50-oomcfg.conf"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("# an earlier render\n")
    (out / "notes.txt").write_text("someone else's file\n")
    return out


def test_a_fifo_named_as_profile_is_refused_at_once(tmp_path: Path, existing_out: Path) -> None:
    """Opening a FIFO for reading blocks until a writer comes: never open one."""
    os.mkfifo(tmp_path / "profile.yaml")
    before = snapshot(existing_out)
    code, out, err = oomcfg("profile.yaml", "--out", str(existing_out), cwd=tmp_path)
    assert (code, out, err) == (
        3, "", "profile.yaml: error[OC013]: cannot read file: not a regular file (a FIFO) "
        "(check the path and its permissions)\n")
    assert snapshot(existing_out) == before


@pytest.mark.parametrize("body", ["", "services: {}\n", "description: only words\n"])
def test_a_profile_that_renders_nothing_says_so(tmp_path: Path, body: str) -> None:
    """Silence and exit 0 read like success with files somewhere; say there are none."""
    (tmp_path / "p.yaml").write_text("oomcfg: 1\n" + body)
    assert oomcfg("p.yaml", cwd=tmp_path) == (
        0, "", "oomcfg: nothing to render: the profile sets no sysctl and no service "
        "setting for the targets systemd, sysctl\n")


# --- every row of bad-inputs.md's YAML, systemd and sysctl tables, through the CLI -----

S = "services:\n  web:\n    unit: web.service\n"  # lines 2-4; a service field goes on line 5
CASES: dict[str, tuple[str | bytes, list[tuple[str, int, int]]]] = {
    "non-core tag": ("description: !!python/object/apply:os.system [id]\n",
                     [("OC007", 2, 14), ("OC022", 2, 14)]),
    "alias bomb": ("a: &a [x, x]\nb: [*a, *a]\n",
                   [("OC020", 2, 1), ("OC006", 2, 4), ("OC020", 3, 1), ("OC006", 3, 5),
                    ("OC006", 3, 9)]),
    "nesting 1000 deep": ("services: " + "[" * 1000 + "]" * 1000 + "\n", [("OC008", 2, 1010)]),
    "duplicate key": (S + "    tier: critical\n    tier: standard\n", [("OC005", 6, 5)]),
    "two services on one unit": (S + "    tier: critical\n  api:\n    unit: web.service\n",
                                 [("OC044", 7, 11)]),
    "YAML 1.1 boolean word in an enum": (S + "    oom_policy: on\n", [("OC027", 5, 17)]),
    "boolean in an enum": (S + "    oom_policy: true\n", [("OC023", 5, 17)]),
    "octal-looking integer": (S + "    oom_score_adj: 0100\n", [("OC024", 5, 20)]),
    "negative octal-looking": (S + "    oom_score_adj: -0900\n", [("OC024", 5, 20)]),
    "hex integer": (S + "    oom_score_adj: 0x10\n", [("OC024", 5, 20)]),
    "sexagesimal": (S + "    oom_score_adj: 1:20\n", [("OC022", 5, 20)]),
    "exponent": (S + "    oom_score_adj: 1e2\n", [("OC024", 5, 20)]),
    "float": (S + "    oom_score_adj: -500.0\n", [("OC024", 5, 20)]),
    "quoted integer": (S + "    oom_score_adj: '100'\n", [("OC024", 5, 20)]),
    "true as integer": (S + "    oom_score_adj: true\n", [("OC022", 5, 20)]),
    "empty value": (S + "    memory: {max: }\n", [("OC026", 5, 19)]),
    "tilde value": (S + "    memory: {max: ~}\n", [("OC026", 5, 19)]),
    "non-UTF-8, BOM and NUL at once": (b"\xef\xbb\xbfdescription: a\x00\nx: \xff\n",
                                       [("OC002", 1, 1), ("OC003", 2, 15), ("OC002", 3, 4)]),
    "unit name with a slash": ("services:\n  w: {unit: ../x.service, tier: critical}\n",
                               [("OC040", 3, 13)]),
    "unit name too long": (f"services:\n  w: {{unit: {'a' * 248}.service, tier: critical}}\n",
                           [("OC040", 3, 13)]),
    "unit name with two @": ("services:\n  w: {unit: a@b@c.service, tier: critical}\n",
                             [("OC040", 3, 13)]),
    "unit name without a suffix": ("services:\n  w: {unit: web, tier: critical}\n",
                                   [("OC040", 3, 13)]),
    "non-ASCII unit name": ("services:\n  w: {unit: wéb.service, tier: critical}\n",
                            [("OC040", 3, 13)]),
    "prefix drop-in without scope": ("services:\n  w: {unit: web-.service, tier: critical}\n",
                                     [("OC042", 3, 13)]),
    "template drop-in without scope": ("services:\n  w: {unit: web@.service, tier: critical}\n",
                                       [("OC042", 3, 13)]),
    "type-wide drop-in without scope": ("services:\n  w: {unit: service, tier: critical}\n",
                                        [("OC042", 3, 13)]),
    "newline in a value": ('description: "a\\nExecStartPre=/bin/id"\n', [("OC028", 2, 14)]),
    "carriage return in a unit": ('services:\n  w: {unit: "a\\rb.service", tier: critical}\n',
                                  [("OC040", 3, 13)]),
    "value ending in a backslash": ("description: 'ends in \\'\n", [("OC028", 2, 14)]),
    "';' in a typed value": (S + "    oom_policy: kill;\n", [("OC027", 5, 17)]),
    "'#' in a unit name": ("services:\n  w: {unit: 'a#b.service', tier: critical}\n",
                           [("OC040", 3, 13)]),
    "OOMScoreAdjust out of range": (S + "    oom_score_adj: 1001\n", [("OC025", 5, 20)]),
    "OOMPolicy=panic": (S + "    oom_policy: panic\n", [("OC027", 5, 17)]),
    "lower-case size suffix": (S + "    memory: {max: 2g}\n", [("OC031", 5, 19)]),
    "ManagedOOMMemoryPressure=yes": (S + "    managed_oom: {memory_pressure: yes}\n",
                                     [("OC027", 5, 36)]),
    "pressure limit of 120%": (S + "    managed_oom: {memory_pressure: kill, "
                               "memory_pressure_limit: 120%}\n", [("OC032", 5, 65)]),
    "OOMPolicy= on a slice": ("services:\n  s: {unit: work.slice, oom_policy: kill}\n",
                              [("OC043", 3, 37)]),
    "typo'd key": (S + "    oom_scor_adj: 5\n", [("OC020", 5, 5)]),
    "sysctl key with ..": ("sysctl:\n  vm..swappiness: 1\n", [("OC050", 3, 3)]),
    "sysctl key as a path": ("sysctl:\n  /proc/sys/vm/swappiness: 1\n", [("OC050", 3, 3)]),
    "sysctl key with a space": ("sysctl:\n  vm.swap piness: 1\n", [("OC050", 3, 3)]),
    "sysctl glob": ("sysctl:\n  vm.*: 1\n", [("OC051", 3, 3)]),
    "sysctl leading '-'": ("sysctl:\n  -vm.swappiness: 1\n", [("OC051", 3, 3)]),
    "sysctl value with a comment": ("sysctl:\n  vm.swappiness: 10 # low\n", []),
    "quoted sysctl value with a comment": ("sysctl:\n  vm.swappiness: '10 # low'\n",
                                           [("OC022", 3, 18)]),
    "pass-through words with a comment": (
        "sysctl:\n  net.core.x: {value: '1 2 # c', passthrough: true}\n", [("OC054", 3, 23)]),
    "pass-through value with a newline": (
        "sysctl:\n  net.core.x: {value: \"1\\nvm.panic_on_oom = 1\", passthrough: true}\n",
        [("OC054", 3, 23)]),
    "sysctl out of range": ("sysctl:\n  vm.panic_on_oom: 3\n", [("OC025", 3, 20)]),
}


@pytest.mark.parametrize("case", [c for c, (_, found) in CASES.items() if found])
def test_bad_input_exit_3_every_problem_at_its_place_and_nothing_written(
    case: str, tmp_path: Path, existing_out: Path
) -> None:
    text, expected = CASES[case]
    head = b"oomcfg: 1\n"
    (tmp_path / "p.yaml").write_bytes(
        head + text if isinstance(text, bytes) else head + text.encode())
    if isinstance(text, bytes) and text.startswith(b"\xef\xbb\xbf"):  # the BOM must come first
        (tmp_path / "p.yaml").write_bytes(text[:3] + head + text[3:])
    before = snapshot(existing_out)
    result = CliRunner().invoke(app, ["render", str(tmp_path / "p.yaml"), "--out",
                                      str(existing_out)])
    lines = result.stderr.splitlines()
    found = [(m["code"], int(m["line"]), int(m["col"]))
             for m in map(DIAGNOSTIC.fullmatch, lines) if m is not None]
    assert (result.exit_code, result.stdout, found, len(found)) == (3, "", expected, len(lines))
    assert snapshot(existing_out) == before


def test_a_comment_after_a_plain_sysctl_value_is_a_yaml_comment(tmp_path: Path) -> None:
    """`vm.swappiness: 10 # low` is 10 in YAML; only a *quoted* '10 # low' reaches the check.

    The comment must not travel into sysctl.d, where it would stay in the value.
    """
    text, _ = CASES["sysctl value with a comment"]
    (tmp_path / "p.yaml").write_text(f"oomcfg: 1\n{text}")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "p.yaml"), "--only", "sysctl"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "vm.swappiness = 10"


def test_percent_in_free_text_never_reaches_a_directive(tmp_path: Path) -> None:
    """systemd expands %h in values (bad-inputs.md); free text stays in comments or out.

    A profile file named with '%' and a description full of specifiers: every
    assignment line holds only the percentage the profile asked for.
    """
    (tmp_path / "100%h.yaml").write_text(
        'oomcfg: 1\ndescription: "%h %n 100% sure"\n'
        "services:\n  web: {unit: web.service, tier: critical, memory: {max: 50%}}\n")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "100%h.yaml")])
    assignments = [line for line in result.stdout.splitlines()
                   if "=" in line and not line.startswith(("#", "==>"))]
    assert (result.exit_code, result.stderr) == (0, "")
    assert assignments == ["OOMScoreAdjust=-900", "MemoryMax=50%"]
    assert '# profile: "100%h.yaml"' in result.stdout.splitlines()


@pytest.mark.parametrize("only", [",", "", " , "])
def test_an_only_option_that_names_no_target_is_a_usage_error(tmp_path: Path, only: str) -> None:
    """`--only ,` (say, from an empty shell variable) must not quietly render nothing."""
    (tmp_path / "p.yaml").write_text("oomcfg: 1\nsysctl: {vm.panic_on_oom: 0}\n")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "p.yaml"), "--only", only])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("oomcfg: --only names no render target; valid targets: "
                                    "systemd, sysctl, ")


def test_a_failure_part_way_through_out_says_the_tree_is_incomplete(tmp_path: Path) -> None:
    """render --out has no rollback (it is not apply); it must not look like a clean refusal."""
    (tmp_path / "p.yaml").write_text(
        "oomcfg: 1\nsysctl: {vm.panic_on_oom: 0}\n"
        "services:\n  web: {unit: web.service, tier: critical}\n")
    blocker = tmp_path / "out/etc/systemd/system/web.service.d/50-oomcfg.conf"
    blocker.mkdir(parents=True)
    result = CliRunner().invoke(app, ["render", str(tmp_path / "p.yaml"), "--out",
                                      str(tmp_path / "out")])
    assert (result.exit_code, result.stdout, result.stderr) == (
        4, "", f"oomcfg: refusing to replace 1 path(s) oomcfg did not write: {blocker} (a "
        "directory); move them away or render into an empty directory ('oomcfg apply' takes "
        f"over files only with --force); 1 file(s) were written before this, so "
        f"{tmp_path / 'out'} is incomplete\n")


def test_nothing_left_for_an_old_systemd_points_at_the_notes(tmp_path: Path) -> None:
    """The profile does set things; --systemd-version dropped them all, and the notes say why."""
    (tmp_path / "p.yaml").write_text(
        "oomcfg: 1\nservices:\n  w: {unit: w.service, oom_policy: stop}\n")
    assert oomcfg("p.yaml", "--systemd-version", "238", cwd=tmp_path) == (
        0, "", "p.yaml:3:36: warning[OC801]: OOMPolicy= omitted for w.service: systemd 238 "
        "lacks it (added in 243)\noomcfg: nothing to render: every setting was omitted "
        "(see the notes above)\n")


def test_notes_come_in_the_order_of_the_profile(tmp_path: Path) -> None:
    """Read next to the file: managed_oom on line 4 is noted before memory on line 5."""
    (tmp_path / "p.yaml").write_text(
        "oomcfg: 1\nservices:\n  w:\n    managed_oom: {swap: kill}\n    memory: {max: 1G}\n"
        "    unit: w.service\n")
    code, _, err = oomcfg("p.yaml", "--systemd-version", "230", cwd=tmp_path)
    assert (code, [line.split(": ")[0] for line in err.splitlines()]) == (
        0, ["p.yaml:4:25", "p.yaml:5:19", "oomcfg"])


def test_out_dir_itself_a_symlink_is_refused_but_links_above_it_are_fine(tmp_path: Path) -> None:
    """As docs/render.md says: nothing at or below DIR is followed; the path to DIR is."""
    (tmp_path / "p.yaml").write_text("oomcfg: 1\nsysctl: {vm.panic_on_oom: 0}\n")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    refused = CliRunner().invoke(app, ["render", str(tmp_path / "p.yaml"), "--out",
                                       str(tmp_path / "link")])
    through = CliRunner().invoke(app, ["render", str(tmp_path / "p.yaml"), "--out",
                                       str(tmp_path / "link" / "tree")])
    assert (refused.exit_code, refused.stderr) == (
        4, f"oomcfg: refusing to write through {tmp_path / 'link'}: it is a symlink or not a "
        "directory\n")
    assert (through.exit_code, through.stderr) == (0, "")
    assert [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*.conf"))] == [
        "real/tree/etc/sysctl.d/90-oomcfg.conf"]
