"""Which services an init target renders, with every field it needs validated.

The init targets (:mod:`oomcfg.initscripts`) share one rule: a service takes part
when it has an ``init:`` section; a target that needs something the profile left
out (``init.command`` for runit and supervisord, a score for everything but
compose) reports a diagnostic naming that field at the position the profile gives
(``Profile.origins``), and every problem of a run is reported at once, never a
guess (bad-inputs.md, "Shell snippets"). Codes: OC080 target renders nothing,
OC081 name unusable, OC082 command missing, OC083 command unusable, OC084 score
not an int in range, OC085 init: on something that is not one .service unit,
OC086 nothing to set, OC087 two services with one name.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from collections.abc import Callable, Iterable
from typing import NamedTuple

from oomcfg.diagnostics import Diagnostic, Position
from oomcfg.errors import InputError
from oomcfg.lazyre import LazyPattern
from oomcfg.model import OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, InitSpec, Profile, Service

#: An init name becomes a file name (``etc/sv/NAME/run``), an ini section
#: (``[program:NAME]``) and a shell word, so it is held to the intersection of
#: what all of them accept (the schema's ``[A-Za-z0-9_.@-]``): no ``/``, no
#: spaces or shell metacharacters, no ``:`` (supervisord's group:process
#: separator), and no leading ``.`` or ``-`` (so never ``..`` or an option).
#: 128 leaves room for suffixes within NAME_MAX (255 bytes).
NAME_RE = LazyPattern(r"[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}")
NAME_ALLOWED = "1-128 of letters, digits, '_', '.', '@', '-', not starting with '.' or '-'"

#: A compose service name (compose-spec schema: ``^[a-zA-Z0-9._-]+$``); it is
#: only a YAML key, written JSON-quoted, never a path.
COMPOSE_RE = LazyPattern(r"[a-zA-Z0-9._-]{1,255}")

#: Any C0 control character or DEL: a newline in a run script or an ini value
#: injects a line; a tab before ';' starts a supervisord comment.
CONTROL = LazyPattern(r"[\x00-\x1f\x7f]")

#: execve(2), "Limits on size of arguments and environment": one argument string
#: may be at most MAX_ARG_STRLEN (32 pages = 131072 bytes) including its NUL, or
#: exec fails with E2BIG and the daemon never starts.
MAX_ARG_BYTES = 131072 - 1


class Candidate(NamedTuple):
    """A service with ``init:``: name (when the target uses one), score and argv validated."""

    service: Service
    name: str | None  # None when the target names nothing after it (compose)
    score: int | None
    command: tuple[str, ...] | None


class Job(NamedTuple):
    """A service a target renders: everything it needs is present and valid."""

    service: Service
    name: str
    score: int
    command: tuple[str, ...]  # () for targets that do not start the daemon


class Problems:
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


def field_path(service: Service, name: str) -> str:
    """The dotted profile path of a service's field, as messages and origins name it."""
    return f"services.{service.name}.{name}"


def _init_name(service: Service, spec: InitSpec, problems: Problems) -> str | None:
    """``init.name``, or the unit's stem (``nginx.service`` -> ``nginx``) when unset."""
    name = spec.name if spec.name is not None else service.unit.rsplit(".", 1)[0]
    if NAME_RE.fullmatch(name):
        return name
    where = "init.name" if spec.name is not None else "unit"
    problems.add(
        "OC081", "init-name-invalid", field_path(service, where),
        f"init name {name!r} (from {field_path(service, where)}) is not usable as a file or "
        f"service name", hint=f"set {field_path(service, 'init.name')}: {NAME_ALLOWED}",
    )
    return None


def _score(service: Service, problems: Problems) -> int | None:
    """The score as a validated int; ``bool`` and out-of-range values are refused."""
    score = service.oom_score_adj
    if score is None:
        return None
    if type(score) is not int or not OOM_SCORE_ADJ_MIN <= score <= OOM_SCORE_ADJ_MAX:
        problems.add(
            "OC084", "init-score-invalid", field_path(service, "oom_score_adj"),
            f"oom_score_adj {score!r} is not an integer in "
            f"{OOM_SCORE_ADJ_MIN}..{OOM_SCORE_ADJ_MAX}",
        )
        return None
    return score


def _command(service: Service, spec: InitSpec, problems: Problems) -> tuple[str, ...] | None:
    """``init.command`` when every word is printable and argv[0] is a real program word."""
    argv = spec.command
    if argv is None:
        return None
    field = field_path(service, "init.command")
    if not argv or not argv[0] or argv[0].startswith("-"):
        problems.add("OC083", "init-command-invalid", field,
                     f"{field} must start with the program to run (not empty, not an option)")
        return None
    bad = [_word_problem(field, i, word) for i, word in enumerate(argv, 1)]
    for problem in filter(None, bad):
        problems.add("OC083", "init-command-invalid", field, problem)
    return None if any(bad) else argv


def _word_problem(field: str, index: int, word: str) -> str | None:
    """Why word ``index`` (1-based) of ``field`` cannot be passed to the daemon, or None."""
    if CONTROL.search(word):
        return f"{field} word {word!r} contains a control character (newline, tab, NUL)"
    size = len(word.encode())
    if size > MAX_ARG_BYTES:
        return (f"{field} word {index} is {size} bytes: exec(2) refuses an argument longer "
                f"than {MAX_ARG_BYTES} bytes (MAX_ARG_STRLEN)")
    return None


def _check_unit(service: Service, problems: Problems) -> bool:
    """``init:`` describes one daemon, so it belongs on one ``.service`` unit only."""
    if service.unit_type == "service" and service.scope == "unit":
        return True
    problems.add(
        "OC085", "init-unit-unsupported", field_path(service, "init"),
        f"init: is only for a single .service unit, not {service.unit!r} "
        f"with scope {service.scope!r}",
    )
    return False


def candidates(profile: Profile, problems: Problems, *, named: bool = True) -> list[Candidate]:
    """Every service with ``init:``, in name order, with its fields validated.

    ``named``: the target builds paths and sections from ``init.name`` (all but
    compose), so the name must be usable and unique; otherwise it is not checked.
    """
    found = []
    for key in sorted(profile.services):
        service = profile.services[key]
        if service.init is None or not _check_unit(service, problems):
            continue
        if CONTROL.search(service.name + service.unit):
            problems.add("OC081", "init-name-invalid", field_path(service, "unit"),
                         f"service {service.name!r} / unit {service.unit!r} contains a "
                         "control character")
            continue
        name = _init_name(service, service.init, problems) if named else None
        score = _score(service, problems)
        command = _command(service, service.init, problems)
        if name is not None or not named:
            found.append(Candidate(service, name, score, command))
    check_unique(found, lambda c: c.name, "init.name", problems)
    return found


def check_unique(
    found: Iterable[Candidate], key: Callable[[Candidate], str | None], field: str,
    problems: Problems,
) -> None:
    """Two services rendering to one path would silently overwrite each other."""
    seen: dict[str, Candidate] = {}
    for cand in found:
        value = key(cand)
        if value is None:
            continue
        if value in seen:
            problems.add(
                "OC087", "init-name-duplicate", field_path(cand.service, field),
                f"services {seen[value].service.name!r} and {cand.service.name!r} both use "
                f"{field} {value!r}", hint="each must be unique",
            )
        seen[value] = cand


def require_some(target: str, found: list[Candidate], field: str, problems: Problems) -> None:
    """Selecting a target that has nothing to render is a mistake worth naming."""
    if not found and not problems.items:
        problems.add(
            "OC080", "init-target-empty", "",  # about the whole profile: its file
            f"target {target!r} renders nothing: no service sets {field}",
            hint="add init: to the services this host runs without systemd",
        )


def _job(target: str, cand: Candidate, need_command: bool, problems: Problems) -> Job | None:
    """``cand`` as a job of ``target``, or None after naming the missing field."""
    spec = cand.service.init
    assert cand.name is not None  # target_jobs asks candidates() for named ones
    if cand.score is None:
        if cand.service.oom_score_adj is None:  # else: OC084 already said why
            problems.add(
                "OC086", "init-score-missing", field_path(cand.service, "oom_score_adj"),
                f"services.{cand.service.name} has init: but no oom_score_adj or tier, "
                f"so {target} has nothing to set", hint="set oom_score_adj: or tier:",
            )
        return None
    if need_command and cand.command is None:
        if spec is not None and spec.command is None:  # else: OC083 already said why
            field = field_path(cand.service, "init.command")
            problems.add(
                "OC082", "init-command-missing", field,
                f"{target} starts the daemon itself, so {field} (its argv) is required",
                hint=f"e.g. {field}: [/usr/sbin/daemon, --foreground]",
            )
        return None
    return Job(cand.service, cand.name, cand.score, cand.command or ())


def target_jobs(
    target: str, profile: Profile, *, need_command: bool = False,
    check: Callable[[Job, Problems], None] | None = None,
) -> list[Job]:
    """The validated jobs of ``target``; raises InputError with every problem found."""
    problems = Problems(profile)
    found = candidates(profile, problems)
    require_some(target, found, "services.*.init", problems)
    jobs = []
    for cand in found:
        job = _job(target, cand, need_command, problems)
        if job is not None:
            if check is not None:
                check(job, problems)
            jobs.append(job)
    problems.raise_if_any()
    return jobs
