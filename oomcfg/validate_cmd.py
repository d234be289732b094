"""``oomcfg validate``: load the profile, probe the host, compare, report.

The command glue between the CLI and the pure core: it owns the exit-code
contract (0 all good, 1 drift, 3 invalid profile, 4 cannot check) and keeps
YAML and the probe out of ``oomcfg --help``'s import path.
"""

from __future__ import annotations

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
    """``--only sysctl,units`` (repeatable) -> the layer set, or an error message."""
    if not values:
        return frozenset(LAYERS)
    chosen = {v.strip() for value in values for v in value.split(",") if v.strip()}
    bad = sorted(chosen - set(LAYERS))
    if bad:
        return f"unknown --only value(s) {', '.join(bad)}; allowed: {', '.join(LAYERS)}"
    return frozenset(chosen)


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
    host = Host(request.root, proc=request.proc, sys=request.sys)
    report = validate(profile, probe(host, profile, request.only), request.only)
    if request.json_format:
        stdout.write(render_json(report))
    elif stdout.isatty():
        write_table(report, stdout)
    else:
        stdout.write(render_text(report))
    return report.exit_code
