"""``oomcfg validate``: load the profile, probe the host, compare, report.

The command glue between the CLI and the pure core: it owns the exit-code
contract (0 all good, 1 drift, 3 invalid profile, 4 cannot check) and keeps
YAML and the probe out of ``oomcfg --help``'s import path.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import stat
from pathlib import Path
from typing import NamedTuple, TextIO

from oomcfg.errors import ExitCode, InputError

#: ``--only`` choices; all three by default.
LAYERS = ("sysctl", "units", "processes")


class ValidateRequest(NamedTuple):
    """Everything ``oomcfg validate`` was asked to do."""

    profiles: tuple[Path, ...]
    root: Path = Path("/")
    proc: Path | None = None
    sys: Path | None = None
    json_format: bool = False
    only: frozenset[str] = frozenset(LAYERS)


def parse_only(values: list[str] | None) -> frozenset[str] | str:
    """``--only sysctl,units`` (repeatable) -> the layer set, or an error message.

    ``--only ''`` names nothing: an error, like render's, not "0 checked: OK"
    (a CI gate with an empty variable would otherwise always pass).
    """
    if values is None:
        return frozenset(LAYERS)
    chosen = {v.strip() for value in values for v in value.split(",") if v.strip()}
    allowed = ", ".join(LAYERS)
    if not chosen:
        return f"--only names no layer; allowed: {allowed}"
    bad = sorted(chosen - set(LAYERS))
    if bad:
        return f"unknown --only value(s) {', '.join(bad)}; allowed: {allowed}"
    return frozenset(chosen)


def root_problem(root: Path) -> str:
    """Why ``--root`` cannot be the host's root ('' if it can), as ``apply --root`` refuses.

    A mistyped root is not "a host whose /proc is not mounted": it is a
    cannot-check (exit 4) that names the option. ``--proc`` and ``--sys`` stay
    in the report (each unreadable fact says which file), so ``--format json``
    still gets its document.
    """
    problem = _dir_problem(root)
    return f"--root {root}: {problem}" if problem else ""


def _dir_problem(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except OSError as err:  # ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP: say which
        return f"cannot be read: {err.strerror or err}"
    return "" if stat.S_ISDIR(mode) else "is not a directory"


def run_validate(request: ValidateRequest, stdout: TextIO, stderr: TextIO) -> ExitCode:
    """Run ``oomcfg validate``; a bad profile -> diagnostics on stderr, exit 3."""
    from oomcfg.host import Host  # noqa: PLC0415 - heavy imports only when validating
    from oomcfg.probe import probe  # noqa: PLC0415
    from oomcfg.profile import load_profiles  # noqa: PLC0415
    from oomcfg.validate import validate  # noqa: PLC0415
    from oomcfg.validate_output import render_json, render_text, write_table  # noqa: PLC0415

    try:
        profile = load_profiles([str(p) for p in request.profiles])
    except InputError as err:
        for diagnostic in err.diagnostics:
            stderr.write(diagnostic.format() + "\n")
        return ExitCode.INVALID_INPUT
    problem = root_problem(request.root)
    if problem:
        stderr.write(f"oomcfg: cannot check: {problem}\n")
        return ExitCode.ENVIRONMENT
    host = Host(request.root, proc=request.proc, sys=request.sys)
    report = validate(profile, probe(host, profile, request.only), request.only)
    if request.json_format:
        stdout.write(render_json(report))
    elif stdout.isatty():
        write_table(report, stdout)
    else:
        stdout.write(render_text(report))
    return report.exit_code
