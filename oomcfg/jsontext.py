"""``json.dumps`` for the render path, with :mod:`json` imported on the first call.

:mod:`json` (its decoder, encoder and scanner come with it) is ~3 ms of every
``render``'s start-up, yet :func:`oomcfg.render.quoted` needs it only to quote a
file name or service key that is not plain printable ASCII, which almost no
profile has. ``render`` imports this module under the name ``json``, so its
call site reads as before.
"""

from __future__ import annotations


def dumps(obj: object) -> str:
    """``json.dumps(obj)`` with the default options (ASCII only, so one safe line)."""
    import json  # noqa: PLC0415 - on first use only: the point of this module

    return json.dumps(obj)
