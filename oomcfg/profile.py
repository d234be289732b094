"""Load profiles: read, validate, follow ``extends:``, merge, and remember who set what.

Merge order (docs/profile-format.md, "Merging"): a file's ``extends:`` entries
are merged first, in list order, each after its own ``extends:``; then the
file itself on top. Several files on the command line merge left to right the
same way. A file reached twice (two presets extending one base) is merged once,
at its first place, so a later file's overrides are never undone by a base
coming back. Later wins per leaf: ``services.db.memory.max`` from one file and
``services.db.unit`` from another both survive; ``tier`` and ``oom_score_adj``
replace each other, so "at most one of them" holds after every merge.

Every file is read and checked even when an earlier one is bad, so one run
reports every problem. Merging is a dict update over flat leaf paths: O(total
keys), with no deep copies.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.errors import InputError
from oomcfg.gcpause import paused_gc
from oomcfg.model import Profile, Service, SysctlSetting
from oomcfg.profile_build import build_profile
from oomcfg.resources import profiles_dir
from oomcfg.schema import PRESET_NAME_RE, PROFILE, SERVICE, SLUGS
from oomcfg.specs import CONTROL_RE, INVALID, Ctx, Flat
from oomcfg.yamlload import load_yaml_file

#: ``tier`` <-> ``oom_score_adj``: setting one in a later file drops the other.
_RIVAL = {a: b for a in SERVICE.exclusive for b in SERVICE.exclusive if a != b}


class _Loader:
    """Reads files depth-first through ``extends:`` and merges their leaves."""

    def __init__(self) -> None:
        self.diags: list[Diagnostic] = []
        self.merged: Flat = {}  # every leaf outside ``services``, by its full path
        self.services: dict[str, Flat] = {}  # each service's leaves, by their path below it
        self.anchors: dict[tuple[str, ...], Position] = {}
        self.sources: list[str] = []
        self.done: set[str] = set()

    def error(self, code: str, pos: Position | None, message: str, hint: str = "") -> None:
        """Record a loader-level diagnostic (missing file, cycle, bad entry)."""
        self.diags.append(Diagnostic(code, message, pos, slug=SLUGS[code], hint=hint))

    def include(self, path: Path, shown: str, chain: tuple[tuple[str, str], ...] = (),
                at: Position | None = None) -> None:
        """Read ``path`` (shown as ``shown``), its extends first, then merge it."""
        key = os.path.realpath(path)
        if any(key == k for k, _ in chain):
            names = [s for k, s in chain[[k for k, _ in chain].index(key):]]
            self.error("OC061", at, "extends cycle: " + " -> ".join([*names, shown]),
                       "remove one of these extends entries")
            return
        if key in self.done:
            return
        self.done.add(key)
        if len(chain) >= MAX_EXTENDS_DEPTH:
            self.error("OC063", at, f"extends chain deeper than {MAX_EXTENDS_DEPTH} files at "
                       f"{shown!r}", "flatten the chain: a profile may extend several files")
            return
        problem = _not_a_file(path) if at is not None else None
        if problem is not None:
            self.error("OC060", at, f"extended profile {shown!r} {problem}")
            return
        node, diags = load_yaml_file(path, shown)
        self.diags.extend(diags)
        if node is None:
            if not diags:
                self.error("OC021", Position(shown), "the file is empty",
                           "a profile starts with 'oomcfg: 1'")
            return
        ctx = Ctx(shown, self.diags, SLUGS)
        PROFILE.walk(node, (), ctx)
        extends = ctx.out.pop(("extends",), None)
        if extends is not None and extends[0] is not INVALID:
            for entry, pos in extends[0]:  # type: ignore[attr-defined]
                self.extend(entry, pos, path, shown, (*chain, (key, shown)))
        self.merge(ctx)

    def extend(self, entry: str, pos: Position, parent: Path, parent_shown: str,
               chain: tuple[tuple[str, str], ...]) -> None:
        """Resolve one ``extends:`` entry (preset name or relative path) and include it."""
        if "://" in entry:  # never fetched: a profile's inputs are files under review
            self.error("OC062", pos, f"extends entry {entry!r} is a URL; oomcfg reads only "
                       "local files", "download it next to the profile (and review it), then "
                       "extend it by path")
            return
        if "/" in entry or entry.endswith((".yaml", ".yml")):
            target = parent.parent / entry
            shown = entry
            if not Path(entry).is_absolute():
                shown = os.path.normpath(Path(parent_shown).parent / entry)
            self.include(target, shown, chain, pos)
        elif PRESET_NAME_RE.fullmatch(entry):
            self.preset(entry, pos, chain)
        else:
            self.error("OC062", pos, f"extends entry {entry!r} is neither a preset name nor a "
                       "path", "write a preset such as 'base-server' ([a-z0-9][a-z0-9_-]*) or "
                       "a path such as './base.yaml'")

    def argument(self, arg: str) -> None:
        """One profile named on the command line: a file, or a shipped preset.

        ``preset:NAME`` always means the preset (the name render's headers
        use). A bare ``NAME`` that is not a file here but is a shipped preset
        means the preset too, as in ``extends:``: ``oomcfg render base-server``
        does what a user expects. A file of that name wins, since the shell
        argument names what is there.
        """
        shown = _printable(arg)
        if arg.startswith(_PRESET_PREFIX):
            name = arg.removeprefix(_PRESET_PREFIX)
            self.preset(name, Position(shown), ())
        elif _is_shipped_preset(arg) and not os.path.lexists(arg):
            self.preset(arg, Position(shown), ())
        else:
            self.include(Path(arg), shown)

    def preset(self, name: str, pos: Position, chain: tuple[tuple[str, str], ...]) -> None:
        """A shipped preset: ``profiles/NAME.yaml`` from the wheel or the checkout."""
        try:
            directory = profiles_dir()
        except FileNotFoundError as err:
            self.error("OC060", pos, f"preset {name!r} cannot be found: {err}")
            return
        target = directory / f"{name}.yaml"
        if _not_a_file(target) is not None:
            shipped = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
            self.error("OC060", pos, f"no shipped preset named {name!r}", f"presets: {shipped}")
            return
        self.include(target, str(target), chain, pos)

    def merge(self, ctx: Ctx) -> None:
        """Later wins per leaf; a ``tier`` drops an earlier ``oom_score_adj`` and vice versa.

        A service no earlier file named is taken whole, without a look at each
        leaf: it has no earlier value to drop. The exception is a file where
        one service sets both (OC045, seen in the diagnostics): the per-leaf
        loop keeps only the later one, as for two files.
        """
        self.merged.update(ctx.out)
        whole = all(d.code != "OC045" for d in self.diags)
        services = self.services
        for name, fields in ctx.named.get(("services",), {}).items():
            into = services.get(name)
            if into is None and whole:
                services[name] = fields
                continue
            if into is None:
                into = services[name] = {}
            for path, leaf in fields.items():
                rival = _RIVAL.get(path[0]) if len(path) == 1 else None
                if rival is not None:
                    into.pop((rival,), None)
                into[path] = leaf
        self.remember(ctx)

    def remember(self, ctx: Ctx) -> None:
        """Record where each service was first named, and the file, once merged."""
        for path, pos in ctx.anchors.items():
            self.anchors.setdefault(path, pos)
        self.sources.append(ctx.file)


def check_profiles(paths: Sequence[str | Path]) -> tuple[Profile | None, list[Diagnostic]]:
    """Load and merge ``paths`` left to right; never raises for bad input.

    Returns the profile (None when any error was found) and every diagnostic
    from every file, sorted by file, line and column. ``oomcfg lint`` uses this.
    """
    loader = _Loader()
    if not paths:
        loader.error("OC021", None, "no profile given", "name at least one profile file")
    with paused_gc():  # survivors (the profile, its origins) live until the command ends
        for path in paths:
            loader.argument(str(path))
        profile = build_profile(loader.merged, loader.services, loader.anchors,
                                tuple(loader.sources), loader.diags)
    loader.diags.sort(key=Diagnostic.sort_key)
    return profile, loader.diags


#: How a shipped preset is named on the command line and in rendered headers.
_PRESET_PREFIX = "preset:"


def _printable(arg: str) -> str:
    """A command-line path as diagnostics show it: control characters escaped.

    A file name may hold a newline; printed raw, it could start a forged
    ``file:line:col: error[...]`` line that CI tools then parse.
    """
    return CONTROL_RE.sub(lambda m: repr(m.group())[1:-1], arg)


def _is_shipped_preset(name: str) -> bool:
    """Whether ``name`` is a shipped preset's name (``base-server``), not a path."""
    if not PRESET_NAME_RE.fullmatch(name):
        return False
    try:
        return _not_a_file(profiles_dir() / f"{name}.yaml") is None
    except FileNotFoundError:
        return False


#: How many files deep ``extends:`` may go. Real hierarchies are a few levels
#: (site -> role -> base); the cap turns a generated or hostile chain into one
#: clear error instead of exhausting the interpreter's stack (bad-inputs.md).
MAX_EXTENDS_DEPTH = 64


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be an extended profile, in words; None for a regular file.

    Any error of stat(2) is an answer (a name longer than NAME_MAX is
    ENAMETOOLONG, a component that is a file ENOTDIR), never an exception.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as err:
        return f"cannot be read: {err.strerror or err}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a profile file"
    return "is not a regular file (a FIFO, socket or device)"


def load_profiles(paths: Sequence[str | Path]) -> Profile:
    """Load and merge ``paths``; raise :class:`InputError` with every error found."""
    profile, diags = check_profiles(paths)
    if profile is None:
        raise InputError([d for d in diags if d.severity == Severity.ERROR])
    return profile


def explain(profile: Profile) -> list[tuple[str, str, Position]]:
    """``(dotted path, rendered value, origin)`` for every value set, for ``render --explain``."""
    rows: list[tuple[str, str, Position]] = []

    def add(path: str, text: str) -> None:
        pos = profile.origins.get(path)
        if pos is not None:
            rows.append((path, text, pos))

    if profile.description:
        add("description", profile.description)
    for key, setting in profile.sysctl.items():
        add(f"sysctl.{key}", _sysctl_text(setting))
    for name, svc in profile.services.items():
        for field, text in _service_texts(svc):
            add(f"services.{name}.{field}", text)
    return rows


def _sysctl_text(setting: SysctlSetting) -> str:
    flags = [f for f, on in (("passthrough", setting.passthrough),
                             ("ignore_missing", setting.ignore_missing)) if on]
    return str(setting.value) + (f" ({', '.join(flags)})" if flags else "")


def _service_texts(svc: Service) -> list[tuple[str, str]]:
    texts = [("unit", svc.unit), ("scope", svc.scope)]
    if svc.tier is not None:
        texts.append(("tier", f"{svc.tier.value} (oom_score_adj {svc.oom_score_adj})"))
    elif svc.oom_score_adj is not None:
        note = " (from_request)" if svc.adj_source == "from_request" else ""
        texts.append(("oom_score_adj", f"{svc.oom_score_adj}{note}"))
    if svc.oom_policy is not None:
        texts.append(("oom_policy", svc.oom_policy))
    for group, obj in (("memory", svc.memory), ("managed_oom", svc.managed_oom),
                       ("init", svc.init)):
        for field in getattr(obj, "_fields", ()):  # NamedTuple fields, in order
            value = getattr(obj, field)
            if value is not None:
                texts.append((f"{group}.{field}", _text(value)))
    return texts


def _text(value: object) -> str:
    render = getattr(value, "render", None)
    if callable(render):
        return str(render())
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value)
