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

import jinja2
import pytest

from oomcfg import templating
from oomcfg.model import MARKER
from oomcfg.templating import call_macro, environment, template

SETTINGS = [("", "vm.panic_on_oom", "0"), ("-", "kernel.panic", "10")]


def test_a_missing_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError, match="settings"):
        template("sysctl.conf.j2").render(marker=MARKER, sources='"p.yaml"')


def test_a_missing_macro_argument_is_an_error_not_an_empty_value() -> None:
    dropin = template("systemd-dropin.conf.j2").module.dropin  # type: ignore[attr-defined]
    with pytest.raises(jinja2.UndefinedError):
        dropin(MARKER, '"p.yaml"', '"web"', "web.service", "Service")


def test_text_is_written_literally_never_html_escaped() -> None:
    text = template("sysctl.conf.j2").render(
        marker=MARKER, sources='"a<b>&\'c\'.yaml"', settings=SETTINGS)
    assert '# profile: "a<b>&\'c\'.yaml"' in text.splitlines()


def test_rendered_files_end_with_exactly_one_newline() -> None:
    text = template("sysctl.conf.j2").render(marker=MARKER, sources='"p"', settings=SETTINGS)
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
    assert templating._PATTERNS == {("t", "m", 1, 1): None}
