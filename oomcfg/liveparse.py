"""Pure parsers for what a live host prints, and the LiveState they build.

``oomcfg validate`` reads a host through :mod:`oomcfg.probe` (impure, via the
host seam) and compares in :mod:`oomcfg.validate` (pure). Everything between
-- turning ``systemctl show`` output and /proc files into values -- lives
here, as functions of text, tested on outputs captured from a real systemd
(tests/data/live/).

The records are NamedTuples, not dataclasses: every ``oomcfg validate``
start defines these classes, and a frozen slotted dataclass costs about four
times as much to define (measured here: ~1.1 ms vs ~0.25 ms per class).
They are immutable all the same; the empty-mapping defaults are read-only
proxies, so no two LiveStates can share a mutable default.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

#: ``systemctl show -p`` properties validate asks for, in one batched call.
#: ``Id`` is asked for on purpose: systemd prints properties in its own order
#: (not ours), and the ``Id=`` line is what ties each blank-line-separated
#: block to its unit. ``FragmentPath`` names the unit file when no drop-in
#: sets a value.
SHOW_PROPERTIES = (
    "Id",
    "OOMScoreAdjust",
    "OOMPolicy",
    "MemoryMin",
    "MemoryLow",
    "MemoryHigh",
    "MemoryMax",
    "MemorySwapMax",
    "ManagedOOMSwap",
    "ManagedOOMMemoryPressure",
    "ManagedOOMMemoryPressureLimit",
    "ManagedOOMPreference",
    "MainPID",
    "ControlGroup",
    "ActiveState",
    "LoadState",
    "FragmentPath",
    "DropInPaths",
    "NeedDaemonReload",
)

#: What validate asks the manager itself (``systemctl show`` naming no unit), only
#: when a process differs from the profile: when systemd last loaded unit files
#: (org.freedesktop.systemd1(5)), to tell a process started before a daemon-reload
#: from one changed at run time (:mod:`oomcfg.validate_systemd`, OV023).
MANAGER_PROPERTIES = ("UnitsLoadTimestamp",)

#: capabilities(7): CAP_SYS_RESOURCE is bit 24 of the CapEff mask in proc(5) status.
CAP_SYS_RESOURCE_BIT = 24

#: proc(5) stat field 3: Z zombie, X (x before Linux 3.13) dead. The process has
#: exited; its /proc entry stays (with comm and oom_score_adj) until it is reaped.
EXITED_STATES = frozenset("ZXx")

#: ActiveState values of a unit whose processes validate checks (systemd.unit(5) and
#: org.freedesktop.systemd1(5)): running, reloading, or still stopping (its processes
#: are there and carry a value). "activating" is not: its main process may not exist yet.
RUNNING_STATES = frozenset({"active", "reloading", "deactivating"})

#: The default of LiveState's mappings: empty and read-only.
_EMPTY: Mapping[Any, Any] = MappingProxyType({})


class UnitProps(NamedTuple):
    """One unit as ``systemctl show`` describes it (raw values kept in ``props``)."""

    unit: str
    props: Mapping[str, str]

    def get(self, name: str) -> str:
        """Raw value of a property; empty when systemd did not print it."""
        return self.props.get(name, "")

    @property
    def load_state(self) -> str:
        """``loaded``, ``not-found``, ``masked``, ``bad-setting``, ..."""
        return self.get("LoadState")

    @property
    def active_state(self) -> str:
        """``active``, ``inactive``, ``failed``, ``activating``, ..."""
        return self.get("ActiveState")

    @property
    def main_pid(self) -> int:
        """MainPID; 0 when the unit has no running main process."""
        return decimal(self.get("MainPID")) or 0

    @property
    def control_group(self) -> str:
        """Cgroup path relative to the manager's cgroup root (empty when none)."""
        return self.get("ControlGroup")

    @property
    def dropin_paths(self) -> tuple[str, ...]:
        """Drop-ins systemd loaded, in the order it applied them (space-separated)."""
        return tuple(self.get("DropInPaths").split())

    @property
    def need_daemon_reload(self) -> bool:
        """True when unit files changed on disk since systemd last loaded them."""
        return self.get("NeedDaemonReload") == "yes"


class ProcInfo(NamedTuple):
    """One process as validate needs it; ``start`` is seconds since the epoch (or None)."""

    pid: int
    oom_score_adj: int
    start: float | None = None
    comm: str = ""


class DropIn(NamedTuple):
    """A drop-in's text (None: unreadable) and modification time (epoch seconds)."""

    text: str | None
    mtime: float | None = None


class LiveState(NamedTuple):
    """Everything probe read from a host; validate compares a Profile against it.

    A key missing from a mapping means "not probed" (``--only``); a value of
    None means "probed but unreadable". ``unknown`` collects what could not
    be checked at all (object -> reason), which validate turns into exit 4.
    """

    systemd: bool
    manager_cap_sys_resource: bool | None = None
    manager_oom_score_adj: int | None = None
    mem_total: int | None = None
    sysctls: Mapping[str, str | None] = _EMPTY
    sysctl_files: Sequence[tuple[str, str]] = ()
    #: Why a sysctl read as None could not be read (no entry: the key does not exist).
    sysctl_errors: Mapping[str, str] = _EMPTY
    #: sysctl.d files that exist but could not be read (permission): they may set a key.
    sysctl_unreadable: tuple[str, ...] = ()
    units: Mapping[str, UnitProps] = _EMPTY
    dropins: Mapping[str, DropIn] = _EMPTY
    processes: Mapping[str, Sequence[ProcInfo]] = _EMPTY
    unknown: Mapping[str, str] = _EMPTY
    #: Profile service name -> the loaded units its template/prefix/type drop-in
    #: reaches (:func:`oomcfg.instances.assign_instances`); no key: not expanded.
    instances: Mapping[str, tuple[str, ...]] = _EMPTY
    #: When systemd last started loading unit files (``UnitsLoadTimestamp``, epoch
    #: seconds, :func:`parse_units_load_time`). None: not asked (no process differed),
    #: no daemon-reload since boot, or a systemd without the property.
    units_loaded_at: float | None = None


def parse_show(text: str, units: Sequence[str]) -> dict[str, UnitProps]:
    """Split a multi-unit ``systemctl show`` into one :class:`UnitProps` per requested unit.

    systemctl prints one block per unit, in argument order, separated by a
    blank line; within a block the properties come in systemd's order, not
    ours. A block is matched to a unit by its ``Id=`` line; when Id differs
    (the name asked for is an alias: Id is the unit's real name) the block's
    position decides.
    """
    blocks = [_parse_block(chunk) for chunk in _blocks(text)]
    wanted = set(units)
    result: dict[str, UnitProps] = {}
    for index, props in enumerate(blocks):
        unit_id = props.get("Id", "")
        if unit_id in wanted:
            name = unit_id
        elif index < len(units):
            name = units[index]
        else:
            continue
        result.setdefault(name, UnitProps(name, props))
    return result


def parse_show_matches(text: str) -> dict[str, UnitProps]:
    """Every unit of a ``systemctl show PATTERN...`` (glob) output, by its ``Id=``.

    With glob patterns systemctl(1) ``show`` expands them against the units
    the manager has loaded, the way ``list-units`` does without ``--all``:
    active units, units with a job and failed ones (an instance that was
    stopped is unloaded and not listed). The blocks come in no useful order
    (systemd 252 prints them in its hash order) and a unit matched by two
    patterns is printed once, so blocks are keyed by ``Id`` and a block
    without one is skipped; the result is sorted by unit name.
    """
    found: dict[str, UnitProps] = {}
    for chunk in _blocks(text):
        props = _parse_block(chunk)
        unit_id = props.get("Id", "")
        if unit_id:
            found.setdefault(unit_id, UnitProps(unit_id, props))
    return dict(sorted(found.items()))


def _blocks(text: str) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            chunks.append("\n".join(current))
            current = []
    if current:
        chunks.append("\n".join(current))
    return chunks


def _parse_block(chunk: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for line in chunk.splitlines():
        key, eq, value = line.partition("=")
        if eq:
            props[key] = value
    return props


def parse_units_load_time(text: str) -> float | None:
    """``UnitsLoadTimestamp`` of ``systemctl show --timestamp=us+utc`` in epoch seconds.

    org.freedesktop.systemd1(5): a CLOCK_REALTIME timestamp "taken every time
    when the manager starts loading unit files", i.e. at every daemon-reload
    (systemd 252 leaves it empty until the first one after boot). With
    ``us+utc`` (systemctl(1) ``--timestamp=``) systemctl prints it as
    ``Thu 2026-11-26 09:29:01.873349 UTC``: microseconds, and the same text
    whatever the local time zone. None when empty, absent (a systemd without
    the property prints nothing for it) or not in that form; never raises.
    """
    fields = _parse_block(text).get("UnitsLoadTimestamp", "").split()
    if len(fields) != 4 or fields[3] != "UTC":  # weekday, date, time, zone
        return None
    clock, _dot, micros = fields[2].partition(".")
    numbers = [decimal(f) for f in (*fields[1].split("-"), *clock.split(":"))]
    usec = decimal(micros.ljust(6, "0")) if len(micros) <= 6 else None  # 6 digits: µs
    if len(numbers) != 6 or usec is None:  # year-month-day hour:minute:second
        return None
    year, month, day, hour, minute, second = numbers
    if year is None or month is None or day is None:
        return None
    if hour is None or minute is None or second is None:
        return None
    import datetime  # noqa: PLC0415 - only a run where a process differs parses a timestamp

    try:
        moment = datetime.datetime(
            year, month, day, hour, minute, second, usec, tzinfo=datetime.UTC
        )
    except (ValueError, OverflowError):
        return None
    return moment.timestamp()


def parse_cap_eff(status_text: str) -> int | None:
    """The CapEff mask from a /proc/PID/status text (proc(5)), or None if absent."""
    for line in status_text.splitlines():
        if line.startswith("CapEff:"):
            try:
                return int(line.split(":", 1)[1].strip(), 16)
            except ValueError:
                return None
    return None


def has_cap_sys_resource(status_text: str) -> bool | None:
    """Whether a process may lower oom_score_adj (None: status unreadable or malformed)."""
    mask = parse_cap_eff(status_text)
    return None if mask is None else bool(mask >> CAP_SYS_RESOURCE_BIT & 1)


#: u64 has 20 decimal digits; no number in /proc or ``systemctl show`` has more.
_MAX_DIGITS = 20


def decimal(text: str) -> int | None:
    """A non-negative ASCII decimal of at most 20 digits, else None; never raises.

    ``str.isdigit()`` alone is true for ``'²'`` (``int()`` refuses it) and
    ``'٣'`` (``int()`` reads 3), and ``int()`` refuses over 4,300 digits: a
    pidfile, a ``--proc`` fixture or a fake ``systemctl`` can hold any of them.
    """
    if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS:
        return int(text)
    return None


def parse_pid_list(text: str) -> list[int]:
    """PIDs of a ``cgroup.procs`` file (one decimal per line; cgroup-v2.rst)."""
    return [pid for tok in text.split() if (pid := decimal(tok)) is not None]


def parse_oom_score_adj(text: str) -> int | None:
    """The integer in /proc/PID/oom_score_adj, or None when the text is not one."""
    try:
        return int(text.strip())
    except ValueError:
        return None


def parse_proc_state(stat_text: str) -> str | None:
    """Field 3 of /proc/PID/stat (``R``, ``S``, ``Z``, ...), read after the last ``)``."""
    tail = stat_text.rpartition(")")[2].split(None, 1)  # only the first field is wanted
    return tail[0] if tail else None


def parse_start_ticks(stat_text: str) -> int | None:
    """Field 22 of /proc/PID/stat: start time in clock ticks after boot (proc(5)).

    The comm field (2) may hold spaces and parentheses, so the split starts
    after the *last* ``)``.
    """
    tail = stat_text.rpartition(")")[2].split()
    # tail[0] is field 3 (state); field 22 is tail[19].
    return decimal(tail[19]) if len(tail) >= 20 else None


def parse_btime(proc_stat_text: str) -> int | None:
    """Boot time in seconds since the epoch: the ``btime`` line of /proc/stat (proc(5))."""
    for line in proc_stat_text.splitlines():
        if line.startswith("btime "):
            fields = line.split()
            return decimal(fields[1]) if len(fields) > 1 else None
    return None


def parse_uptime(uptime_text: str) -> float | None:
    """Seconds since boot: the first number of /proc/uptime (proc(5))."""
    try:
        seconds = float(uptime_text.split(maxsplit=1)[0])
    except (IndexError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None  # not 'inf', 'nan'


def parse_mem_total(meminfo_text: str) -> int | None:
    """MemTotal of /proc/meminfo in bytes (proc(5) prints kB, meaning KiB)."""
    for line in meminfo_text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            kib = decimal(parts[1]) if len(parts) >= 2 else None
            return None if kib is None else kib * 1024
    return None


def parse_pidfile(text: str) -> int | None:
    """The PID in a daemon's pidfile: the first token, a positive decimal."""
    tokens = text.split()
    pid = decimal(tokens[0]) if tokens else None
    return pid if pid else None


def parse_cgroup_v2(cgroup_text: str) -> str | None:
    """The cgroup v2 path of a /proc/PID/cgroup text (the ``0::PATH`` line; proc(5)), or None."""
    for line in cgroup_text.splitlines():
        if line.startswith("0::"):
            return line[3:]
    return None


def in_control_group(path: str, control_group: str) -> bool:
    """Whether a process' cgroup v2 ``path`` lies in systemd's ``ControlGroup`` (or below it).

    ``path`` is relative to the *reader's* cgroup namespace and ControlGroup to
    the manager's, so a reader outside a container's namespace sees a longer
    prefix: the group must appear in the path as whole components.
    """
    group = control_group.rstrip("/") + "/"
    return group in path.rstrip("/") + "/"
