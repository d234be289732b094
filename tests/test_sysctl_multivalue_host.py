"""Multi-value sysctls on a host: apply writes them once, validate and lint read them right.

The kernel prints an integer list separated by tabs (kernel/sysctl.c,
``__do_proc_dointvec``) where sysctl.d files have spaces, and a write of fewer
numbers than the kernel keeps leaves the rest alone. Fixture trees stand in
for /proc/sys (no real kernel setting is touched); validate runs through the
real CLI on a root without systemd (sd_booted(3): no /run/systemd/system).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from probe_tree import oomcfg, write

from oomcfg.apply import ApplyOptions, Outcome, run_apply
from oomcfg.errors import ExitCode
from oomcfg.host import Host
from oomcfg.profile import load_profiles
from oomcfg.render import render
from oomcfg.sysctld import parse_sysctl_text, same_value

RMEM = "proc/sys/net/ipv4/tcp_rmem"
LOWMEM = "proc/sys/vm/lowmem_reserve_ratio"
PORTS = "proc/sys/net/ipv4/ip_local_port_range"
OURS = "etc/sysctl.d/90-oomcfg.conf"
PROFILE = """\
oomcfg: 1
sysctl:
  net.ipv4.tcp_rmem: {value: [4096, 87380, 6291456], passthrough: true}
  vm.lowmem_reserve_ratio: {value: "256 256 32", passthrough: true}
  net.ipv4.ip_local_port_range: {value: "32768 60999", passthrough: true}
"""
RENDERED = (
    "net.ipv4.ip_local_port_range = 32768 60999\n"
    "net.ipv4.tcp_rmem = 4096 87380 6291456\n"
    "vm.lowmem_reserve_ratio = 256 256 32\n"
)


@pytest.mark.parametrize(
    ("live", "wanted", "same"),
    [("4096\t87380\t6291456", "4096 87380 6291456", True),
     ("4096\t87380\t6291456", "4096 87380 4194304", False),
     ("256\t256\t32\t0\t0", "256 256 32", True),       # the rest stays as it was
     ("256\t256\t32", "256 256 32 0 0", False),        # the kernel keeps three
     ("256\t256\t32\t0\t0", "256 256 31", False),
     ("|/bin/dump %p %s", "|/bin/dump %p", False),     # a string is replaced whole
     ("bbr", "bbr", True), ("60", "10", False), ("0", "", False)],
)
def test_same_value_compares_words_and_integer_prefixes(live: str, wanted: str, same: bool) -> None:
    assert same_value(live, wanted) is same


def test_sysctl_d_lines_with_several_words_parse_as_written() -> None:
    text = "net.ipv4.tcp_rmem = 4096\t87380  6291456 \nkernel.printk=4 4 1 7\n"
    entries, diags = parse_sysctl_text(text, "60-net.conf")
    assert diags == []
    assert [(e.key, e.value, e.line) for e in entries] == [
        ("net.ipv4.tcp_rmem", "4096\t87380  6291456", 1), ("kernel.printk", "4 4 1 7", 2),
    ]  # fmt: skip
    _, diags = parse_sysctl_text("kernel.printk = 4 4 1 7 # quiet\n", "61.conf")
    assert [(d.code, d.pos.line if d.pos else 0) for d in diags] == [("OC253", 1)]


# --- a fixture host ------------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A host without systemd whose kernel has oomcfg's values, printed with tabs."""
    root = tmp_path / "host"
    write(root / "proc/1/status", "Name:\tinit\nCapEff:\t000001fffeffffff\n")
    write(root / RMEM, "4096\t87380\t6291456\n")
    write(root / LOWMEM, "256\t256\t32\t0\t0\n")  # one per zone: five zones here
    write(root / PORTS, "32768\t60999\n")
    return root


def profile_file(tmp_path: Path, text: str = PROFILE) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


def install(root: Path, tmp_path: Path) -> None:
    """oomcfg's own file as render writes it (what 'oomcfg apply' installs)."""
    (content,) = [f.content for f in render(load_profiles([profile_file(tmp_path)])).files]
    assert content.endswith(RENDERED)
    write(root / OURS, content)


def validate(root: Path, profile: Path) -> tuple[int, list[str], str]:
    proc = oomcfg("validate", str(profile), "--root", str(root), "--only", "sysctl")
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


def test_validate_tab_separated_kernel_values_match_the_profile(root: Path, tmp_path: Path) -> None:
    install(root, tmp_path)
    code, out, err = validate(root, profile_file(tmp_path))
    assert (code, out, err) == (
        0, ["validate: OK: 3 checked, 0 drift, 0 not running, 0 cannot check"], "")


def test_validate_names_the_later_file_that_sets_other_numbers(root: Path, tmp_path: Path) -> None:
    install(root, tmp_path)
    local = "# tuned\nnet.ipv4.tcp_rmem = 4096\t65536  4194304\n"  # hand-made spacing
    write(root / "etc/sysctl.d/99-local.conf", local)
    write(root / RMEM, "4096\t65536\t4194304\n")
    code, out, err = validate(root, profile_file(tmp_path))
    assert (code, err) == (1, "")
    assert out[:3] == [
        "net.ipv4.tcp_rmem: drift[OV001]: expected 4096 87380 6291456, actual 4096 65536 4194304",
        "  cause: /etc/sysctl.d/99-local.conf:2 sets net.ipv4.tcp_rmem = 4096 65536 4194304 and "
        "is applied after oomcfg's file (sysctl.d(5): files sort by name, the last one wins)",
        "  fix:   remove the setting from /etc/sysctl.d/99-local.conf or put that value in the "
        "profile",
    ]
    assert out[-1] == "validate: DRIFT: 3 checked, 1 drift, 0 not running, 0 cannot check"


def test_validate_a_run_time_change_of_one_number_is_drift(root: Path, tmp_path: Path) -> None:
    install(root, tmp_path)
    write(root / PORTS, "1024\t60999\n")
    code, out, _ = validate(root, profile_file(tmp_path))
    assert code == 1
    assert out[0] == ("net.ipv4.ip_local_port_range: drift[OV002]: expected 32768 60999, "
                      "actual 1024 60999")
    assert out[1] == ("  cause: /etc/sysctl.d/90-oomcfg.conf:4 sets 32768 60999 but the kernel "
                      "has 1024 60999: changed at run time after the files were applied")


def test_validate_more_numbers_than_the_kernel_keeps_says_so(root: Path, tmp_path: Path) -> None:
    profile = profile_file(tmp_path, "oomcfg: 1\nsysctl:\n  vm.lowmem_reserve_ratio: "
                                     "{value: [256, 256, 32, 0, 0, 0], passthrough: true}\n")
    code, out, err = validate(root, profile)
    assert (code, err) == (1, "")
    assert out[:3] == [
        "vm.lowmem_reserve_ratio: drift[OV004]: expected 256 256 32 0 0 0, actual 256 256 32 0 0",
        "  cause: this kernel keeps 5 values for vm.lowmem_reserve_ratio and ignores the rest of "
        "a write: the profile's 6 cannot all be in place",
        "  fix:   give 5 values in the profile",
    ]


# --- apply ---------------------------------------------------------------------------------


def apply(root: Path, tmp_path: Path) -> Outcome:
    """Render the profile and apply it to ``root``, writing its fixture /proc/sys."""
    files = render(load_profiles([profile_file(tmp_path)])).files
    host = Host(root, proc=root / "proc", sys=tmp_path / "sys")
    options = ApplyOptions(lock_timeout=2, systemctl=(sys.executable, "-c", "exit(1)"),
                           effects_off_root=True)
    return run_apply(host, files, options)


def test_apply_leaves_values_the_kernel_already_has_alone(root: Path, tmp_path: Path) -> None:
    before = {p: (root / p).stat().st_mtime_ns for p in (RMEM, LOWMEM, PORTS)}
    outcome = apply(root, tmp_path)
    assert (outcome.exit_code, outcome.effects.done, outcome.effects.failures) == (
        ExitCode.OK, [], [])
    assert {p: (root / p).stat().st_mtime_ns for p in before} == before
    assert (root / OURS).read_text().endswith(RENDERED)


def test_apply_writes_a_changed_list_as_one_line_of_words(root: Path, tmp_path: Path) -> None:
    write(root / RMEM, "8192\t87380\t6291456\n")
    write(root / LOWMEM, "256\t256\t16\t0\t0\n")
    outcome = apply(root, tmp_path)
    assert outcome.exit_code == ExitCode.OK
    assert sorted(outcome.effects.done) == [
        "sysctl net.ipv4.tcp_rmem: 8192 87380 6291456 -> 4096 87380 6291456",
        "sysctl vm.lowmem_reserve_ratio: 256 256 16 0 0 -> 256 256 32",
    ]
    # A fixture file is overwritten in place like a /proc/sys file (no O_TRUNC), so a
    # shorter list leaves the tail, as the kernel does with the numbers it keeps.
    assert (root / RMEM).read_text() == "4096 87380 6291456\n"
    assert (root / LOWMEM).read_text() == "256 256 32\t0\t0\n"
    again = apply(root, tmp_path)
    assert (again.exit_code, again.effects.done) == (ExitCode.OK, [])


# --- lint ----------------------------------------------------------------------------------


def test_lint_a_sysctl_d_file_with_multi_value_lines_is_clean(tmp_path: Path) -> None:
    write(tmp_path / "etc/sysctl.d/60-net.conf",
          "net.ipv4.tcp_rmem = 4096\t87380 6291456\nkernel.printk = 4 4 1 7\n"
          "net.ipv4.ip_local_port_range=32768 60999\n")
    write(tmp_path / "etc/sysctl.d/90-oomcfg.conf", RENDERED)
    proc = oomcfg("lint", str(tmp_path / "etc/sysctl.d"))
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "0 error(s), 0 warning(s), 0 note(s) in 2 file(s)\n", "")


def test_lint_overridden_later_compares_words_not_spacing(tmp_path: Path) -> None:
    d = tmp_path / "etc/sysctl.d"
    write(d / "60-net.conf", "net.ipv4.tcp_rmem = 4096\t87380 6291456\n")
    write(d / "70-net.conf", "net.ipv4.tcp_rmem = 4096 87380   6291456\n")
    write(d / "80-net.conf", "net.ipv4.tcp_rmem = 4096 87380 4194304\n")
    proc = oomcfg("lint", str(d))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [
        f"{d}/70-net.conf:1:1: warning[OC109] net.ipv4.tcp_rmem = 4096 87380 6291456 is "
        f"overridden by 4096 87380 4194304 at {d}/80-net.conf:1; set the key in one file only "
        "(sysctl-overridden-later)",
        "0 error(s), 1 warning(s), 0 note(s) in 3 file(s)",
    ]


def test_lint_several_numbers_for_a_typed_key_say_the_kernel_keeps_the_first(
    tmp_path: Path,
) -> None:
    # Writing "7 20" to a one-integer sysctl sets 7 and reports a short write
    # (__do_proc_dointvec); checked by hand on kernel.printk_ratelimit, then restored.
    write(tmp_path / "etc/sysctl.d/60-vm.conf", "vm.swappiness = 10 20\n")
    proc = oomcfg("lint", str(tmp_path / "etc/sysctl.d"))
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.splitlines()[0] == (
        f"{tmp_path}/etc/sysctl.d/60-vm.conf:1:1: error[OC144] vm.swappiness = 10 20 holds 2 "
        "words but vm.swappiness takes one integer: the kernel sets 10 and ignores the rest; "
        "allowed: an integer 0..200 (0..200 (kernel >= 5.8): how eagerly anonymous memory is "
        "swapped relative to page cache) (invalid-oom-value)")


def test_lint_a_profile_with_multi_value_sysctls_is_clean(tmp_path: Path) -> None:
    proc = oomcfg("lint", str(profile_file(tmp_path)))
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "0 error(s), 0 warning(s), 0 note(s) in 1 file(s)\n", "")


# --- this machine's real /proc (read only) --------------------------------------------------


def test_validate_against_the_real_kernel_reads_its_tab_separated_lists(tmp_path: Path) -> None:
    """The running kernel's own values, given as lists, validate OK: nothing is written."""
    live = {key: Path("/proc/sys", key.replace(".", "/"))
            for key in ("net.ipv4.tcp_rmem", "kernel.printk", "vm.lowmem_reserve_ratio")}
    if not all(path.exists() for path in live.values()):
        pytest.skip("this kernel lacks one of the multi-value sysctls")
    words = {key: path.read_text().split() for key, path in live.items()}
    assert "\t" in live["kernel.printk"].read_text()  # what the word-wise compare is for
    words["vm.lowmem_reserve_ratio"] = words["vm.lowmem_reserve_ratio"][:2]  # a prefix holds
    lines = [f"  {key}: {{value: [{', '.join(w)}], passthrough: true}}\n"
             for key, w in words.items()]
    profile = profile_file(tmp_path, "oomcfg: 1\nsysctl:\n" + "".join(lines))
    proc = oomcfg("validate", str(profile), "--only", "sysctl")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "validate: OK: 3 checked, 0 drift, 0 not running, 0 cannot check\n", "")
