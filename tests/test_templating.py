"""The one Jinja2 environment: strict about missing values, literal, newline-terminated.

A silently empty variable would render ``MemoryMax=`` (which *resets* the
limit) or drop a line; HTML autoescaping would turn ``&`` into ``&amp;`` in a
config file; a missing final newline makes the file not a POSIX text file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from oomcfg import templating
from oomcfg.model import MARKER
from oomcfg.templating import call_macro, environment, macro, template

SETTINGS = [("", "vm.panic_on_oom", "0"), ("-", "kernel.panic", "10")]


def _sysctl(marker: str, sources: str, settings: list[tuple[str, str, str]]) -> str:
    return str(macro("sysctl.conf.j2", "sysctl")(marker, sources, settings))


def test_a_missing_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError, match="settings"):
        macro("sysctl.conf.j2", "sysctl")(MARKER, '"p.yaml"')


def test_a_missing_macro_argument_is_an_error_not_an_empty_value() -> None:
    dropin = template("systemd-dropin.conf.j2").module.dropin  # type: ignore[attr-defined]
    with pytest.raises(jinja2.UndefinedError):
        dropin(MARKER, '"p.yaml"', '"web"', "web.service", "Service")


def test_text_is_written_literally_never_html_escaped() -> None:
    text = _sysctl(MARKER, '"a<b>&\'c\'.yaml"', SETTINGS)
    assert '# profile: "a<b>&\'c\'.yaml"' in text.splitlines()


def test_rendered_files_end_with_exactly_one_newline() -> None:
    text = _sysctl(MARKER, '"p"', SETTINGS)
    dropin = template("systemd-dropin.conf.j2").module.dropin  # type: ignore[attr-defined]
    unit = str(dropin(MARKER, '"p"', '"web"', "web.service", "Service",
                      [("OOMScoreAdjust", "500")]))
    assert [(t.endswith("\n"), t.endswith("\n\n")) for t in (text, unit)] == [(True, False)] * 2
    assert text.splitlines()[-2:] == ["vm.panic_on_oom = 0", "-kernel.panic = 10"]


def test_the_environment_is_configured_once_and_shared() -> None:
    env = environment()
    assert env is environment()
    assert (env.undefined, env.autoescape, env.keep_trailing_newline) == (
        jinja2.StrictUndefined, False, True)


def test_rendering_is_the_same_in_processes_with_different_hash_seeds() -> None:
    """Set and dict order of str keys changes with PYTHONHASHSEED; the bytes must not."""
    code = ("import json, sys; from oomcfg.render_cmd import manifest; "
            "from oomcfg.render import render; from oomcfg.profile import load_profiles; "
            "print(json.dumps(manifest(render(load_profiles(sys.argv[1:])).files)))")
    presets = ["preset:base-server", "preset:desktop-oomd", "preset:kubernetes-node"]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code, *presets], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed}, timeout=60,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) > 5


DROPIN_ARGS = (MARKER, '"a{0}}.yaml"', '"web"', "web.service", "Service")


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_call_macro_gives_exactly_what_the_macro_gives(count: int) -> None:
    """The learned str.format pattern is only a shortcut: braces in values stay literal."""
    dropin = template("systemd-dropin.conf.j2").module.dropin  # type: ignore[attr-defined]
    for run in range(3):  # the first call learns the pattern, the later ones use it
        pairs = [(f"Key{i}", f"{{{run}}}v{i}") for i in range(count)]
        assert call_macro("systemd-dropin.conf.j2", "dropin", DROPIN_ARGS, pairs) == str(
            dropin(*DROPIN_ARGS, pairs))


def test_call_macro_keeps_calling_a_macro_that_changes_its_values(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A macro that filters or tests a value has no fixed pattern: Jinja renders every call."""
    def shouting(*args: object) -> str:
        *names, pairs = args
        lines = [str(n).upper() for n in names] + [f"{k}={v}" for k, v in pairs]  # type: ignore[attr-defined]
        return "\n".join(lines) + "\n"

    monkeypatch.setattr(templating, "macro", lambda name, macro_name: shouting)
    monkeypatch.setattr(templating, "_PATTERNS", {})
    for word in ("a", "b"):
        assert call_macro("t", "m", [word], [("K", word)]) == f"{word.upper()}\nK={word}\n"
    assert templating._PATTERNS == {("t", "m", 1, 1, 2): None}


# --- the generated snapshot (oomcfg.template_patterns) -----------------------

def test_the_snapshot_is_generated_from_the_templates_as_they_are() -> None:
    """Edit a template, then run ``python -m oomcfg.templating`` (this test says so)."""
    from oomcfg import template_patterns

    on_disk = Path(template_patterns.__file__).read_text(encoding="utf-8")
    assert on_disk == templating.snapshot_source(), (
        "oomcfg/template_patterns.py is stale: run `python -m oomcfg.templating`")


SHAPES = [
    ("systemd-dropin.conf.j2", "dropin", DROPIN_ARGS, 2, [0, 1, 4, 11]),
    ("sysctl.conf.j2", "sysctl", (MARKER, '"p{1}.yaml"'), 3, [0, 1, 7, 32]),
]


@pytest.mark.parametrize("shape", SHAPES, ids=["dropin", "sysctl"])
def test_every_snapshot_pattern_gives_what_jinja_gives(
        shape: tuple[str, str, tuple[str, ...], int, list[int]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Values with braces, backslashes and quotes stay literal through str.format."""
    name, macro_name, args, width, counts = shape
    monkeypatch.setattr(templating, "_PATTERNS", {})
    call = macro(name, macro_name)
    for count in counts:
        rows = [tuple(f"{{{i}}}\\v{i}'{j}" for j in range(width)) for i in range(count)]
        key = (name, macro_name, len(args), count, width if count else 0)
        assert templating.snapshot_pattern(key) is not None
        assert call_macro(name, macro_name, args, rows) == str(call(*args, rows))


def test_a_template_that_no_longer_matches_the_snapshot_is_rendered_by_jinja(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited template must never be answered from a pattern made from its old text."""
    edited = tmp_path / "templates"
    edited.mkdir()
    for path in templating.templates_dir().glob("*.j2"):
        (edited / path.name).write_text(path.read_text())
    dropin = edited / "systemd-dropin.conf.j2"
    dropin.write_text(dropin.read_text().replace("[{{ section }}]", "[{{ section }}]\n# edited"))
    monkeypatch.setattr(templating, "templates_dir", lambda: edited)
    monkeypatch.setattr(templating, "_PATTERNS", {})
    monkeypatch.setattr(templating, "_CURRENT", {})
    templating.environment.cache_clear()
    templating.template.cache_clear()
    try:
        key = ("systemd-dropin.conf.j2", "dropin", 5, 1, 2)
        assert templating.snapshot_pattern(key) is None
        text = call_macro("systemd-dropin.conf.j2", "dropin", DROPIN_ARGS, [("K", "v")])
        assert "[Service]\n# edited\nK=v\n" in text
        sysctl_key = ("sysctl.conf.j2", "sysctl", 2, 1, 3)
        assert templating.snapshot_pattern(sysctl_key) is not None  # unchanged: still used
    finally:
        templating.environment.cache_clear()
        templating.template.cache_clear()


def test_render_of_common_shapes_never_imports_jinja() -> None:
    """Jinja2 costs ~45 ms to import; drop-ins and sysctl.d come from the snapshot."""
    code = ("import sys; from oomcfg.render import render; "
            "from oomcfg.profile import load_profiles; "
            "files = render(load_profiles(sys.argv[1:])).files; "
            "print(len(files), 'jinja2' in sys.modules)")
    done = subprocess.run(
        [sys.executable, "-c", code, "preset:database-server", "preset:kubernetes-node"],
        capture_output=True, text=True, check=True, timeout=60)
    count, imported = done.stdout.split()
    assert int(count) > 3
    assert imported == "False"


def test_a_shape_outside_the_snapshot_is_rendered_by_jinja_then_learned(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """40 sysctl keys: no snapshot pattern, so Jinja renders it and teaches its pattern."""
    monkeypatch.setattr(templating, "_PATTERNS", {})
    args = (MARKER, '"p.yaml"')
    key = ("sysctl.conf.j2", "sysctl", 2, 40, 3)
    assert templating.snapshot_pattern(key) is None
    for run in range(2):
        rows = [("-" if i % 2 else "", f"vm.k{i}", f"{{{run}}}{i}") for i in range(40)]
        assert call_macro("sysctl.conf.j2", "sysctl", args, rows) == _sysctl(*args, rows)
    assert isinstance(templating._PATTERNS[key], str)
