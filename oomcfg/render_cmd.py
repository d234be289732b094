"""``oomcfg render``: load profiles, render them, print or write the files.

The command is a function from its options to an :class:`ExitCode`; output
goes to the streams it is given. Bad profiles raise
:class:`~oomcfg.errors.InputError` from the loader, and problems only a
target can see (an init target without ``init.command``) raise one from
:func:`~oomcfg.render.render`, for every selected target at once; both come
*before* anything is written, so a failed run leaves ``--out DIR`` untouched
(bad-inputs.md) and prints ``file:line:col: error[CODE]: ...`` lines, exit 3.

Output forms:

* text, no ``--out``: every file, each after a ``==> PATH <==`` line (the
  format of ``head``/``tail`` with several files), a blank line between files;
* text with ``--out DIR``: the tree under DIR and one summary line;
* ``--format json``: a manifest ``[{path, mode, kind, unit, sha256, content}]``
  (``mode`` as an octal string, ``sha256`` of the UTF-8 content), also with
  ``--out``;
* ``--explain`` (text only): after the files, every value of the merged
  profile as ``file:line:col: services.db.memory.max = 8G``, so a reviewer sees
  which file in the ``extends:`` chain set it (:func:`oomcfg.profile.explain`).

Notes (directives omitted or renamed for ``--systemd-version``) go to stderr,
and so does a line saying there was nothing to render, so a valid profile that
sets nothing is not mistaken for one that wrote files somewhere.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, TextIO

from oomcfg.errors import ExitCode, InputError
from oomcfg.model import Profile, RenderedFile
from oomcfg.render import RenderResult, render, select_targets


def parse_only(values: Sequence[str] | None) -> list[str] | None:
    """``--only a,b --only c`` -> ``["a", "b", "c"]``; None when the option was not given."""
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def manifest(files: Sequence[RenderedFile]) -> list[dict[str, object]]:
    """The JSON manifest entries for ``files``."""
    import hashlib  # noqa: PLC0415 - --format json only; OpenSSL is ~5 ms of every render

    return [
        {
            "path": f.path,
            "mode": f"{f.mode:04o}",
            "kind": f.kind,
            "unit": f.unit,
            "sha256": hashlib.sha256(f.content.encode()).hexdigest(),
            "content": f.content,
        }
        for f in files
    ]


def _print_text(result: RenderResult, out: TextIO) -> None:
    for index, file in enumerate(result.files):
        if index:
            out.write("\n")
        out.write(f"==> {file.path} <==\n{file.content}")


def _print_explain(profile: Profile, out: TextIO) -> None:
    from oomcfg.profile import explain  # noqa: PLC0415 - with the loader, only when asked

    for dotted, text, pos in explain(profile):
        out.write(f"{pos}: {dotted} = {text}\n")


# A NamedTuple, not a frozen dataclass: ~4x cheaper to define on every start (liveparse).
class RenderRequest(NamedTuple):
    """The ``render`` command's options, as parsed by the CLI."""

    profiles: tuple[Path, ...]
    out_dir: Path | None = None
    json_format: bool = False
    systemd_version: int | None = None
    only: tuple[str, ...] | None = None
    explain: bool = False


def run_render(request: RenderRequest, stdout: TextIO, stderr: TextIO) -> ExitCode:
    """Run ``oomcfg render``; InputError (bad profile) -> diagnostics on stderr, exit 3."""
    if request.explain and request.json_format:
        stderr.write("oomcfg: --explain is a text report; use it without --format json\n")
        return ExitCode.USAGE
    from oomcfg.profile import load_profiles  # noqa: PLC0415 - YAML only when needed (P1/P2)

    select_targets(request.only)  # a usage error comes before any profile problem
    try:
        profile = load_profiles([str(p) for p in request.profiles])
        result = render(profile, systemd_version=request.systemd_version, only=request.only)
    except InputError as err:  # the loader's or the targets' problems: all of them, one form
        for diagnostic in err.diagnostics:
            stderr.write(diagnostic.format() + "\n")
        return ExitCode.INVALID_INPUT
    for note in result.notes:
        stderr.write(note.format() + "\n")
    if not result.files:
        stderr.write(_nothing_rendered(result, request))
    _emit(profile, result, request, stdout)
    return ExitCode.OK


def _nothing_rendered(result: RenderResult, request: RenderRequest) -> str:
    """Why no file came out: nothing set, or everything omitted (the notes say what)."""
    if result.notes:
        return "oomcfg: nothing to render: every setting was omitted (see the notes above)\n"
    targets = ", ".join(select_targets(request.only))
    return ("oomcfg: nothing to render: the profile sets no sysctl and no service setting "
            f"for the targets {targets}\n")


def _emit(profile: Profile, result: RenderResult, request: RenderRequest, out: TextIO) -> None:
    if request.out_dir is not None:
        from oomcfg.outtree import write_tree  # noqa: PLC0415 - only with --out

        count = write_tree(request.out_dir, result.files)
        if not request.json_format:
            out.write(f"wrote {count} file(s) under {request.out_dir}\n")
    if request.json_format:
        import json  # noqa: PLC0415 - see manifest()

        json.dump(manifest(result.files), out, indent=2)
        out.write("\n")
    elif request.out_dir is None:
        _print_text(result, out)
    if request.explain:
        if result.files and request.out_dir is None:
            out.write("\n")
        _print_explain(profile, out)
