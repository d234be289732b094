"""Suite-wide pytest policy.

The ``live`` marker (pyproject.toml) tags tests that boot a real systemd in
namespaces (tests/live/). Where the machine cannot do that, the answer depends
on where we run: on a developer's machine a skip that says why; in CI
(``CI=true``, or ``OOMCFG_LIVE=require`` anywhere) a **failure**, so a CI run
can never go green by silently skipping the end-to-end proof.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NoReturn

import pytest


def live_required() -> bool:
    """True when a missing live capability must fail the run (CI or explicit opt-in)."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("OOMCFG_LIVE") == "require"


def live_unavailable(reason: str) -> NoReturn:
    """Fail (CI) or skip (elsewhere) a ``live`` test that cannot run, with the reason."""
    message = f"live systemd sandbox unavailable: {reason}"
    if live_required():
        pytest.fail(message + " (CI=true: live tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def live_gate() -> Callable[[str], NoReturn]:
    """The skip-or-fail policy for live fixtures (used by tests/live/conftest.py)."""
    return live_unavailable
