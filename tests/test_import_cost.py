"""What a command pays for at start-up: which modules and patterns it loads (never timed).

Start-up is most of a short ``render``, ``validate`` or ``lint`` (performance.md
P4, P7). These tests pin the causes that do not depend on how busy the
machine is: a stdlib module imported only for one output format, a regular
expression compiled at import for input the run never sees, a named tuple
whose field annotations are strings (``typing`` then compiles each one into a
``ForwardRef``). The speed itself is measured in ``bench/``.
"""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

#: Runs the CLI in-process with ``sys.argv[1:]``, then prints the exit code, every
#: module loaded, and every module-level LazyPattern some code compiled.
SCRIPT = """
import io, sys
from oomcfg.lazyre import LazyPattern
from oomcfg.entry import main
sys.argv = ["oomcfg", *sys.argv[1:]]
sys.stdout = io.StringIO()
code = main()
compiled = sorted(
    f"{name}.{attr}"
    for name, module in list(sys.modules.items()) if name.startswith("oomcfg") and module
    for attr, value in vars(module).items()
    if isinstance(value, LazyPattern) and value.is_compiled
)
sys.__stdout__.write(" ".join([str(code), ",".join(compiled) or "-", *sorted(sys.modules)]))
"""


def run(*args: str) -> tuple[int, set[str], set[str]]:
    """(exit code, LazyPatterns compiled, modules loaded) of ``oomcfg ARGS`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True, text=True, check=False, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert done.stdout, done.stderr
    code, compiled, *modules = done.stdout.split()
    return int(code), set(compiled.split(",")) - {"-"}, set(modules)


def test_lint_in_text_loads_neither_json_nor_hashlib() -> None:
    # The JSON and SARIF reports need them; the text report (the default) does
    # not, and OpenSSL's hashlib alone is ~4 ms of a ~150 ms lint.
    code, _, modules = run("lint", "profiles/")
    assert code == 0
    assert "oomcfg.report" in modules  # the report was written
    assert modules & {"json", "hashlib", "_hashlib"} == set()


def test_lint_sarif_still_loads_what_it_needs(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nsysctl:\n  vm.oom_dump_tasks: 0\n")
    code, _, modules = run("lint", "--format", "sarif", str(profile))
    assert code == 0  # OC107 is a warning; its fingerprint needs hashlib
    assert {"json", "hashlib"} <= modules


def test_a_systemd_render_compiles_no_rare_pattern_and_loads_no_shlex(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nsysctl:\n  vm.swappiness: 10\n"
        "services:\n  web: {unit: web.service, oom_score_adj: 300, memory: {max: 1G}}\n"
    )
    code, compiled, modules = run("render", str(profile), "--out", str(tmp_path / "out"))
    assert code == 0
    assert (tmp_path / "out/etc/systemd/system/web.service.d/50-oomcfg.conf").is_file()
    # Init-system names and scripts, escaped unit names, size typos, bad bytes:
    # none of it is in this profile, so none of those patterns was compiled.
    assert compiled == set()
    assert "oomcfg.initscripts" in modules  # registered its targets...
    assert "shlex" not in modules  # ...but quoted no shell word
    # The manifest's JSON and sha256 are --format json's; quoting a file name in a
    # header needs json only for names that are not plain printable ASCII.
    assert modules & {"json", "hashlib", "_hashlib", "jinja2"} == set()


def test_a_json_render_loads_json_and_hashlib_and_quotes_as_json(tmp_path: Path) -> None:
    profile = tmp_path / "caf\u00e9.yaml"  # named in every header: quoted by json.dumps
    profile.write_text("oomcfg: 1\nservices:\n  web: {unit: web.service, oom_score_adj: 1}\n")
    code, _, modules = run("render", "--format", "json", str(profile))
    assert code == 0
    assert {"json", "hashlib"} <= modules
    out = subprocess.run(
        [sys.executable, "-m", "oomcfg", "render", str(profile)],
        capture_output=True, text=True, check=True, cwd=REPO, timeout=60,
    ).stdout  # fmt: skip
    assert '"caf\\u00e9.yaml"' in out  # render.quoted fell back to json.dumps


TEXTS = ["plain", "caf\u00e9", 'a"b', "back\\slash", "tab\there", "\u2028"]


@pytest.mark.parametrize("text", TEXTS)
def test_quoted_is_json_dumps(text: str) -> None:
    """The shortcut for plain names and the json fallback give json.dumps's text."""
    import json

    from oomcfg.render import quoted

    assert quoted(text) == json.dumps(text)


def test_an_init_render_compiles_the_patterns_it_uses(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  web:\n    unit: web.service\n    oom_score_adj: 300\n"
        "    init: {command: [/usr/bin/web, --port, '80']}\n"
    )
    code, compiled, modules = run("render", str(profile), "--only", "runit")
    assert code == 0
    assert {"oomcfg.initjobs.NAME_RE", "oomcfg.initscripts._STRAY_CONTROL"} <= compiled
    assert "shlex" in modules


#: Modules whose named tuples are defined on every start: their field annotations
#: must be objects (no ``from __future__ import annotations``), or ``typing``
#: builds a ForwardRef, one compile() each, for every field (~0.2 ms a class).
EAGER_ANNOTATIONS = [
    "oomcfg.model", "oomcfg.diagnostics", "oomcfg.yamlnodes", "oomcfg.units",
    "oomcfg.initjobs", "oomcfg.sysctls", "oomcfg.render_cmd", "oomcfg.liveparse",
    "oomcfg.findings", "oomcfg.filestate", "oomcfg.initmatch", "oomcfg.sysctld",
    "oomcfg.validate_cmd", "oomcfg.initscripts", "oomcfg.specs", "oomcfg.fieldspecs",
    "oomcfg.unitfile", "oomcfg.report", "oomcfg.lint.inputs", "oomcfg.lint.engine",
    "oomcfg.lint.config",
]  # fmt: skip


@pytest.mark.parametrize("name", EAGER_ANNOTATIONS)
def test_named_tuple_fields_are_annotated_with_objects(name: str) -> None:
    module = importlib.import_module(name)
    tuples = [
        value for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, tuple) and hasattr(value, "_fields")
        and value.__module__ == name
    ]  # fmt: skip
    assert tuples, f"{name} defines no named tuple: drop it from the list"
    strings = [
        (cls.__name__, field)
        for cls in tuples
        for field, annotation in inspect.get_annotations(cls).items()
        if isinstance(annotation, str)
    ]
    assert strings == []



def test_an_apply_to_a_root_loads_no_shlex(tmp_path: Path) -> None:
    # shlex quotes the units of apply --no-live's restart hint, and nothing else.
    root = tmp_path / "root"
    root.mkdir()
    code, _, modules = run("apply", "web-frontend", "--root", str(root), "--dry-run")
    assert code == 0
    assert "oomcfg.effect" in modules
    assert "shlex" not in modules


def test_an_unchanged_re_apply_loads_neither_json_nor_base64(tmp_path: Path) -> None:
    """Both serve only the records of a write and --format json (P6 start-up)."""
    root = tmp_path / "root"
    root.mkdir()
    first, _, written = run("apply", "web-frontend", "--root", str(root))
    again, _, unchanged = run("apply", "web-frontend", "--root", str(root))
    assert (first, again) == (0, 0)
    assert {"json", "base64"} <= written  # the first apply wrote its records
    assert {"json", "base64"} & unchanged == set()
    assert "oomcfg.plan" in unchanged


def test_the_ascii_control_class_is_the_full_class_cut_to_ascii() -> None:
    from oomcfg import yamlbytes

    for code in range(128):
        char = chr(code)
        full = yamlbytes._CONTROL.fullmatch(char)
        assert (code, full is None) == (code, yamlbytes._ASCII_CONTROL.fullmatch(char) is None)


@pytest.mark.parametrize(
    ("text", "found"),
    [("a: 1\n", []), ("a: \x07\n", [(1, 4)]), ("a: \u00e9\x80\n\x85b: \x1b\n", [(1, 5), (3, 4)])],
)
def test_check_text_reports_control_characters_ascii_or_not(
    text: str, found: list[tuple[int, int]]
) -> None:
    # NEL (U+0085) is a line break to libyaml, so the second finding is on line 3.
    from oomcfg.diagnostics import Diagnostic
    from oomcfg.yamlbytes import check_text

    diags: list[Diagnostic] = []
    assert check_text(text, "p.yaml", diags) is (not found)
    assert [(d.pos.line, d.pos.col) for d in diags if d.pos] == found
    assert all(d.code == "OC003" for d in diags)
