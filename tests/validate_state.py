"""Profiles and LiveStates for the pure validate tests, built on captured real output.

The ``systemctl show`` text is what a real systemd 252 printed
(tests/data/live/systemctl-show-multi.txt), so the values are the ones a host
really shows (``1073741824`` for 1G, ``1825361100`` for 42.5%, ``infinity``).
"""

from __future__ import annotations

from pathlib import Path

from oomcfg.findings import Finding
from oomcfg.liveparse import DropIn, LiveState, ProcInfo, parse_show
from oomcfg.model import ManagedOOM, Memory, Profile, Service, Size, SysctlSetting

DATA = Path(__file__).parent / "data" / "live"
ALL = frozenset({"sysctl", "units", "processes"})
SHOW = (DATA / "systemctl-show-multi.txt").read_text()
UNITS = ["web.service", "db.service", "stopped.service", "forker.service", "nosuch.service"]
MEM_TOTAL = 24683656 * 1024  # the capture machine's MemTotal
OOMCFG_WEB = "/etc/systemd/system/web.service.d/50-oomcfg.conf"
WEB_DROPIN = (
    "[Service]\nOOMScoreAdjust=300\nOOMPolicy=kill\nMemoryHigh=768M\nMemoryMax=1G\n"
    "MemorySwapMax=0\nMemoryLow=10%\n"
)
DB_DROPIN = "[Service]\nOOMScoreAdjust=-700\n"


def profile(*services: Service, sysctl: dict[str, int | str] | None = None) -> Profile:
    settings = {k: SysctlSetting(k, v) for k, v in (sysctl or {}).items()}
    return Profile(1, "test", ("t.yaml",), settings, {s.name: s for s in services})


def svc(unit: str, adj: int | None = None, **kw: object) -> Service:
    return Service(unit.partition(".")[0], unit, oom_score_adj=adj, **kw)  # type: ignore[arg-type]


def web(**kw: object) -> Service:
    memory = Memory(
        low=Size("percent", 10), high=Size("bytes", 768 << 20), max=Size("bytes", 1 << 30),
        swap_max=Size("bytes", 0),
    )  # fmt: skip
    managed = ManagedOOM(memory_pressure="kill", preference="avoid")
    fields: dict[str, object] = {"oom_policy": "kill", "memory": memory, "managed_oom": managed}
    return svc("web.service", 300, **{**fields, **kw})


def live(
    show: str = SHOW,
    processes: dict[str, list[ProcInfo]] | None = None,
    dropins: dict[str, DropIn] | None = None,
    cap: bool | None = False,
    **kw: object,
) -> LiveState:
    default_dropins = {
        OOMCFG_WEB: DropIn(WEB_DROPIN, 1000.0),
        "/etc/systemd/system/db.service.d/50-oomcfg.conf": DropIn(DB_DROPIN, 1000.0),
    }
    return LiveState(
        systemd=True,
        manager_cap_sys_resource=cap,
        mem_total=MEM_TOTAL,
        units=parse_show(show, UNITS),
        dropins=default_dropins if dropins is None else dropins,
        processes=processes or {},
        **kw,  # type: ignore[arg-type]
    )


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]
