"""Render targets for hosts without systemd: SysV, OpenRC, upstart, runit, supervisord, compose.

Each target is a pure function ``(Profile, options) -> list[RenderedFile]`` that
``oomcfg.render`` registers under its name, so ``oomcfg render --only sysv,runit``
and ``apply`` treat these files like the systemd drop-ins. Only services with an
``init:`` section are rendered (compose: only those with ``init.compose_service``);
docs/init-systems.md says where each file goes and how the service picks it up.

Why it is built this way (bad-inputs.md, "Shell snippets"): these files run as root
at boot, so every word interpolated into shell or a supervisord ``command=`` is
``shlex.quote``'d, scores must be plain ints in -1000..1000, names must match
:data:`NAME_RE` before any path is built, and anything the profile leaves out is an
error that names the missing field (codes OC080-OC089), never a guess. The kernel
facts: ``oom_score_adj`` is inherited across fork and exec, raising it is always
allowed, lowering it needs CAP_SYS_RESOURCE (Documentation/filesystems/proc.rst);
the legacy ``oom_adj`` file is never written.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.errors import InputError
from oomcfg.model import (
    MARKER,
    OOM_SCORE_ADJ_MAX,
    OOM_SCORE_ADJ_MIN,
    InitSpec,
    Profile,
    RenderedFile,
    Service,
)
from oomcfg.templating import template

if TYPE_CHECKING:  # render.py imports this module to register the targets
    from oomcfg.render import RenderOptions, Target

#: An init name becomes a file name (``etc/sv/NAME/run``), an ini section
#: (``[program:NAME]``) and a shell word, so it is held to the intersection of
#: what all of them accept (the schema's ``[A-Za-z0-9_.@-]``): no ``/``, no
#: spaces or shell metacharacters, no ``:`` (supervisord's group:process
#: separator), and no leading ``.`` or ``-`` (so never ``..`` or an option).
#: 128 leaves room for suffixes within NAME_MAX (255 bytes).
NAME_RE = re.compile(r"[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}")
NAME_ALLOWED = "1-128 of letters, digits, '_', '.', '@', '-', not starting with '.' or '-'"

#: A compose service name (compose-spec schema: ``^[a-zA-Z0-9._-]+$``); it is
#: only a YAML key, written JSON-quoted, never a path.
COMPOSE_RE = re.compile(r"[a-zA-Z0-9._-]{1,255}")

#: Any C0 control character or DEL: a newline in a run script or an ini value
#: injects a line; a tab before ';' starts a supervisord comment.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: supervisord reads its ini files with ``inline_comment_prefixes=(';', '#')``
#: (supervisor/options.py, UnhosedConfigParser): whitespace followed by ';' or
#: '#' ends the value, so such a command would be silently cut short.
_INI_INLINE_COMMENT = re.compile(r"\s[;#]")

#: supervisord replaces the literal ``%(here)s`` before its %-expansion
#: (options.py ``expand_here``), so no escaping can protect that text.
_SUPERVISOR_HERE = "%(here)s"

#: upstart's ``oom score`` takes -999..1000 or ``never`` (init(5), "oom score").
UPSTART_NEVER = -1000

@dataclass(frozen=True, slots=True)
class _Candidate:
    """A service with ``init:``: name validated; score and argv validated when present."""

    service: Service
    name: str
    score: int | None
    command: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class _Job:
    """A service a target renders: everything it needs is present and valid."""

    service: Service
    name: str
    score: int
    command: tuple[str, ...]  # () for targets that do not start the daemon


class _Problems:
    """Collects every diagnostic of one target run, so all are reported at once."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.items: list[Diagnostic] = []

    def add(self, code: str, slug: str, field: str, message: str, hint: str = "") -> None:
        """Record a problem at the position the profile gives for ``field`` (or its parent)."""
        self.items.append(
            Diagnostic(code, message, self.position(field), slug=slug, hint=hint)
        )

    def position(self, field: str) -> Position | None:
        """Where ``field`` was written; for a missing field, the first value beside it.

        ``Profile.origins`` records leaves only, so ``services.web.init.command``
        that was never written is placed at the first recorded value under
        ``services.web.init`` (then ``services.web``), else at the profile file.
        """
        parts = field.split(".")
        while parts:
            prefix = ".".join(parts)
            exact = self.profile.origin(prefix)
            if exact is not None:
                return exact
            inside = [pos for key, pos in self.profile.origins.items()
                      if key.startswith(prefix + ".")]
            if inside:
                return min(inside, key=lambda pos: (pos.path, pos.line, pos.col))
            parts.pop()
        return Position(self.profile.sources[-1]) if self.profile.sources else None

    def raise_if_any(self) -> None:
        """Raise one InputError carrying every problem, sorted by position."""
        if self.items:
            raise InputError(sorted(self.items, key=Diagnostic.sort_key))


# --- validation -----------------------------------------------------------------


def _field(service: Service, name: str) -> str:
    return f"services.{service.name}.{name}"


def _init_name(service: Service, spec: InitSpec, problems: _Problems) -> str | None:
    """``init.name``, or the unit's stem (``nginx.service`` -> ``nginx``) when unset."""
    name = spec.name if spec.name is not None else service.unit.rsplit(".", 1)[0]
    if NAME_RE.fullmatch(name):
        return name
    where = "init.name" if spec.name is not None else "unit"
    problems.add(
        "OC081", "init-name-invalid", _field(service, where),
        f"init name {name!r} (from {_field(service, where)}) is not usable as a file or "
        f"service name", hint=f"set {_field(service, 'init.name')}: {NAME_ALLOWED}",
    )
    return None


def _score(service: Service, problems: _Problems) -> int | None:
    """The score as a validated int; ``bool`` and out-of-range values are refused."""
    score = service.oom_score_adj
    if score is None:
        return None
    if type(score) is not int or not OOM_SCORE_ADJ_MIN <= score <= OOM_SCORE_ADJ_MAX:
        problems.add(
            "OC084", "init-score-invalid", _field(service, "oom_score_adj"),
            f"oom_score_adj {score!r} is not an integer in "
            f"{OOM_SCORE_ADJ_MIN}..{OOM_SCORE_ADJ_MAX}",
        )
        return None
    return score


def _command(service: Service, spec: InitSpec, problems: _Problems) -> tuple[str, ...] | None:
    """``init.command`` when every word is printable and argv[0] is a real program word."""
    argv = spec.command
    if argv is None:
        return None
    field = _field(service, "init.command")
    if not argv or not argv[0] or argv[0].startswith("-"):
        problems.add("OC083", "init-command-invalid", field,
                     f"{field} must start with the program to run (not empty, not an option)")
        return None
    bad = [word for word in argv if _CONTROL.search(word)]
    for word in bad:
        problems.add("OC083", "init-command-invalid", field,
                     f"{field} word {word!r} contains a control character (newline, tab, NUL)")
    return None if bad else argv


def _check_unit(service: Service, problems: _Problems) -> bool:
    """``init:`` describes one daemon, so it belongs on one ``.service`` unit only."""
    if service.unit_type == "service" and service.scope == "unit":
        return True
    problems.add(
        "OC085", "init-unit-unsupported", _field(service, "init"),
        f"init: is only for a single .service unit, not {service.unit!r} "
        f"with scope {service.scope!r}",
    )
    return False


def _candidates(profile: Profile, problems: _Problems) -> list[_Candidate]:
    """Every service with ``init:``, in name order, with its fields validated."""
    found = []
    for key in sorted(profile.services):
        service = profile.services[key]
        if service.init is None or not _check_unit(service, problems):
            continue
        if _CONTROL.search(service.name + service.unit):
            problems.add("OC081", "init-name-invalid", _field(service, "unit"),
                         f"service {service.name!r} / unit {service.unit!r} contains a "
                         "control character")
            continue
        name = _init_name(service, service.init, problems)
        score = _score(service, problems)
        command = _command(service, service.init, problems)
        if name is not None:
            found.append(_Candidate(service, name, score, command))
    _check_unique(found, lambda c: c.name, "init.name", problems)
    return found


def _check_unique(
    found: Iterable[_Candidate], key: Callable[[_Candidate], str | None], field: str,
    problems: _Problems,
) -> None:
    """Two services rendering to one path would silently overwrite each other."""
    seen: dict[str, _Candidate] = {}
    for cand in found:
        value = key(cand)
        if value is None:
            continue
        if value in seen:
            problems.add(
                "OC087", "init-name-duplicate", _field(cand.service, field),
                f"services {seen[value].service.name!r} and {cand.service.name!r} both use "
                f"{field} {value!r}", hint="each must be unique",
            )
        seen[value] = cand


def _require_some(target: str, found: list[_Candidate], field: str, problems: _Problems) -> None:
    """Selecting a target that has nothing to render is a mistake worth naming."""
    if not found and not problems.items:
        problems.add(
            "OC080", "init-target-empty", "services",
            f"target {target!r} renders nothing: no service sets {field}",
            hint="add init: to the services this host runs without systemd",
        )


def _job(target: str, cand: _Candidate, need_command: bool, problems: _Problems) -> _Job | None:
    """``cand`` as a job of ``target``, or None after naming the missing field."""
    spec = cand.service.init
    if cand.score is None:
        if cand.service.oom_score_adj is None:  # else: OC084 already said why
            problems.add(
                "OC086", "init-score-missing", _field(cand.service, "oom_score_adj"),
                f"services.{cand.service.name} has init: but no oom_score_adj or tier, "
                f"so {target} has nothing to set", hint="set oom_score_adj: or tier:",
            )
        return None
    if need_command and cand.command is None:
        if spec is not None and spec.command is None:  # else: OC083 already said why
            field = _field(cand.service, "init.command")
            problems.add(
                "OC082", "init-command-missing", field,
                f"{target} starts the daemon itself, so {field} (its argv) is required",
                hint=f"e.g. {field}: [/usr/sbin/daemon, --foreground]",
            )
        return None
    return _Job(cand.service, cand.name, cand.score, cand.command or ())


def _jobs(
    target: str, profile: Profile, *, need_command: bool = False,
    check: Callable[[_Job, _Problems], None] | None = None,
) -> list[_Job]:
    """The validated jobs of ``target``; raises InputError with every problem found."""
    problems = _Problems(profile)
    found = _candidates(profile, problems)
    _require_some(target, found, "services.*.init", problems)
    jobs = []
    for cand in found:
        job = _job(target, cand, need_command, problems)
        if job is not None:
            if check is not None:
                check(job, problems)
            jobs.append(job)
    problems.raise_if_any()
    return jobs


# --- rendering ------------------------------------------------------------------


def _q(word: str | int) -> str:
    """One shell word: ``shlex.quote`` makes ``$(id)`` or ``a; rm -rf /`` inert text."""
    return shlex.quote(str(word))


def _shell_context(job: _Job, *, record_status: bool) -> dict[str, object]:
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
        "lowering": job.score < 0,
        "record_status": record_status,
    }


def _file(job: _Job, kind: str, path: str, text: str, mode: int = 0o644) -> RenderedFile:
    return RenderedFile(path=path, content=text, mode=mode, kind=kind, unit=job.service.unit)


def render_sysv(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """``etc/oomcfg/sysv/NAME.sh``: a fragment the LSB init script sources before it starts."""
    tpl = template("init/sysv.sh.j2")
    return [
        _file(job, "sysv", f"etc/oomcfg/sysv/{job.name}.sh",
              tpl.render(_shell_context(job, record_status=True)))
        for job in _jobs("sysv", profile)
    ]


def render_openrc(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """``etc/conf.d/NAME``: openrc-run sources it in the shell that then starts the daemon."""
    tpl = template("init/openrc.confd.j2")
    return [
        _file(job, "openrc", f"etc/conf.d/{job.name}",
              tpl.render(_shell_context(job, record_status=True)))
        for job in _jobs("openrc", profile)
    ]


def upstart_score(score: int) -> str:
    """upstart's ``oom score`` argument: ``never`` stands for -1000 (init(5))."""
    return "never" if score == UPSTART_NEVER else str(score)


def render_upstart(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """``etc/init/NAME.override``: its ``oom score`` stanza replaces the job's own."""
    tpl = template("init/upstart.override.j2")
    return [
        _file(job, "upstart", f"etc/init/{job.name}.override", tpl.render(
            marker=MARKER, unit=job.service.unit, service=job.service.name, name=job.name,
            score=upstart_score(job.score),
        ))
        for job in _jobs("upstart", profile)
    ]


def render_runit(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """``etc/sv/NAME/run`` (0755): sets the score, then ``exec``s ``init.command``."""
    tpl = template("init/runit.run.j2")
    return [
        _file(job, "runit", f"etc/sv/{job.name}/run", tpl.render(
            _shell_context(job, record_status=False),
            q_command=" ".join(_q(word) for word in job.command),
        ), mode=0o755)
        for job in _jobs("runit", profile, need_command=True)
    ]


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


def _check_supervisor(job: _Job, problems: _Problems) -> None:
    problem = supervisor_command_problem(job.command)
    if problem is not None:
        problems.add("OC083", "init-command-invalid", _field(job.service, "init.command"),
                     f"supervisord: {problem}")


def render_supervisord(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """``etc/supervisor/conf.d/NAME.conf``: ``[program:NAME]`` with a choom-wrapped command."""
    jobs = _jobs("supervisord", profile, need_command=True, check=_check_supervisor)
    tpl = template("init/supervisord.conf.j2")
    return [
        _file(job, "supervisord", f"etc/supervisor/conf.d/{job.name}.conf", tpl.render(
            marker=MARKER, unit=job.service.unit, service=job.service.name, name=job.name,
            command=supervisor_command(job.score, job.command),
        ))
        for job in jobs
    ]


#: Where the compose override is written; docs/init-systems.md shows the ``-f`` to use.
COMPOSE_FILE = "etc/oomcfg/compose.override.yaml"


def _compose_key(cand: _Candidate) -> str | None:
    return cand.service.init.compose_service if cand.service.init is not None else None


def _compose_entry(cand: _Candidate, problems: _Problems) -> dict[str, object] | None:
    """One compose service: its YAML key (JSON-quoted, so ``no`` stays a string) and values."""
    key = _compose_key(cand) or ""
    if not COMPOSE_RE.fullmatch(key):
        problems.add("OC081", "init-name-invalid", _field(cand.service, "init.compose_service"),
                     f"compose service name {key!r} is not valid",
                     hint="letters, digits, '.', '_', '-'")
        return None
    limit = cand.service.memory.max
    mem_limit = limit.value if limit is not None and limit.kind == "bytes" else None
    if cand.score is None and mem_limit is None:
        if cand.service.oom_score_adj is None:  # else: OC084 already said why
            problems.add(
                "OC086", "init-score-missing", _field(cand.service, "oom_score_adj"),
                f"services.{cand.service.name} sets init.compose_service but neither "
                "oom_score_adj/tier nor a byte-valued memory.max")
        return None
    return {"key": json.dumps(key), "service": cand.service.name, "score": cand.score,
            "mem_limit": mem_limit,
            "mem_skipped": limit.render() if limit is not None and mem_limit is None else None}


def render_compose(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """One override file with ``oom_score_adj`` (and ``mem_limit``) per compose service."""
    problems = _Problems(profile)
    found = [cand for cand in _candidates(profile, problems) if _compose_key(cand) is not None]
    _require_some("compose", found, "services.*.init.compose_service", problems)
    _check_unique(found, _compose_key, "init.compose_service", problems)
    entries = [_compose_entry(cand, problems) for cand in found]
    problems.raise_if_any()
    for cand, entry in zip(found, entries, strict=True):
        if entry is not None and entry["mem_skipped"] is not None:
            field = _field(cand.service, "memory.max")
            options.notes.append(Diagnostic(
                "OC088", f"compose has no equivalent of memory.max {entry['mem_skipped']}: "
                "mem_limit omitted (it takes bytes only)", problems.position(field),
                Severity.WARNING, slug="compose-mem-limit-omitted"))
    text = template("init/compose.override.yaml.j2").render(
        marker=MARKER, entries=entries,
        lowering=any(cand.score is not None and cand.score < 0 for cand in found),
    )
    return [RenderedFile(path=COMPOSE_FILE, content=text, kind="compose")]


#: Target name -> render function; ``oomcfg.render`` merges this into its ``TARGETS``.
INIT_TARGETS: Mapping[str, Target] = {
    "sysv": render_sysv,
    "openrc": render_openrc,
    "upstart": render_upstart,
    "runit": render_runit,
    "supervisord": render_supervisord,
    "compose": render_compose,
}
