"""validate's sysctl layer (pure): which file wins for a key, or "changed at run time".

sysctl.d(5): files sort by basename across /etc, /run, /usr/local/lib and
/usr/lib (a same-named file in /etc masks the others; the probe lists them
that way), the last assignment wins, and systemd-sysctl ignores
/etc/sysctl.conf while procps ``sysctl --system`` reads it last.
"""

from __future__ import annotations

from oomcfg.errors import ExitCode
from oomcfg.liveparse import LiveState
from oomcfg.model import Profile, SysctlSetting
from oomcfg.validate import validate

ALL = frozenset({"sysctl", "units", "processes"})
OURS = ("/etc/sysctl.d/90-oomcfg.conf", "vm.swappiness = 10\n")


def swappiness(want: int = 10) -> Profile:
    return Profile(
        1, "test", ("t.yaml",), {"vm.swappiness": SysctlSetting("vm.swappiness", want)}, {}
    )


def sysctl_state(value: str | None, files: list[tuple[str, str]]) -> LiveState:
    return LiveState(systemd=False, sysctls={"vm.swappiness": value}, sysctl_files=files)


def test_sysctl_equal_is_no_finding() -> None:
    report = validate(swappiness(), sysctl_state("10", []), ALL)
    assert report.findings == () and report.exit_code == ExitCode.OK


def test_sysctl_overridden_by_a_later_file_names_it() -> None:
    files = [
        ("/etc/sysctl.d/90-oomcfg.conf", "vm.swappiness = 10\n"),
        ("/etc/sysctl.d/99-local.conf", "# tuned by hand\nvm.swappiness = 60\n"),
    ]
    (f,) = validate(swappiness(), sysctl_state("60", files), ALL).findings
    assert (f.code, f.object, f.expected, f.actual, f.file) == (
        "OV001", "vm.swappiness", "10", "60", "/etc/sysctl.d/99-local.conf",
    )  # fmt: skip
    assert "/etc/sysctl.d/99-local.conf:2 sets vm.swappiness = 60" in f.cause


def test_sysctl_changed_at_run_time_when_the_files_agree_or_are_silent() -> None:
    files = [("/etc/sysctl.d/90-oomcfg.conf", "vm.swappiness = 10\n")]
    (f,) = validate(swappiness(), sysctl_state("30", files), ALL).findings
    assert (f.code, f.file) == ("OV002", "/etc/sysctl.d/90-oomcfg.conf")
    (g,) = validate(swappiness(), sysctl_state("30", []), ALL).findings
    assert g.code == "OV002" and "no sysctl.d file sets it" in g.cause


def test_unreadable_sysctl_is_cannot_check_never_drift() -> None:
    report = validate(swappiness(), sysctl_state(None, []), ALL)
    assert [(f.code, f.status) for f in report.findings] == [("OV003", "unknown")]
    assert report.exit_code == ExitCode.ENVIRONMENT


def test_a_file_before_oomcfgs_is_named_without_claiming_it_comes_after_it() -> None:
    # oomcfg's file is not installed: the vendor default is what the kernel got.
    files = [("/usr/lib/sysctl.d/50-default.conf", "vm.swappiness = 60\n")]
    (f,) = validate(swappiness(), sysctl_state("60", files), ALL).findings
    assert (f.code, f.file) == ("OV001", "/usr/lib/sysctl.d/50-default.conf")
    assert "applied after" not in f.cause
    assert "oomcfg's 90-oomcfg.conf is not installed" in f.cause
    assert f.fix == "run 'oomcfg apply' (installs 90-oomcfg.conf, which sorts after it)"


def test_oomcfgs_file_without_the_key_is_out_of_date() -> None:
    files = [
        ("/etc/sysctl.d/90-oomcfg.conf", "vm.overcommit_memory = 1\n"),
        ("/usr/lib/sysctl.d/50-default.conf", "vm.swappiness = 60\n"),
    ]
    (f,) = validate(swappiness(), sysctl_state("60", files), ALL).findings
    assert "oomcfg's 90-oomcfg.conf does not set vm.swappiness: it is out of date" in f.cause


def test_etc_sysctl_conf_is_named_on_a_systemd_host_though_systemd_ignores_it() -> None:
    files = [OURS, ("/etc/sysctl.conf", "# local\nvm.swappiness=60\n")]
    state = sysctl_state("60", files)._replace(systemd=True)
    (f,) = validate(swappiness(), state, ALL).findings
    assert (f.code, f.file) == ("OV001", "/etc/sysctl.conf")
    assert "/etc/sysctl.conf:2 sets vm.swappiness = 60" in f.cause
    assert "systemd-sysctl ignores /etc/sysctl.conf" in f.cause
    assert "sysctl -p" in f.cause


def test_etc_sysctl_conf_is_read_last_without_systemd() -> None:
    # procps 'sysctl --system' (what init scripts run) reads /etc/sysctl.conf after sysctl.d.
    files = [
        OURS,
        ("/etc/sysctl.d/99-zz.conf", "vm.swappiness = 30\n"),
        ("/etc/sysctl.conf", "vm.swappiness = 60\n"),
    ]
    (f,) = validate(swappiness(), sysctl_state("60", files), ALL).findings
    assert (f.code, f.file) == ("OV001", "/etc/sysctl.conf")
    assert "sysctl --system" in f.cause


def test_a_glob_sets_a_key_unless_a_file_sets_the_key_explicitly() -> None:
    # systemd-sysctl (src/sysctl/sysctl.c): a glob never overrides a key some file sets
    # explicitly, whatever the file order.
    glob = ("/etc/sysctl.d/99-glob.conf", "vm.swappi* = 60\n")
    alone = sysctl_state("60", [glob])._replace(systemd=True)
    (f,) = validate(swappiness(), alone, ALL).findings
    assert (f.code, f.file) == ("OV001", "/etc/sysctl.d/99-glob.conf")
    with_ours = sysctl_state("60", [OURS, glob])._replace(systemd=True)
    (g,) = validate(swappiness(), with_ours, ALL).findings
    assert (g.code, g.file) == ("OV002", "/etc/sysctl.d/90-oomcfg.conf")


def test_a_sysctl_file_that_could_not_be_read_is_named_as_a_possible_cause() -> None:
    state = sysctl_state("60", [OURS])._replace(sysctl_unreadable=("/etc/sysctl.d/60-x.conf",))
    (f,) = validate(swappiness(), state, ALL).findings
    assert (f.code, f.status) == ("OV002", "drift")  # the kernel's value was read: it differs
    assert f.cause.endswith("; /etc/sysctl.d/60-x.conf could not be read and may set it")


def test_ignore_missing_skips_a_missing_key_but_not_an_unreadable_one() -> None:
    lenient = Profile(
        1, "test", ("t.yaml",),
        {"vm.swappiness": SysctlSetting("vm.swappiness", 10, ignore_missing=True)}, {},
    )  # fmt: skip
    missing = sysctl_state(None, [])
    assert validate(lenient, missing, ALL).findings == ()
    refused = missing._replace(sysctl_errors={"vm.swappiness": "Permission denied"})
    (f,) = validate(lenient, refused, ALL).findings
    assert (f.code, f.cause) == (
        "OV003",
        "/proc/sys/vm/swappiness cannot be read: Permission denied",
    )
