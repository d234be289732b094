"""Init-system targets: what each renders, golden files, parsed outputs, and bad input.

The running proof (start-stop-daemon, runit, supervisord, OpenRC) is in
test_initscripts_exec.py; this file pins the outputs and the refusals.
Regenerate the golden tree with ``OOMCFG_UPDATE_GOLDEN=1 pytest tests/test_initscripts.py``.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml
from initscripts_example import EXAMPLE_YAML, example_profile

from oomcfg import initscripts
from oomcfg.diagnostics import Position
from oomcfg.errors import InputError
from oomcfg.initscripts import INIT_TARGETS, supervisor_command
from oomcfg.model import MARKER, InitSpec, Memory, Profile, RenderedFile, Service, Size
from oomcfg.render import RenderOptions, render
from oomcfg.render_check import RenderInvariantError

GOLDEN = Path(__file__).parent / "golden_init"


def run(kind: str, profile: Profile) -> list[RenderedFile]:
    return INIT_TARGETS[kind](profile, RenderOptions())


def all_files(profile: Profile) -> list[RenderedFile]:
    return [f for kind in INIT_TARGETS for f in run(kind, profile)]


def with_services(*services: Service) -> Profile:
    return example_profile()._replace(services={s.name: s for s in services},
                   sources=("p.yaml",))


def svc(key: str = "app", unit: str = "app.service", score: int | None = 300,
        **init: object) -> Service:
    """Service ``key`` with ``init:`` (``command`` defaults to /usr/bin/app)."""
    spec = InitSpec(**{"command": ("/usr/bin/app",), **init})  # type: ignore[arg-type]
    return Service(name=key, unit=unit, oom_score_adj=score, init=spec)


def errors(kind: str, profile: Profile) -> list[tuple[str, str]]:
    """``(code, message)`` of every diagnostic the target raised (it must raise)."""
    with pytest.raises(InputError) as caught:
        run(kind, profile)
    return [(d.code, d.message) for d in caught.value.diagnostics]


# --- what each target renders ---------------------------------------------------------------


def test_each_target_renders_its_documented_paths_modes_and_kinds() -> None:
    rendered = {(f.kind, f.path, f.mode, f.unit) for f in all_files(example_profile())}
    expected: set[tuple[str, str, int, str | None]] = set()
    for name, unit in (("postgresql", "postgresql.service"), ("nginx", "nginx.service"),
                       ("batch-worker", "batch-worker.service"),
                       ("watchdog", "watchdog.service")):
        expected |= {
            ("sysv", f"etc/oomcfg/sysv/{name}.sh", 0o644, unit),
            ("openrc", f"etc/conf.d/{name}", 0o644, unit),
            ("upstart", f"etc/init/{name}.override", 0o644, unit),
            ("runit", f"etc/sv/{name}/run", 0o755, unit),
            ("supervisord", f"etc/supervisor/conf.d/{name}.conf", 0o644, unit),
        }
    expected.add(("compose", "etc/oomcfg/compose.override.yaml", 0o644, None))
    assert rendered == expected


def test_every_file_carries_the_marker_and_no_legacy_oom_adj() -> None:
    for rendered in all_files(example_profile()):
        first_lines = rendered.content.splitlines()[:2]
        assert MARKER in first_lines, rendered.path
        assert not re.search(r"oom_adj\b", rendered.content), rendered.path


def test_golden_files_for_every_style() -> None:
    files = {f.path: f.content for f in all_files(example_profile())}
    if os.environ.get("OOMCFG_UPDATE_GOLDEN") == "1":
        for path, content in files.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_text(content)
    on_disk = {str(p.relative_to(GOLDEN)): p.read_text()
               for p in GOLDEN.rglob("*") if p.is_file()}
    assert on_disk == files


def test_the_loader_reads_init_example_yaml_into_the_profile_the_goldens_come_from() -> None:
    from oomcfg.profile import load_profiles

    loaded = load_profiles([EXAMPLE_YAML])
    assert all_files(loaded) == all_files(example_profile())


README = Path(__file__).parent.parent / "README.md"

#: A README row of the hosts-without-systemd table: | `target` | `/path` | how to hook it in |
README_ROW = re.compile(r"^\| `([a-z]+)` \| `(/[^`]+)`(?: \([0-7]{4}\))? \| (.+) \|$", re.M)


def test_readme_says_per_target_which_file_and_how_the_service_picks_it_up() -> None:
    rendered = {(f.kind, "/" + f.path.replace("nginx", "NAME"))  # web's init name: nginx
                for f in all_files(example_profile()) if f.unit in (None, "nginx.service")}
    rows = README_ROW.findall(README.read_text())
    assert {(kind, path) for kind, path, _ in rows} == rendered
    assert all(len(hook) > 30 for _, _, hook in rows)  # a real "how to hook it in"


def test_render_selects_init_targets_only_with_only() -> None:
    profile = example_profile()
    default = {f.kind for f in render(profile).files}
    chosen = {f.kind for f in render(profile, only=["sysv", "compose"]).files}
    assert not default & set(INIT_TARGETS)
    assert chosen == {"sysv", "compose"}


# --- outputs checked by parsing -----------------------------------------------------------

#: upstart's stanza for the OOM killer (init(5)): ``oom score ADJ`` with ADJ in
#: -999..1000, or ``oom score never``; comments are whole lines starting with #.
#: (init/parse_job.c ``stanza_oom``: base-10 strtol of the whole word; a bare ``oom N``
#: would be the legacy oom_adj scale, so only the ``score`` form is accepted here.)
UPSTART_LINE = re.compile(r"oom score (never|-?[0-9]+)")


def upstart_score(text: str) -> str:
    stanzas = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert len(stanzas) == 1
    match = UPSTART_LINE.fullmatch(stanzas[0])
    assert match is not None, stanzas[0]
    value = match.group(1)
    assert value == "never" or -999 <= int(value) <= 1000
    return value


def test_upstart_override_is_one_oom_score_stanza_with_never_for_minus_1000() -> None:
    scores = {f.path: upstart_score(f.content) for f in run("upstart", example_profile())}
    assert scores == {
        "etc/init/postgresql.override": "-900",
        "etc/init/nginx.override": "500",
        "etc/init/batch-worker.override": "1000",
        "etc/init/watchdog.override": "never",
    }


def test_compose_override_loads_with_the_right_services_and_values() -> None:
    (rendered,) = run("compose", example_profile())
    assert yaml.load(rendered.content, Loader=yaml.CSafeLoader) == {
        "services": {
            "db": {"oom_score_adj": -900},
            "web": {"oom_score_adj": 500, "mem_limit": 536870912},
            "worker": {"oom_score_adj": 1000},
        }
    }
    assert "rootless" in rendered.content  # db's -900 cannot be applied by a rootless engine


def test_compose_keys_stay_strings_and_percent_limits_become_a_note() -> None:
    percent = svc("b", "b.service", compose_service="1.0")._replace(
        memory=Memory(max=Size("percent", 25)))
    profile = with_services(svc("a", "a.service", compose_service="no"), percent)
    options = RenderOptions()
    (rendered,) = INIT_TARGETS["compose"](profile, options)
    loaded = yaml.load(rendered.content, Loader=yaml.CSafeLoader)
    assert loaded == {"services": {"no": {"oom_score_adj": 300}, "1.0": {"oom_score_adj": 300}}}
    assert [(n.code, n.message) for n in options.notes] == [
        ("OC088", "compose has no equivalent of memory.max 25%: mem_limit omitted "
         "(it takes bytes only)"),
    ]


def test_lint_says_a_rootless_engine_cannot_apply_a_negative_compose_score(
    tmp_path: Path,
) -> None:
    from oomcfg.lint.engine import LintOptions, lint_paths

    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n"
        "  db:\n    unit: db.service\n    oom_score_adj: -500\n    init: {compose_service: db}\n"
        "  web:\n    unit: web.service\n    tier: expendable\n    init: {compose_service: web}\n"
        "  sshd:\n    unit: ssh.service\n    tier: critical\n"  # no compose: not concerned
    )
    result = lint_paths([profile], LintOptions())
    assert [f.format() for f in result.findings if f.code == "OC124"] == [
        f"{profile}:5:20: info[OC124]: db: compose service 'db' asks for oom_score_adj -500; "
        "a rootless engine cannot lower a container's score: it keeps the engine's own score "
        "(Podman clamps it) or the container fails to start (use a rootful engine, or a score "
        ">= 0)",
    ]


def supervisord_command(text: str, name: str) -> list[str]:
    """The argv supervisord would exec (see test_initscripts_exec.supervisord_argv)."""
    parser = configparser.RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False)
    parser.read_string(text)
    assert parser.sections() == [f"program:{name}"]
    return shlex.split(parser.get(f"program:{name}", "command") % {})


def test_supervisord_program_wraps_the_command_with_choom() -> None:
    argvs = {f.path: supervisord_command(f.content, Path(f.path).stem)
             for f in run("supervisord", example_profile())}
    assert argvs["etc/supervisor/conf.d/batch-worker.conf"] == [
        "choom", "-n", "1000", "--", "/usr/local/bin/worker", "--label", "queue 100%",
        "--note", "it's $(not) run",
    ]
    assert argvs["etc/supervisor/conf.d/postgresql.conf"][:4] == ["choom", "-n", "-900", "--"]


def test_supervisor_command_escapes_percent_and_quotes_every_word() -> None:
    assert supervisor_command(5, ("/bin/x", "a b", "50%", "$(id)")) == \
        "choom -n 5 -- /bin/x 'a b' 50%% '$(id)'"


# --- hostile input: rejected, or quoted so that it is inert ---------------------------------


@pytest.mark.parametrize("name", ["svc; rm -rf /", "$(id)", "../etc", "a/b", "-x", ".hidden",
                                  "a b", "x:y", "a\nb", "n" * 129])
def test_hostile_init_names_are_rejected_with_the_field_named(name: str) -> None:
    profile = with_services(svc(name=name))
    for kind in ("sysv", "openrc", "upstart", "runit", "supervisord"):
        assert [code for code, _ in errors(kind, profile)] == ["OC081"], kind
        assert "services.app.init.name" in errors(kind, profile)[0][1]


def test_a_unit_stem_that_is_no_init_name_asks_for_init_name() -> None:
    with pytest.raises(InputError) as caught:
        run("sysv", with_services(svc(unit="-x.service")))
    (diag,) = caught.value.diagnostics
    assert (diag.code, diag.hint) == ("OC081", "set services.app.init.name: 1-128 of letters, "
                                      "digits, '_', '.', '@', '-', not starting with '.' or '-'")


def test_hostile_command_words_are_quoted_into_inert_literals() -> None:
    argv = ("/usr/bin/app", "svc; rm -rf /", "$(id)", "`id`", "a'b", "x > /etc/passwd")
    (runit,) = run("runit", with_services(svc(command=argv)))
    exec_line = runit.content.splitlines()[-1]
    assert exec_line.startswith("exec ")
    assert shlex.split(exec_line.removeprefix("exec ")) == list(argv)


@pytest.mark.parametrize("argv", [("/bin/app", "a\nexec rm -rf /"), ("/bin/app", "tab\there"),
                                  ("/bin/app", "nul\x00"), ("",), ("-x", "y"), ()])
def test_command_with_control_characters_or_no_program_is_rejected(
    argv: tuple[str, ...],
) -> None:
    for kind in ("runit", "supervisord"):
        assert [code for code, _ in errors(kind, with_services(svc(command=argv)))] == ["OC083"]


def test_a_word_longer_than_exec_accepts_is_refused_not_rendered_into_a_dead_script() -> None:
    """execve(2): one argument string may be at most MAX_ARG_STRLEN (32 pages, 131072
    bytes with its NUL), else E2BIG: the run script would never start the daemon."""
    fits, too_long = "é" * 65535 + "x", "é" * 65536  # 131071 and 131072 bytes of UTF-8
    assert len(run("runit", with_services(svc(command=("/bin/app", fits))))) == 1
    for kind in ("runit", "supervisord"):
        assert errors(kind, with_services(svc(command=("/bin/app", too_long)))) == [(
            "OC083", "services.app.init.command word 2 is 131072 bytes: exec(2) refuses an "
            "argument longer than 131071 bytes (MAX_ARG_STRLEN)")]


@pytest.mark.parametrize("word", ["a ;b", "x #y", "%(here)s/x"])
def test_supervisord_refuses_words_its_ini_parser_would_cut_or_rewrite(word: str) -> None:
    profile = with_services(svc(command=("/bin/app", word)))
    ((code, message),) = errors("supervisord", profile)
    assert code == "OC083" and message.startswith("supervisord: word ")
    assert len(run("runit", profile)) == 1  # a shell word: shlex.quote makes it safe there


@pytest.mark.parametrize("score", [True, 1001, -1001, 1.5])
def test_scores_must_be_plain_ints_in_range(score: object) -> None:
    service = svc()._replace(oom_score_adj=score)  # type: ignore[arg-type] # on purpose
    assert [code for code, _ in errors("sysv", with_services(service))] == ["OC084"]


# --- missing details: an error naming the field, never a guess -------------------------------


def test_runit_and_supervisord_need_init_command_named_with_its_position() -> None:
    service = Service(name="web", unit="nginx.service", oom_score_adj=500,
                      init=InitSpec(compose_service="web"))
    profile = with_services(service)._replace(origins={
        "services.web.unit": Position("p.yaml", 3, 11),
        "services.web.init.compose_service": Position("p.yaml", 6, 24),
    })
    for kind in ("runit", "supervisord"):
        with pytest.raises(InputError) as caught:
            run(kind, profile)
        (diag,) = caught.value.diagnostics
        assert diag.format() == (
            f"p.yaml:6:24: error[OC082]: {kind} starts the daemon itself, so "
            "services.web.init.command (its argv) is required (e.g. services.web.init.command: "
            "[/usr/sbin/daemon, --foreground])"
        )
    assert len(run("sysv", profile)) == 1  # sysv only sets the score: no command needed


def test_init_without_a_score_is_an_error_not_a_silent_skip() -> None:
    assert errors("openrc", with_services(svc(score=None))) == [
        ("OC086", "services.app has init: but no oom_score_adj or tier, so openrc has "
         "nothing to set"),
    ]


def test_selecting_a_target_no_service_is_set_up_for_names_the_missing_field() -> None:
    bare = with_services(Service(name="a", unit="a.service", oom_score_adj=1))
    assert errors("sysv", bare) == [
        ("OC080", "target 'sysv' renders nothing: no service sets services.*.init"),
    ]
    assert errors("compose", with_services(svc())) == [
        ("OC080", "target 'compose' renders nothing: no service sets "
         "services.*.init.compose_service"),
    ]


def test_compose_ignores_init_names_it_never_uses() -> None:
    """compose writes only init.compose_service: a clash or an unusable init.name (or
    unit stem) is a problem for the targets that build files from it, not for compose."""
    profile = with_services(
        svc("a", "a.service", name="same", compose_service="a"),
        svc("b", "b.service", name="same", compose_service="b"),
        svc("c", "c\\x2dd.service", compose_service="c"),
    )
    (rendered,) = run("compose", profile)
    assert yaml.load(rendered.content, Loader=yaml.CSafeLoader) == {"services": {
        "a": {"oom_score_adj": 300}, "b": {"oom_score_adj": 300}, "c": {"oom_score_adj": 300}}}
    assert sorted(code for code, _ in errors("sysv", profile)) == ["OC081", "OC087"]


def test_init_on_a_slice_or_a_wide_scope_is_refused() -> None:
    profile = with_services(svc(unit="batch.slice"),
                            svc("t", "t@.service")._replace(scope="template"))
    assert [code for code, _ in errors("sysv", profile)] == ["OC085", "OC085"]


def test_every_problem_is_reported_at_once_and_duplicates_are_named() -> None:
    profile = with_services(
        svc("a", "a.service", name="same"), svc("b", "b.service", name="same"),
        svc("c", "c.service", score=None), svc("d", "d.service", name="$(id)"),
    )
    assert sorted(code for code, _ in errors("sysv", profile)) == ["OC081", "OC086", "OC087"]


# --- defence in depth: every file is parsed back before it is returned ------------------------


def test_a_run_script_whose_exec_line_does_not_give_the_argv_is_a_bug_not_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(initscripts, "_q", str)  # quoting "forgotten": 'queue 100%' splits
    with pytest.raises(RenderInvariantError, match=r"exec line does not give init\.command"):
        run("runit", example_profile())


def test_a_supervisord_command_that_does_not_parse_back_is_a_bug_not_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(initscripts, "supervisor_command", lambda score, argv: "choom ;x")
    with pytest.raises(RenderInvariantError, match="command= does not parse back"):
        run("supervisord", example_profile())
