"""What is at a target path now, as one value: shared by the host seam and the planner.

:class:`FileState` is produced by :meth:`oomcfg.host.Host.read_state` (impure)
and consumed by :func:`oomcfg.plan.plan` (pure). It lives in this module of
its own, with no imports, so that the host seam does not pull the planner --
and with it ``hashlib`` and ``json`` -- into every ``oomcfg validate`` run,
which never plans or writes anything (about 10 ms of start-up here), while
the pure planner still never imports the host side (import-linter contract).
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from typing import Literal, NamedTuple

StateKind = Literal["missing", "file", "symlink", "other"]


class FileState(NamedTuple):
    """What is at a target path now: nothing, a regular file (with its bytes), or else.

    A NamedTuple, not a dataclass: immutable all the same, and its class costs
    a quarter as much to create at import, which every ``apply`` pays
    (performance.md P6 at 100 services is start-up bound).
    """

    path: str
    kind: StateKind
    content: bytes | None = None
    mode: int | None = None
