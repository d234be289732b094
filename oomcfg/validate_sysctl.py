"""validate's sysctl layer (pure): the kernel's value vs the profile, and who set it.

The kernel's value is read from /proc/sys; when it differs, the finding names
the assignment that put it there, found the way the boot-time tool applies
the files (sysctl.d(5)):

* the sysctl.d files come sorted by basename across /etc, /run,
  /usr/local/lib and /usr/lib, a same-named file in /etc masking the others
  (:func:`oomcfg.sysctld.sysctl_config_files`, in the probe);
* the last assignment of a key wins; a glob (``vm.swappi*``) reaches a key
  only when no file sets that key explicitly -- systemd-sysctl logs "Not
  setting KEY (explicit setting exists)" (src/sysctl/sysctl.c,
  ``apply_glob_option``);
* /etc/sysctl.conf: systemd-sysctl ignores it, procps ``sysctl --system``
  (what init scripts run on hosts without systemd) reads it last, and
  ``sysctl -p`` reads only it. Without systemd it is simply the last file;
  with systemd it is named when it sets the value the kernel has, since
  someone must have run ``sysctl -p``.

No assignment explains the value: it was changed at run time (OV002).

Values are compared word by word, and a kernel integer list that starts
with the profile's numbers matches (:func:`oomcfg.sysctld.same_value`): the
kernel prints ``4096\t87380\t6291456`` for ``net.ipv4.tcp_rmem = 4096 87380
6291456``, and a shorter write leaves the later numbers alone. Findings show
values with single spaces, as the profile writes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase

from oomcfg.findings import Finding
from oomcfg.liveparse import LiveState
from oomcfg.model import Profile
from oomcfg.sysctld import SysctlEntry, normalize_key, parse_sysctl_text, same_value, spaced

OURS = "90-oomcfg.conf"
SYSCTL_CONF = "/etc/sysctl.conf"


def sysctl_findings(profile: Profile, state: LiveState) -> Iterator[Finding]:
    """One finding per profile sysctl the kernel does not have (or that cannot be read)."""
    parsed = [(path, parse_sysctl_text(text, path)[0]) for path, text in state.sysctl_files]
    boot = [(p, e) for p, e in parsed if state.systemd is False or p != SYSCTL_CONF]
    conf = [(p, e) for p, e in parsed if p == SYSCTL_CONF]
    for key, setting in sorted(profile.sysctl.items()):
        if key not in state.sysctls:
            continue
        actual, expected = state.sysctls[key], str(setting.value)
        if actual is None:
            error = state.sysctl_errors.get(key)
            if error or not setting.ignore_missing:  # ignore_missing: absent keys only
                yield _unreadable(key, expected, error)
        elif not same_value(actual, expected):
            norm = normalize_key(key)
            winner = winning_entry(norm, boot)
            if (winner is None or _same(winner.value, expected)) and conf:
                winner = winning_entry(norm, conf) or winner
            found = _drift(
                key, expected, spaced(actual), winner, ours=_ours_sets(norm, boot),
                systemd=state.systemd,
            )
            yield _with_unreadable(found, state.sysctl_unreadable)


def winning_entry(
    key: str, files: Sequence[tuple[str, Sequence[SysctlEntry]]]
) -> SysctlEntry | None:
    """The assignment that sets ``key`` last, files in apply order; explicit beats glob."""
    explicit: SysctlEntry | None = None
    glob: SysctlEntry | None = None
    for _path, entries in files:
        for entry in entries:
            if entry.key == key:
                explicit = entry
            elif entry.is_glob and fnmatchcase(key, entry.key):
                glob = entry
    return explicit or glob


def _ours_sets(key: str, files: Sequence[tuple[str, Sequence[SysctlEntry]]]) -> bool | None:
    """Whether oomcfg's file sets ``key``; None when it is not installed."""
    ours = [entries for path, entries in files if path.rsplit("/", 1)[-1] == OURS]
    if not ours:
        return None
    return any(e.key == key for e in ours[-1])


def _with_unreadable(finding: Finding, unreadable: Sequence[str]) -> Finding:
    """Files that could not be read are named when no file explains the value."""
    if finding.code != "OV002" or not unreadable:
        return finding
    return finding._replace(
        cause=f"{finding.cause}; {', '.join(unreadable)} could not be read and may set it"
    )


def _same(a: str, b: str) -> bool:
    return a.split() == b.split()


def _unreadable(key: str, expected: str, error: str | None) -> Finding:
    path = f"/proc/sys/{normalize_key(key).replace('.', '/')}"
    why = f"cannot be read: {error}" if error else "does not exist on this kernel"
    return Finding(
        "OV003", "unknown", "sysctl", key, expected, "unreadable", f"{path} {why}",
        "check the key exists on this kernel and run validate as root",
    )  # fmt: skip


def _drift(
    key: str,
    expected: str,
    actual: str,
    winner: SysctlEntry | None,
    *,
    ours: bool | None,
    systemd: bool,
) -> Finding:
    if winner is None or _same(winner.value, expected):
        return _run_time(key, expected, actual, winner)
    where = f"{winner.path}:{winner.line}"
    sets = f"{where} sets {key} = {spaced(winner.value)}"
    if winner.path.rsplit("/", 1)[-1] == OURS:
        cause, fix = (
            f"oomcfg's own file {where} sets {spaced(winner.value)}: it is out of date",
            ("run 'oomcfg apply'"),
        )
    elif winner.path == SYSCTL_CONF:
        cause = _sysctl_conf_cause(sets, systemd)
        fix = f"remove the setting from {SYSCTL_CONF} or put that value in the profile"
    elif ours is None:
        cause = f"{sets}, and oomcfg's {OURS} is not installed"
        fix = f"run 'oomcfg apply' (installs {OURS}, which sorts after it)"
    elif not ours:
        cause = f"{sets}; oomcfg's {OURS} does not set {key}: it is out of date"
        fix = "run 'oomcfg apply'"
    else:
        cause = (
            f"{sets} and is applied after oomcfg's file "
            "(sysctl.d(5): files sort by name, the last one wins)"
        )
        fix = f"remove the setting from {winner.path} or put that value in the profile"
    return Finding("OV001", "drift", "sysctl", key, expected, actual, cause, fix, winner.path)


def _sysctl_conf_cause(sets: str, systemd: bool) -> str:
    if systemd:
        return (
            f"{sets}: systemd-sysctl ignores {SYSCTL_CONF} at boot, but 'sysctl -p' or "
            "'sysctl --system' (procps) applies it, after every sysctl.d file"
        )
    return f"{sets} and is read last by 'sysctl --system' (procps), after every sysctl.d file"


def _run_time(key: str, expected: str, actual: str, winner: SysctlEntry | None) -> Finding:
    if same_value(expected, actual):
        return _fewer_values(key, expected, actual, winner)
    if winner is None:
        return Finding(
            "OV002", "drift", "sysctl", key, expected, actual,
            "no sysctl.d file sets it: it was changed at run time (sysctl -w or a write to "
            "/proc/sys) or oomcfg's file was never installed",
            "run 'oomcfg apply' (installs the file and sets the value)",
        )  # fmt: skip
    return Finding(
        "OV002", "drift", "sysctl", key, expected, actual,
        f"{winner.path}:{winner.line} sets {expected} but the kernel has {actual}: changed "
        "at run time after the files were applied",
        "run 'oomcfg apply', or 'systemctl restart systemd-sysctl'",
        file=winner.path,
    )  # fmt: skip


def _fewer_values(key: str, expected: str, actual: str, winner: SysctlEntry | None) -> Finding:
    """The kernel keeps fewer numbers than the profile gives: the extra ones never land.

    ``__do_proc_dointvec`` stops after the table's last slot, so writing four
    numbers to the two of ``net.ipv4.ip_local_port_range`` sets two. Not a
    run-time change: the fix is the profile.
    """
    kept = len(actual.split())
    values = f"{kept} value{'s' if kept > 1 else ''}"
    return Finding(
        "OV004", "drift", "sysctl", key, expected, actual,
        f"this kernel keeps {values} for {key} and ignores the rest of a write: "
        f"the profile's {len(expected.split())} cannot all be in place",
        f"give {values} in the profile",
        file=None if winner is None else winner.path,
    )  # fmt: skip
