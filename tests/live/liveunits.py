"""Per-test bookkeeping the live tests (apply and validate) share: their units and clean-up.

Every test writes its own units into the one sandbox the session boots
(tests/live/conftest.py), so each must leave nothing behind, pass or fail:
:meth:`LiveUnits.cleanup` stops its units and removes their files, drop-ins
and oomcfg's state, then reloads systemd. The unit texts are in units.py.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from subprocess import CompletedProcess

import pytest

from .sandbox import Sandbox
from .units import SLEEPER, UNIT_DIR


def unit_prefix(letter: str, request: pytest.FixtureRequest, width: int) -> str:
    """A per-test unit name prefix made from the test's name (``vdrop-in-changed``)."""
    return f"{letter}{request.node.name.removeprefix('test_')[:width]}".replace("_", "-")


@dataclass
class LiveUnits:
    """One test's units in the shared sandbox, removed by :meth:`cleanup`."""

    sandbox: Sandbox
    name: str
    units: list[str] = field(default_factory=list)
    #: Unit files that are not units of their own (templates): removed, never stopped.
    files: list[str] = field(default_factory=list)

    def unit(self, suffix: str, text: str = SLEEPER) -> str:
        """Write ``NAME-SUFFIX.service`` (loaded by :meth:`start`'s daemon-reload)."""
        unit = f"{self.name}-{suffix}.service"
        self.sandbox.write_file(f"{UNIT_DIR}/{unit}", text)
        (self.files if "@." in unit else self.units).append(unit)
        return unit

    def start(self, *units: str) -> None:
        """daemon-reload, then start ``units``."""
        self.sandbox.systemctl("daemon-reload")
        self.sandbox.systemctl("start", *units)

    def show(self, unit: str, prop: str) -> str:
        """One property as systemd shows it."""
        return self.sandbox.systemctl("show", unit, "-p", prop, "--value").stdout.strip()

    def adj(self, pid: int) -> int:
        """The oom_score_adj a process really carries."""
        return int(self.sandbox.read_file(f"/proc/{pid}/oom_score_adj"))

    def pids(self, unit: str) -> list[int]:
        """Every PID in the unit's cgroup (cgroup2 is mounted at /sys/fs/cgroup/unified)."""
        cgroup = self.show(unit, "ControlGroup")
        procs = self.sandbox.read_file(f"/sys/fs/cgroup/unified{cgroup}/cgroup.procs")
        return sorted(int(p) for p in procs.split())

    def oomcfg(self, *args: str) -> CompletedProcess[str]:
        """This checkout's oomcfg run inside the sandbox (the overlay shows the same paths)."""
        return self.sandbox.run([sys.executable, "-m", "oomcfg", *args], timeout=120)

    def cleanup(self) -> None:
        """Stop the units, remove their files, drop-ins and oomcfg's state; reload."""
        if self.units:
            self.sandbox.systemctl("stop", *self.units, check=False)
        for unit in self.units + self.files:
            self.sandbox.remove(f"{UNIT_DIR}/{unit}")
            self.sandbox.remove(f"{UNIT_DIR}/{unit}.d")
        self.sandbox.remove("/var/lib/oomcfg")
        self.sandbox.systemctl("daemon-reload", check=False)
