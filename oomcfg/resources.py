"""Find the shipped ``templates/`` and ``profiles/`` from a wheel or a checkout.

The design card keeps both at the repository's top level; the wheel carries
them as ``oomcfg/_data/`` (hatch ``force-include``). Look there first, then
beside the package in a checkout.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory ``name`` (``templates`` or ``profiles``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"oomcfg's {name}/ directory is missing from this installation")


def templates_dir() -> Path:
    """Directory of the Jinja2 templates."""
    return data_dir("templates")


def profiles_dir() -> Path:
    """Directory of the shipped preset profiles."""
    return data_dir("profiles")
