"""Fixtures that boot one throwaway systemd per test session (see sandbox.py).

``live_systemd`` boots it once (about half a second here: the boot target has
``DefaultDependencies=no``) and always tears it down, at session end or, if
the process dies first, from ``atexit``. Tests install their own units with
``write_file`` + ``daemon-reload`` and clean up after themselves, so one boot
serves the whole session. Every test in this directory carries the ``live``
marker automatically.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from .sandbox import Sandbox, SandboxUnavailableError, boot, teardown

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under tests/live/ as ``live``."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.live)


#: Host directories a misbehaving sandbox would touch first (live-systemd.md, hazards).
WATCHED = ("/etc/systemd/system", "/etc/sysctl.d")


def _snapshot() -> dict[str, list[str]]:
    return {d: sorted(os.listdir(d)) if os.path.isdir(d) else [] for d in WATCHED}


@pytest.fixture(scope="session")
def live_systemd(live_gate: Callable[[str], NoReturn]) -> Iterator[Sandbox]:
    """A booted sandbox systemd: ``.run(argv)``, ``.write_file()``, ``.pid`` (host PID).

    After teardown it checks the host: a sentinel in the host's /tmp survived
    (an unsandboxed systemd-tmpfiles once emptied it) and the watched /etc
    directories list the same entries as before the boot.
    """
    before = _snapshot()
    with tempfile.NamedTemporaryFile(prefix="oomcfg-live-sentinel-", dir="/tmp") as sentinel:
        try:
            box = boot({})
        except SandboxUnavailableError as err:
            live_gate(str(err))
        try:
            yield box
        finally:
            teardown(box)
        assert Path(sentinel.name).exists(), "the host's /tmp was emptied by the sandbox"
    assert _snapshot() == before, "the sandbox changed the host's /etc"


@pytest.fixture(scope="session")
def oomcfg_argv() -> list[str]:
    """argv prefix running this checkout's oomcfg inside the sandbox (same paths: overlay)."""
    return [sys.executable, "-m", "oomcfg"]
