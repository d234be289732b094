"""The command line: the only module that imports Typer.

Each command is a thin function that parses options, calls a pure or seam
function that returns an :class:`~oomcfg.errors.ExitCode`, and exits with it.
Heavy imports (Jinja2, YAML, rich) happen inside commands so that
``oomcfg --version`` and ``--help`` stay fast (performance.md, P1/P2).

No ``from __future__ import annotations`` here, on purpose: Typer builds every
command from its annotations on each run, and string annotations cost an
``eval`` each (measured: 24 ms to build four commands, 3 ms with real ones).
"""

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from oomcfg.entry import version_line
from oomcfg.errors import ExitCode, InputError, OomcfgError
from oomcfg.outstream import OutputError

app = typer.Typer(
    name="oomcfg",
    help="Declare, apply and prove a Linux host's out-of-memory posture.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line())
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Declare, apply and prove a Linux host's out-of-memory posture."""


def _finish(code: int) -> NoReturn:
    raise typer.Exit(int(code))


def _finish_or_fail(command: Callable[[], int]) -> NoReturn:
    """Run a command function; exit with its code, or with the code of the error it raised."""
    try:
        code = command()
    except OomcfgError as err:
        _fail(err)
    _finish(code)


def _fail(err: OomcfgError) -> NoReturn:
    _report(err)
    raise typer.Exit(int(err.exit_code))


def _report(err: OomcfgError) -> None:
    """Say what went wrong on stderr: diagnostics one per line, bare, as render prints them.

    ``oomcfg: `` before an InputError's first diagnostic made that one line
    ``oomcfg: path:line:col: ...``, which editors and CI problem matchers read
    as a file named ``oomcfg: path`` (bad-inputs.md: every problem as
    ``file:line:col: error[CODE]: ...``).
    """
    if isinstance(err, InputError):
        sys.stderr.writelines(d.format() + "\n" for d in err.diagnostics)
    else:
        sys.stderr.write(f"oomcfg: {err}\n")


def _path(value: str | Path) -> Path:
    """Parse a path option or argument; an empty one is a usage error (exit 2), not ``.``.

    ``Path("")`` is ``.``: ``--root "$ROOT"`` or ``--out "$DEST"`` with the
    variable unset would apply or render into the current directory, and
    ``lint "$FILES"`` would lint it, all without a word.
    """
    if isinstance(value, str) and not value:
        raise typer.BadParameter("empty path (an unset variable?); write . for the current "
                                 "directory")
    return Path(value)


def _profile_path(value: str | Path) -> Path:
    """A PROFILE argument: a written path stays a path, never a shipped preset's name.

    ``Path("./database-server")`` is ``database-server``, which the loader
    takes for the shipped preset when no such file exists here: ``oomcfg
    apply ./database-server`` with the file missing would apply the preset.
    A spelling with a ``/`` that normalising loses is kept as an absolute path.
    """
    path = _path(value)
    if isinstance(value, str) and "/" in value and "/" not in str(path):
        return path.absolute()
    return path


# Parameters shared by the commands that load and render profiles: one definition
# each, so render, apply and validate describe them the same way.
ProfilesArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="PROFILE...", parser=_profile_path,
        help="Profile files, or shipped presets by name (database-server, preset:NAME); "
        "later ones override earlier ones."
    ),
]
SystemdVersionOpt = Annotated[
    int | None,
    typer.Option("--systemd-version", min=200, metavar="N",
                 help="Target systemd N: omit or rename what it lacks (with a note)."),
]
TargetsOpt = Annotated[
    list[str] | None,
    typer.Option("--only", metavar="TARGETS",
                 help="Comma-separated targets (default: systemd,sysctl)."),
]


class TextOrJson(StrEnum):
    """``--format`` of render, validate, apply and rollback: text for people, JSON for tools."""

    TEXT = "text"
    JSON = "json"


@app.command()
def render(  # noqa: PLR0917 - Typer maps each parameter to one option
    profiles: ProfilesArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", parser=_path, metavar="DIR",
                     help="Write the tree under DIR (created if missing) instead of printing it."),
    ] = None,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", help="text, or a JSON manifest with sha256.")
    ] = TextOrJson.TEXT,
    systemd_version: SystemdVersionOpt = None,
    only: TargetsOpt = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the file:line:col that set each value.")
    ] = False,
) -> None:
    """Render profiles into systemd drop-ins and a sysctl.d file (exit 3: invalid profile)."""
    from oomcfg.render_cmd import RenderRequest, parse_only, run_render  # noqa: PLC0415

    targets = parse_only(only)
    request = RenderRequest(
        profiles=tuple(profiles), out_dir=out, json_format=fmt is TextOrJson.JSON,
        systemd_version=systemd_version, only=None if targets is None else tuple(targets),
        explain=explain,
    )
    _finish_or_fail(lambda: run_render(request, sys.stdout, sys.stderr))


@app.command()
def validate(  # noqa: PLR0917 - Typer maps each parameter to one option
    profiles: ProfilesArg,
    root: Annotated[
        Path, typer.Option("--root", parser=_path, metavar="DIR",
                           help="Host root to read (files, /proc, /sys under it).")
    ] = Path("/"),
    proc: Annotated[
        Path | None,
        typer.Option("--proc", parser=_path, metavar="DIR",
                     help="Read /proc from DIR (default ROOT/proc)."),
    ] = None,
    sys_dir: Annotated[
        Path | None,
        typer.Option("--sys", parser=_path, metavar="DIR",
                     help="Read /sys from DIR (default ROOT/sys)."),
    ] = None,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", help="text, or JSON (docs/validate.md).")
    ] = TextOrJson.TEXT,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="LAYERS",
                     help="Comma-separated: sysctl,units,processes (default: all)."),
    ] = None,
) -> None:
    """Check the live host against profiles (exit 0 ok, 1 drift, 3 bad profile, 4 cannot check)."""
    from oomcfg.validate_cmd import ValidateRequest, parse_only, run_validate  # noqa: PLC0415

    layers = parse_only(only)
    if isinstance(layers, str):
        sys.stderr.write(f"oomcfg: {layers}\n")
        _finish(ExitCode.USAGE)
    request = ValidateRequest(
        profiles=tuple(profiles), root=root, proc=proc, sys=sys_dir,
        json_format=fmt is TextOrJson.JSON, only=layers,
    )
    _finish_or_fail(lambda: run_validate(request, sys.stdout, sys.stderr))


@app.command()
def apply(  # noqa: PLR0917 - Typer maps each parameter to one option
    profiles: ProfilesArg,
    root: Annotated[
        Path, typer.Option("--root", parser=_path, metavar="DIR",
                           help="Target root; reloads and live changes only for /.")
    ] = Path("/"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and stop (exit 0).")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Print the plan; exit 1 if anything would change.")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show unified diffs.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite foreign or hand-edited files (kept "
                           "for rollback).")
    ] = False,
    no_reload: Annotated[
        bool, typer.Option("--no-reload", help="No daemon-reload, no sysctl writes.")
    ] = False,
    no_live: Annotated[
        bool, typer.Option("--no-live", help="Do not set oom_score_adj on running processes.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", help="text, or one JSON document.")
    ] = TextOrJson.TEXT,
    systemd_version: SystemdVersionOpt = None,
    only: TargetsOpt = None,
    lock_timeout: Annotated[
        float, typer.Option("--lock-timeout", min=0, metavar="SECONDS",
                            help="Wait this long for another apply (default 10).")
    ] = 10.0,
) -> None:
    """Install the rendered files atomically and make them take effect.

    Exit 0 done (or nothing to do), 1 --check found changes, 3 invalid profile,
    4 unsafe target/conflict/lock, 5 failed and rolled back, 6 written but a
    reload or live step failed.
    """
    from oomcfg.apply import ApplyOptions  # noqa: PLC0415
    from oomcfg.apply_cmd import ApplyRequest, run_apply_cmd  # noqa: PLC0415
    from oomcfg.render_cmd import parse_only  # noqa: PLC0415

    targets = parse_only(only)
    options = ApplyOptions(force=force, dry_run=dry_run, check=check, reload=not no_reload,
                           live=not no_live, lock_timeout=lock_timeout)
    request = ApplyRequest(
        profiles=tuple(profiles), root=root, options=options, diff=diff,
        json_format=fmt is TextOrJson.JSON, systemd_version=systemd_version,
        only=None if targets is None else tuple(targets),
    )
    interactive = not yes and sys.stdin.isatty() and sys.stdout.isatty()
    confirm = (lambda question: typer.confirm(question, err=True)) if interactive else None
    _finish_or_fail(lambda: run_apply_cmd(request, sys.stdout, sys.stderr, confirm))


@app.command()
def rollback(
    root: Annotated[
        Path, typer.Option("--root", parser=_path, metavar="DIR", help="Target root (default /).")
    ] = Path("/"),
    force: Annotated[
        bool, typer.Option("--force", help="Roll back even files edited since the apply.")
    ] = False,
    no_reload: Annotated[
        bool, typer.Option("--no-reload", help="No daemon-reload, no sysctl writes.")
    ] = False,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", help="text, or one JSON document.")
    ] = TextOrJson.TEXT,
) -> None:
    """Restore the files the last apply replaced, created or removed (exit 0, 4, 5, 6)."""
    from oomcfg.apply import ApplyOptions  # noqa: PLC0415
    from oomcfg.apply_cmd import run_rollback_cmd  # noqa: PLC0415

    options = ApplyOptions(force=force, reload=not no_reload)
    as_json = fmt is TextOrJson.JSON
    _finish_or_fail(lambda: run_rollback_cmd(root, options, sys.stdout, json_format=as_json))



class LintFormat(StrEnum):
    """Output forms of ``oomcfg lint`` (JSON structure: oomcfg/report.py)."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


@app.command()
def lint(
    paths: Annotated[
        list[Path],
        typer.Argument(parser=_path, metavar="PATH...",
                       help="Profiles, unit files, drop-ins, sysctl.d files or directories."),
    ],
    fmt: Annotated[
        LintFormat, typer.Option("--format", help="text, json, sarif (2.1.0) or github.")
    ] = LintFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    systemd_version: Annotated[
        int | None,
        typer.Option("--systemd-version", min=200, metavar="N",
                     help="Flag directives systemd N does not know."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", parser=_path,
                     help="Lint configuration (default: nearest .oomcfg-lint.yaml upward)."),
    ] = None,
) -> None:
    """Check OOM policy in profiles, units and sysctl files (exit 0, 1 findings, 3 unreadable)."""
    from oomcfg.lint.command import run_lint  # noqa: PLC0415
    from oomcfg.lint.engine import LintOptions  # noqa: PLC0415

    options = LintOptions(systemd_version=systemd_version, config=config, strict=strict)
    _finish(run_lint(paths, fmt.value, options, sys.stdout, sys.stderr))


@app.command()
def rules(
    code: Annotated[
        str | None, typer.Argument(help="A rule code (OC101) or slug to explain.")
    ] = None,
) -> None:
    """List the lint rules, or explain one: rationale, bad and good examples, source."""
    from oomcfg.lint.command import run_rules  # noqa: PLC0415

    _finish(run_rules(code, sys.stdout, sys.stderr))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the profile format (for editors and CI)."""
    from oomcfg.lint.command import run_schema  # noqa: PLC0415

    _finish(run_schema(sys.stdout))

def main() -> int:
    """Console-script entry point; maps any uncaught error to exit 70, never a raw traceback."""
    try:
        app(standalone_mode=True)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except OomcfgError as err:
        _report(err)
        return int(err.exit_code)
    except OutputError:
        raise  # standard output failed: oomcfg.entry reports it (exit 4), not as a bug
    except Exception as err:  # noqa: BLE001 - the last line of defence: report, do not trace
        sys.stderr.write(
            f"oomcfg: internal error: {type(err).__name__}: {err}\n"
            "This is a bug in oomcfg; please report it with the command you ran.\n"
        )
        return int(ExitCode.INTERNAL)
    return 0
