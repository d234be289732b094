"""Fixtures that boot one throwaway systemd per test session (see sandbox.py).

``live_systemd`` boots it once (about half a second here: the boot target has
``DefaultDependencies=no``) and always tears it down, at session end or, if
the process dies first, from ``atexit``. Tests install their own units with
``write_file`` + ``daemon-reload`` and clean up after themselves, so one boot
serves the whole session. Every test in this directory carries the ``live``
marker automatically.
"""

from __future__ import annotations

import sys
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


@pytest.fixture(scope="session")
def live_systemd(live_gate: Callable[[str], NoReturn]) -> Iterator[Sandbox]:
    """A booted sandbox systemd: ``.run(argv)``, ``.write_file()``, ``.pid`` (host PID)."""
    try:
        box = boot({})
    except SandboxUnavailableError as err:
        live_gate(str(err))
    try:
        yield box
    finally:
        teardown(box)


@pytest.fixture(scope="session")
def oomcfg_argv() -> list[str]:
    """argv prefix running this checkout's oomcfg inside the sandbox (same paths: overlay)."""
    return [sys.executable, "-m", "oomcfg"]
