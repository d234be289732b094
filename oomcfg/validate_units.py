"""Normalise ``systemctl show`` values and compare them with a Service (pure).

``systemctl show`` does not print what the unit file says but systemd's
internal value, so a plain string comparison would call almost everything
drift (values observed on systemd 252, tests/data/live/):

* ``MemoryMax=1G`` reads back as ``1073741824``; unset or ``infinity`` reads
  ``infinity`` (older versions and the D-Bus API give ``18446744073709551615``,
  UINT64_MAX, for the same thing);
* a percentage (``MemoryLow=10%``) is turned into bytes of physical memory,
  rounded to whole pages (systemd ``physical_memory_scale()``);
* ``ManagedOOMMemoryPressureLimit=42.5%`` reads back as ``1825361100``: a
  fraction of UINT32_MAX (``UINT32_SCALE_FROM_PERMYRIAD``); newer versions
  print a percentage, which is accepted too.
"""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.liveparse import UnitProps, decimal
from oomcfg.model import Service, Size

UINT64_MAX = 2**64 - 1
UINT32_MAX = 2**32 - 1
PAGE = 4096


def compare_unit_props(
    svc: Service, props: UnitProps, mem_total: int | None
) -> Iterator[tuple[str, str, str]]:
    """``(property, expected, actual)`` for every profile setting systemd does not have."""
    for prop, want in _wanted(svc):
        actual = props.get(prop)
        if isinstance(want, Size):
            same = size_matches(want, actual, mem_total)
            shown = display_bytes(actual)
            text = want.render()
        elif prop == "ManagedOOMMemoryPressureLimit":
            same = limit_matches(int(want), actual)
            shown, text = display_limit(actual), f"{want}%"
        else:
            same, shown, text = actual == str(want), actual, str(want)
        if same is False:
            yield prop, text, shown


def _wanted(svc: Service) -> Iterator[tuple[str, int | str | Size]]:
    mem, moom = svc.memory, svc.managed_oom
    pairs: tuple[tuple[str, int | str | Size | None], ...] = (
        ("OOMScoreAdjust", svc.oom_score_adj),
        ("OOMPolicy", svc.oom_policy),
        ("MemoryMin", mem.min),
        ("MemoryLow", mem.low),
        ("MemoryHigh", mem.high),
        ("MemoryMax", mem.max),
        ("MemorySwapMax", mem.swap_max),
        ("ManagedOOMSwap", moom.swap),
        ("ManagedOOMMemoryPressure", moom.memory_pressure),
        ("ManagedOOMMemoryPressureLimit", moom.memory_pressure_limit),
        ("ManagedOOMPreference", moom.preference),
    )
    for prop, value in pairs:
        if value is not None:
            yield prop, value


def size_matches(want: Size, actual: str, mem_total: int | None) -> bool | None:
    """Whether a shown memory value equals ``want``; None when it cannot be decided."""
    if actual in ("infinity", str(UINT64_MAX)):
        return want.kind == "infinity"
    shown = decimal(actual)
    if shown is None:
        return None
    if want.kind == "infinity":
        return False
    if want.kind == "bytes":
        return shown == want.value
    if mem_total is None:
        return None
    # Rounded to whole pages of memory (and our MemTotal may differ from the
    # manager's physical_memory() by a page or so): allow two pages.
    return abs(shown - mem_total * want.value // 100) <= 2 * PAGE


def limit_matches(percent: int, actual: str) -> bool | None:
    """Whether a shown ManagedOOMMemoryPressureLimit equals ``percent`` (see module doc)."""
    if actual.endswith("%"):
        try:
            return abs(float(actual[:-1]) - percent) < 0.01
        except ValueError:
            return None
    shown = decimal(actual)
    if shown is None:
        return None
    return shown == (percent * 100 * UINT32_MAX + 5000) // 10000


def display_bytes(actual: str) -> str:
    """A shown memory value in the profile's notation (``1G``, ``infinity``)."""
    if actual in ("infinity", str(UINT64_MAX)):
        return "infinity"
    shown = decimal(actual)
    return actual if shown is None else Size("bytes", shown).render()


def display_limit(actual: str) -> str:
    """A shown pressure limit as a percentage with two decimals."""
    shown = decimal(actual)
    return actual if shown is None else f"{shown * 100 / UINT32_MAX:.2f}%"
