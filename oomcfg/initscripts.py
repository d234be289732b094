"""Render targets for hosts without systemd: SysV, OpenRC, upstart, runit, supervisord, compose.

Each target is a pure function ``(Profile, options) -> list[RenderedFile]`` that
``oomcfg.render`` registers under its name, so ``oomcfg render --only sysv,runit``
and ``apply`` treat these files like the systemd drop-ins. Only services with an
``init:`` section are rendered (compose: only those with ``init.compose_service``);
docs/init-systems.md says where each file goes and how the service picks it up.

Why it is built this way (bad-inputs.md, "Shell snippets"): these files run as root
at boot, so every word interpolated into shell or a supervisord ``command=`` is
``shlex.quote``'d, scores must be plain ints in -1000..1000, names must match
:data:`oomcfg.initjobs.NAME_RE` before any path is built, and anything the profile
leaves out is an error that names the missing field (:mod:`oomcfg.initjobs`,
OC080-OC087; OC088 is a note), never a guess. The kernel
facts: ``oom_score_adj`` is inherited across fork and exec, raising it is always
allowed, lowering it needs CAP_SYS_RESOURCE (Documentation/filesystems/proc.rst);
the legacy ``oom_adj`` file is never written.
"""

# No ``from __future__ import annotations``: ComposeEntry's fields stay objects, so
# typing compiles no ForwardRef for them at each start-up (tests/test_import_cost.py);
# the names render.py defines are quoted (it imports this module: no cycle at run time).
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.initjobs import (
    COMPOSE_RE,
    Candidate,
    Job,
    Problems,
    candidates,
    check_unique,
    field_path,
    require_some,
    target_jobs,
)
from oomcfg.lazyre import LazyPattern
from oomcfg.model import MARKER, Profile, RenderedFile
from oomcfg.render_check import RenderInvariantError
from oomcfg.templating import template

if TYPE_CHECKING:  # render.py imports this module to register the targets
    from oomcfg.render import RenderOptions, Target

#: supervisord reads its ini files with ``inline_comment_prefixes=(';', '#')``
#: (supervisor/options.py, UnhosedConfigParser): whitespace followed by ';' or
#: '#' ends the value, so such a command would be silently cut short.
_INI_INLINE_COMMENT = LazyPattern(r"\s[;#]")

#: supervisord replaces the literal ``%(here)s`` before its %-expansion
#: (options.py ``expand_here``), so no escaping can protect that text.
_SUPERVISOR_HERE = "%(here)s"

#: upstart's ``oom score`` takes -999..1000 or ``never`` (= -1000) per init(5); its parser
#: (init/parse_job.c ``stanza_oom``) also takes -1000, but ``never`` is the documented form.
#: The bare ``oom N`` form is the legacy oom_adj scale (-17..15) and is never written.
UPSTART_NEVER = -1000

#: What no rendered line may hold (tab and newline are the templates' own).
_STRAY_CONTROL = LazyPattern(r"[\x00-\x08\x0b-\x1f\x7f]")


def _q(word: str | int) -> str:
    """One shell word: ``shlex.quote`` makes ``$(id)`` or ``a; rm -rf /`` inert text."""
    import shlex  # noqa: PLC0415 - init targets only; the default (systemd) render skips it

    return shlex.quote(str(word))


def _shell_context(job: Job, *, record_status: bool) -> dict[str, object]:
    """What the shared score block (templates/init/_score.sh.j2) needs, pre-quoted.

    ``record_status``: set ``oomcfg_oom_score_adj_applied`` for the script that
    sources the fragment (sysv, openrc); a runit run script has no such reader.
    """
    return {
        "marker": MARKER,
        "unit": job.service.unit,
        "service": job.service.name,
        "name": job.name,  # NAME_RE-validated: safe in comments and paths
        "q_name": _q(job.name),
        "q_score": _q(job.score),
        "record_status": record_status,
    }


def _ensure(ok: bool, path: str, what: str) -> None:
    """Defence in depth (as render_check does for systemd): a miss is a bug in oomcfg."""
    if not ok:
        raise RenderInvariantError(f"{path}: {what}")


def _file(job: Job, kind: str, path: str, text: str, mode: int = 0o644) -> RenderedFile:
    _ensure(not _STRAY_CONTROL.search(text), path, "control character in rendered text")
    return RenderedFile(path=path, content=text, mode=mode, kind=kind, unit=job.service.unit)


#: Fragments a script sources before it starts the daemon: target -> (template, path).
#: Same score block (record_status=True), different hook-in (docs/init-systems.md).
_SOURCED = {
    "sysv": ("init/sysv.sh.j2", "etc/oomcfg/sysv/{}.sh"),
    "openrc": ("init/openrc.confd.j2", "etc/conf.d/{}"),
}


def _render_sourced(kind: str, profile: Profile) -> list[RenderedFile]:
    """One fragment per job of ``kind``; it leaves ``oomcfg_oom_score_adj_applied`` set."""
    template_name, path = _SOURCED[kind]
    tpl = template(template_name)
    return [
        _file(job, kind, path.format(job.name), tpl.render(_shell_context(job, record_status=True)))
        for job in target_jobs(kind, profile)
    ]


def render_sysv(profile: Profile, options: "RenderOptions") -> list[RenderedFile]:
    """``etc/oomcfg/sysv/NAME.sh``: a fragment the LSB init script sources before it starts."""
    return _render_sourced("sysv", profile)


def render_openrc(profile: Profile, options: "RenderOptions") -> list[RenderedFile]:
    """``etc/conf.d/NAME``: openrc-run sources it in the shell that then starts the daemon."""
    return _render_sourced("openrc", profile)


def upstart_score(score: int) -> str:
    """upstart's ``oom score`` argument: ``never`` stands for -1000 (init(5))."""
    return "never" if score == UPSTART_NEVER else str(score)


def render_upstart(profile: Profile, options: "RenderOptions") -> list[RenderedFile]:
    """``etc/init/NAME.override``: its ``oom score`` stanza replaces the job's own."""
    tpl = template("init/upstart.override.j2")
    return [
        _file(job, "upstart", f"etc/init/{job.name}.override", tpl.render(
            marker=MARKER, unit=job.service.unit, service=job.service.name, name=job.name,
            score=upstart_score(job.score),
        ))
        for job in target_jobs("upstart", profile)
    ]


def exec_argv(text: str) -> list[str]:
    """The argv of a run script's final ``exec`` line, split as sh splits quoted words."""
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    import shlex  # noqa: PLC0415 - see _q

    return shlex.split(last.removeprefix("exec ")) if last.startswith("exec ") else []


def _runit_file(job: Job) -> RenderedFile:
    path = f"etc/sv/{job.name}/run"
    text = template("init/runit.run.j2").render(
        _shell_context(job, record_status=False),
        q_command=" ".join(_q(word) for word in job.command),
    )
    _ensure(exec_argv(text) == list(job.command), path, "exec line does not give init.command")
    return _file(job, "runit", path, text, mode=0o755)


def render_runit(profile: Profile, options: "RenderOptions") -> list[RenderedFile]:
    """``etc/sv/NAME/run`` (0755): sets the score, then ``exec``s ``init.command``."""
    return [_runit_file(job) for job in target_jobs("runit", profile, need_command=True)]


def supervisor_command(score: int, argv: tuple[str, ...]) -> str:
    """``choom -n N -- ARGV`` as supervisord's ``command=`` value.

    supervisord %-expands the value (``%(ENV_X)s``; ``%%`` is a literal ``%``) and
    then splits it with ``shlex.split`` (supervisor/options.py ``expand``,
    process.py ``get_execv_args``), so each word is ``shlex.quote``'d, then every
    ``%`` doubled. :func:`supervisor_command_problem` says when that cannot work.
    """
    words = ["choom", "-n", str(score), "--", *argv]
    return " ".join(_q(word) for word in words).replace("%", "%%")


def supervisor_command_problem(argv: tuple[str, ...]) -> str | None:
    """Why ``argv`` cannot be written as a supervisord ``command=`` value, or None."""
    for word in argv:
        if _INI_INLINE_COMMENT.search(_q(word)):
            return (f"word {word!r} has whitespace before ';' or '#', which supervisord "
                    "reads as the start of a comment")
        if _SUPERVISOR_HERE in word:
            return (f"word {word!r} contains {_SUPERVISOR_HERE}, which supervisord replaces "
                    "before any escaping applies")
    return None


def _check_supervisor(job: Job, problems: Problems) -> None:
    problem = supervisor_command_problem(job.command)
    if problem is not None:
        problems.add("OC083", "init-command-invalid", field_path(job.service, "init.command"),
                     f"supervisord: {problem}")


def supervisor_argv(text: str, name: str) -> list[str]:
    """The argv supervisord would exec for ``[program:NAME]`` in ``text`` ([] if none).

    Its ini reading (``inline_comment_prefixes=(';', '#')``, ``strict=False``), the
    %-expansion (``%%`` -> ``%``) and ``shlex.split``: supervisor/options.py, process.py.
    """
    import configparser  # noqa: PLC0415 - only for supervisord targets, not every render

    parser = configparser.RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False)
    parser.read_string(text)
    if parser.sections() != [f"program:{name}"]:
        return []
    import shlex  # noqa: PLC0415 - see _q

    return shlex.split(parser.get(f"program:{name}", "command") % {})


def _supervisord_file(job: Job) -> RenderedFile:
    path = f"etc/supervisor/conf.d/{job.name}.conf"
    text = template("init/supervisord.conf.j2").render(
        marker=MARKER, unit=job.service.unit, service=job.service.name, name=job.name,
        command=supervisor_command(job.score, job.command),
    )
    expected = ["choom", "-n", str(job.score), "--", *job.command]
    _ensure(supervisor_argv(text, job.name) == expected, path, "command= does not parse back")
    return _file(job, "supervisord", path, text)


def render_supervisord(profile: Profile, options: "RenderOptions") -> list[RenderedFile]:
    """``etc/supervisor/conf.d/NAME.conf``: ``[program:NAME]`` with a choom-wrapped command."""
    jobs = target_jobs("supervisord", profile, need_command=True, check=_check_supervisor)
    return [_supervisord_file(job) for job in jobs]


#: Where the compose override is written; docs/init-systems.md shows the ``-f`` to use.
COMPOSE_FILE = "etc/oomcfg/compose.override.yaml"


def _compose_key(cand: Candidate) -> str | None:
    return cand.service.init.compose_service if cand.service.init is not None else None


# A NamedTuple, not a frozen dataclass: ~4x cheaper to define on every start (liveparse).
class ComposeEntry(NamedTuple):
    """One service in the compose override."""

    name: str  # the compose service name
    service: str  # the profile's key under services:
    score: int | None
    mem_limit: int | None  # bytes, from a byte-valued memory.max
    mem_skipped: str | None  # memory.max that compose cannot express (25%, infinity)

    @property
    def key(self) -> str:
        """The YAML key, JSON-quoted: ``no``, ``1.0`` or ``null`` stay strings."""
        import json  # noqa: PLC0415 - the compose target only, not every render

        return json.dumps(self.name)

    def values(self) -> dict[str, int]:
        """What a compose file loaded back must say for this service."""
        pairs = (("oom_score_adj", self.score), ("mem_limit", self.mem_limit))
        return {key: value for key, value in pairs if value is not None}


def _compose_entry(cand: Candidate, problems: Problems) -> ComposeEntry | None:
    """The compose values of ``cand``, or None after naming what is wrong or missing."""
    key = _compose_key(cand) or ""
    if not COMPOSE_RE.fullmatch(key):
        problems.add("OC081", "init-name-invalid", field_path(cand.service, "init.compose_service"),
                     f"compose service name {key!r} is not valid",
                     hint="letters, digits, '.', '_', '-'")
        return None
    limit = cand.service.memory.max
    mem_limit = limit.value if limit is not None and limit.kind == "bytes" else None
    if cand.score is None and mem_limit is None:
        if cand.service.oom_score_adj is None:  # else: OC084 already said why
            problems.add(
                "OC086", "init-score-missing", field_path(cand.service, "oom_score_adj"),
                f"services.{cand.service.name} sets init.compose_service but neither "
                "oom_score_adj/tier nor a byte-valued memory.max")
        return None
    skipped = limit.render() if limit is not None and mem_limit is None else None
    return ComposeEntry(key, cand.service.name, cand.score, mem_limit, skipped)


def _note_skipped(entry: ComposeEntry, cand: Candidate, problems: Problems,
                  options: "RenderOptions") -> None:
    """Say (OC088) that a memory.max compose cannot express was left out."""
    options.notes.append(Diagnostic(
        "OC088", f"compose has no equivalent of memory.max {entry.mem_skipped}: mem_limit "
        "omitted (it takes bytes only)",
        problems.position(field_path(cand.service, "memory.max")), Severity.WARNING,
        slug="compose-mem-limit-omitted"))


def render_compose(profile: Profile, options: "RenderOptions") -> list[RenderedFile]:
    """One override file with ``oom_score_adj`` (and ``mem_limit``) per compose service."""
    problems = Problems(profile)
    found = [cand for cand in candidates(profile, problems, named=False)
             if _compose_key(cand) is not None]
    require_some("compose", found, "services.*.init.compose_service", problems)
    check_unique(found, _compose_key, "init.compose_service", problems)
    entries = [_compose_entry(cand, problems) for cand in found]
    problems.raise_if_any()
    for cand, entry in zip(found, entries, strict=True):
        if entry is not None and entry.mem_skipped is not None:
            _note_skipped(entry, cand, problems, options)
    text = template("init/compose.override.yaml.j2").render(
        marker=MARKER, entries=entries,
        lowering=any(cand.score is not None and cand.score < 0 for cand in found),
    )
    expected = {"services": {e.name: e.values() for e in entries if e is not None}}
    # PyYAML only here: every render and apply imports this module, few render compose.
    import yaml  # noqa: PLC0415

    _ensure(yaml.load(text, Loader=yaml.CSafeLoader) == expected, COMPOSE_FILE,
            "does not load back as the intended services")
    _ensure(not _STRAY_CONTROL.search(text), COMPOSE_FILE, "control character in rendered text")
    return [RenderedFile(path=COMPOSE_FILE, content=text, kind="compose")]


#: Target name -> render function; ``oomcfg.render`` merges this into its ``TARGETS``.
INIT_TARGETS: Mapping[str, "Target"] = {
    "sysv": render_sysv,
    "openrc": render_openrc,
    "upstart": render_upstart,
    "runit": render_runit,
    "supervisord": render_supervisord,
    "compose": render_compose,
}
