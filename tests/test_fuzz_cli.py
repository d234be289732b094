"""Deterministic fuzzing of the command line with mutated real inputs (bad-inputs.md).

The bar: bad input gets ``file:line:col: error[CODE]: message``, a documented
exit code, and nothing written; "a traceback is a bug". The ~1,300 example
tests check the cases someone thought of; this file checks the ones nobody
did. It mutates the shipped presets, the test profiles and the golden drop-ins
and sysctl.d files -- at byte level (control bytes, truncation, flipped bytes,
a BOM, CRLF) and at YAML-structure level (lines deleted, duplicated, swapped or
re-indented, a scalar replaced by another type, anchors, tags, duplicate keys,
deep nesting) -- and runs ``render`` (text, ``--out``, JSON,
``--explain``, an old systemd, the init targets), ``lint`` and ``apply --root``
on each, in-process through the real Typer app. ``validate --root`` gets the
probe fixture host with garbage, directories and dangling links in place of
its /proc, pidfile and sysctl.d files.

Fixed seeds: every run makes the same inputs, so a failure is reproducible
from its test id alone, and its message prints the input (``repr`` of the
bytes) and the command. The whole file runs in well under 20 s.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from probe_tree import build_host_root
from typer.testing import CliRunner, Result

from oomcfg.cli import app
from oomcfg.resources import profiles_dir

TESTS = Path(__file__).parent
DATA = TESTS / "data" / "profiles"
GOLDEN = TESTS / "golden"
FUZZ = TESTS / "data" / "fuzz"

#: README "Exit codes": what each command may answer for a readable input file.
RENDER_CODES = {0, 3}
LINT_CODES = {0, 1}
APPLY_CODES = {0, 3}  # a fresh --root, no reload, no live step: nothing else can happen

#: ``path:line:col: error[CODE]: message``; only these codes may name the whole file
#: (``path: error[CODE]:``): file too large, unreadable, empty, a target with nothing.
#: No ``oomcfg: `` in front: a problem matcher would read it as part of the file name.
ERROR_LINE = re.compile(
    r"^(?!oomcfg: )(?P<path>.+?):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): error\[OC\d{3}\]: ")
FILE_ERROR_LINE = re.compile(
    r"^(?!oomcfg: )(?P<path>.+?): error\[(?P<code>OC001|OC013|OC021|OC080)\]: ")
LINT_LINE = re.compile(
    r"^.+?(:[1-9]\d*:[1-9]\d*)?: (error|warning|info)\[OC\d{3}\] .*\([a-z0-9-]+\)$")

# --- the seeds -----------------------------------------------------------------------------------

#: Values of other types, and YAML that must be refused, for a scalar's place.
SCALARS = (
    "~", "", "null", "[]", "{}", "[1, [2]]", "{a: 1}", "yes", "no", "on", "y", "true", "True",
    "0", "-0", "0100", "-0900", "0x10", "0o17", "1:20", "1e2", "-500.0", ".inf", ".nan",
    "99999999999999999999999", "-99999999999999999999", "'100'", '"a\\nb"', '"%h"',
    "'; rm -rf /'", "$(id)", "a\\", "# comment", "foo#bar", "x;y", "1G", "2g", "120%", "-1%",
    "infinity", "!!python/name:os.system", "!!binary aGk=", "!custom x", "&a x", "*a",
    "|\n  block\n  text", ">-\n  folded", "?", "-", "'", '"', "[", "{", "@", "`", "\t",
    "\u00e9t\u00e9", "\U0001f4a5", "\u202e", "a" * 300, "%", "=", "[Service]",
)
#: Values a profile could plausibly hold in another field: reach the schema's and the
#: renderers' checks (ranges, unit types, scopes, sizes, init commands), not only the parser's.
PLAUSIBLE = (
    "-1000", "-999", "-1", "1", "1000", "1001", "2", "3", "-2147483648", "2147483647",
    "2147483648", "18446744073709551615", "18446744073709551616", "0%", "100%", "100.0%",
    "99.99%", "0G", "1K", "4095G", "16E", "1P", "infinity", "critical", "sacrificial",
    "continue", "stop", "kill", "auto", "avoid", "omit", "prefer", "template", "prefix", "type",
    "unit", "a.service", "a@.service", "a@b.service", "a@b@c.service", "a-.service", "service",
    "slice", "-.slice", "init.scope", "a.slice", "a.scope", "a.socket", "a.mount", "a.swap",
    "a.timer", "a.target", "a.device", "a.path", "a.automount", "a\\x2db.service",
    "a/b.service", "../a.service", "a b.service", ".service", "a." + "b" * 250 + ".service",
    "[/bin/true]", "[]", "['', x]", "[sh, -c, 'a; b']", "/run/a.pid", "relative.pid",
    "{from_request: 1G, capacity: 1G}", "{from_request: 2G, capacity: 1G}",
    "{from_request: 0, capacity: 0}", "{min: 2G, max: 1G}", "{max: 0}", "{high: 50%}",
    "{value: 1, passthrough: true}", "{value: '4096 87380', passthrough: true}",
    "{value: 1, ignore_missing: true}", "{memory_pressure: kill, memory_pressure_limit: 100%}",
    "{name: x, command: [/bin/x], pidfile: /run/x.pid, comm: x}", "{comm: " + "c" * 20 + "}",
)
#: Keys of the format, to put where they do not belong (or where they do, twice).
KEYS = (
    "oomcfg", "description", "extends", "sysctl", "services", "unit", "scope", "tier",
    "oom_score_adj", "from_request", "capacity", "oom_policy", "memory", "min", "low", "high",
    "max", "swap_max", "managed_oom", "swap", "memory_pressure", "memory_pressure_limit",
    "preference", "init", "name", "command", "compose_service", "pidfile", "comm", "value",
    "passthrough", "ignore_missing", "vm.panic_on_oom", "kernel.panic", "vm.overcommit_memory",
    "vm.overcommit_ratio", "vm.overcommit_kbytes", "net.core.somaxconn", "vm..x", "/vm/x",
)
CONTROL = (b"\x00", b"\x01", b"\x07", b"\x0b", b"\x0c", b"\x1b", b"\x7f", b"\r", b"\x85",
           b"\xc2\xa0", b"\xe2\x80\xa8", b"\xff", b"\xfe\xff", b"\xed\xa0\x80")


def profile_seeds() -> list[Path]:
    """The shipped presets and the test profiles (good, bad, extends, init)."""
    return sorted(profiles_dir().glob("*.yaml")) + sorted(DATA.rglob("*.yaml"))


def config_seeds() -> list[Path]:
    """What ``lint`` reads besides profiles: golden drop-ins and sysctl.d files, and
    tests/data/fuzz (a whole unit file, a slice, a foreign drop-in, a tuned sysctl.d file)."""
    golden = sorted(p for p in GOLDEN.rglob("*.conf") if "tree" in p.parts)
    return golden[::3] + sorted(p for p in FUZZ.rglob("*") if p.is_file())


# --- the mutators (each: random source, bytes in, bytes and a description out) -------------------


Mutator = Callable[[random.Random, bytes], tuple[bytes, str]]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def delete_line(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"".join(lines[:i] + lines[i + 1:]), f"delete line {i + 1}"


def duplicate_line(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines) + 1)
    return b"".join([*lines[:j], lines[i], *lines[j:]]), f"copy line {i + 1} before {j + 1}"


def swap_lines(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines), f"swap lines {i + 1} and {j + 1}"


def reindent(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    delta = rng.choice((-4, -2, -1, 1, 2, 3, 8))
    body = lines[i].lstrip(b" ")
    indent = max(0, len(lines[i]) - len(body) + delta)
    lines[i] = b" " * indent + body
    return b"".join(lines), f"indent line {i + 1} by {delta}"


_VALUE = re.compile(rb"(:[ \t]+)([^\n#]*?)([ \t]*(#.*)?)$", re.MULTILINE)
_ITEM = re.compile(rb"^([ \t]*-[ \t]+)([^\n#:]*?)$", re.MULTILINE)


def retype_scalar(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Replace one ``key: value`` value (or one list item) with another type or hostile YAML."""
    spots = [(m.start(2), m.end(2)) for m in _VALUE.finditer(data)]
    spots += [(m.start(2), m.end(2)) for m in _ITEM.finditer(data)]
    new = rng.choice(SCALARS).encode()
    if not spots:
        return data + b"x: " + new + b"\n", f"append x: {new!r}"
    start, end = rng.choice(spots)
    return data[:start] + new + data[end:], f"value at byte {start} -> {new!r}"


def plausible_value(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Like :func:`retype_scalar`, with values another field of the format would take."""
    spots = [(m.start(2), m.end(2)) for m in _VALUE.finditer(data)]
    new = rng.choice(PLAUSIBLE).encode()
    if not spots:
        return data + b"x: " + new + b"\n", f"append x: {new!r}"
    start, end = rng.choice(spots)
    return data[:start] + new + data[end:], f"value at byte {start} -> {new!r}"


_KEY = re.compile(rb"^([ \t]*(?:-[ \t]+)?)([A-Za-z0-9_.@-]+)(:)", re.MULTILINE)


def rename_key(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Give one mapping key another name of the format: misplaced, duplicated or unknown."""
    spots = [(m.start(2), m.end(2)) for m in _KEY.finditer(data)]
    new = rng.choice(KEYS).encode()
    if not spots:
        return data + new + b": 1\n", f"append {new!r}: 1"
    start, end = rng.choice(spots)
    return data[:start] + new + data[end:], f"key at byte {start} -> {new!r}"


#: Directives and sysctl keys lint reads (systemd.exec(5), systemd.resource-control(5),
#: systemd.service(5), oomd.conf(5); sysctl/vm.rst), plus ones it must treat as foreign.
DIRECTIVES = (
    "OOMScoreAdjust", "OOMPolicy", "MemoryMin", "MemoryLow", "MemoryHigh", "MemoryMax",
    "MemorySwapMax", "MemoryLimit", "ManagedOOMSwap", "ManagedOOMMemoryPressure",
    "ManagedOOMMemoryPressureLimit", "ManagedOOMPreference", "KillMode", "ExecStart",
    "ExecStartPre", "Slice", "Delegate", "DefaultMemoryLow", "MemoryAccounting", "Type",
    "vm.panic_on_oom", "kernel.panic", "vm.overcommit_memory", "vm.overcommit_ratio",
    "vm.overcommit_kbytes", "vm.oom_kill_allocating_task", "vm.oom_dump_tasks",
    "vm.min_free_kbytes", "vm.swappiness", "-vm.swappiness", "vm/swappiness", "vm.*", "",
)
INI_VALUES = (
    "", " ", "-1000", "1000", "1001", "-0", "+5", "0x10", "010", "1e3", "500.5", "infinity",
    "0", "100%", "101%", "-5%", "0.5%", "99.99%", "1G", "1g", "1.5G", "18446744073709551615",
    "18446744073709551616", "continue", "stop", "kill", "panic", "auto", "avoid", "omit",
    "process", "control-group", "a b", "1 # comment", "1 ; x", "\\", "%h", "yes", "é",
)
SECTIONS = (b"[Service]", b"[Unit]", b"[Slice]", b"[Scope]", b"[Socket]", b"[Mount]",
            b"[Install]", b"[X-Custom]", b"[service]", b"[", b"[]", b"[Service", b"Service]")
_INI = re.compile(rb"^([ \t]*)([^=\n\[#;]*?)([ \t]*=[ \t]*)([^\n]*)$", re.MULTILINE)


def ini_value(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Replace one ``Key=value`` (unit file) or ``key = value`` (sysctl.d) value."""
    spots = [(m.start(4), m.end(4)) for m in _INI.finditer(data)]
    new = rng.choice(INI_VALUES).encode()
    if not spots:
        return data + b"OOMScoreAdjust=" + new + b"\n", f"append OOMScoreAdjust={new!r}"
    start, end = rng.choice(spots)
    return data[:start] + new + data[end:], f"value at byte {start} -> {new!r}"


def ini_key(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Rename one directive or sysctl key, or add one line with a new key and value."""
    spots = [(m.start(2), m.end(2)) for m in _INI.finditer(data)]
    new = rng.choice(DIRECTIVES).encode()
    if not spots or rng.random() < 0.3:
        line = new + b"=" + rng.choice(INI_VALUES).encode() + b"\n"
        at = rng.choice([m.start() for m in re.finditer(rb"^", data, re.MULTILINE)])
        return data[:at] + line + data[at:], f"insert line {line!r} at byte {at}"
    start, end = rng.choice(spots)
    return data[:start] + new + data[end:], f"key at byte {start} -> {new!r}"


def ini_section(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Insert, or replace, a section header: wrong type, unknown, unterminated."""
    header = rng.choice(SECTIONS)
    at = rng.choice([m.start() for m in re.finditer(rb"^", data, re.MULTILINE)])
    return data[:at] + header + b"\n" + data[at:], f"insert {header!r} at byte {at}"


def insert_control(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    byte = rng.choice(CONTROL)
    return data[:at] + byte + data[at:], f"insert {byte!r} at byte {at}"


def truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    return data[:at], f"truncate at byte {at}"


def flip_byte(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return b"\x80", "a lone continuation byte"
    at = rng.randrange(len(data))
    new = rng.randrange(256)
    return data[:at] + bytes([new]) + data[at + 1:], f"byte {at} -> {new:#04x}"


def whole_file(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """File-wide changes: a BOM, CRLF or CR line ends, tabs for indentation, no final newline."""
    choice = rng.randrange(5)
    if choice == 0:
        return b"\xef\xbb\xbf" + data, "UTF-8 BOM"
    if choice == 1:
        return data.replace(b"\n", b"\r\n"), "CRLF line ends"
    if choice == 2:
        return data.replace(b"\n", b"\r"), "CR line ends"
    if choice == 3:
        return data.replace(b"  ", b"\t"), "tabs for indentation"
    return data.rstrip(b"\n"), "no final newline"


def yaml_structure(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Structures the loader must refuse: anchors and aliases, tags, deep nesting, duplicates."""
    lines = _lines(data)
    choice = rng.randrange(6)
    if choice == 0:
        depth = rng.choice((70, 200, 1000))
        return data + b"x: " + b"[" * depth + b"]" * depth + b"\n", f"nesting {depth} deep"
    if choice == 1:
        bomb = b"a: &a [x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
        return data + bomb, "alias fan-out"
    if choice == 2:
        i = rng.randrange(len(lines))
        return b"".join([*lines, lines[i]]), f"line {i + 1} again at the end (duplicate key?)"
    if choice == 3:
        return b"%YAML 1.1\n---\n" + data, "a YAML 1.1 directive"
    if choice == 4:
        return data + b"---\noomcfg: 1\n", "a second document"
    return b"--- !!map\n" + data, "a tag on the document"


MUTATORS: tuple[Mutator, ...] = (
    delete_line, duplicate_line, swap_lines, reindent, retype_scalar, retype_scalar,
    plausible_value, plausible_value, plausible_value, rename_key, rename_key,
    insert_control, truncate, flip_byte, whole_file, yaml_structure,
)


INI_MUTATORS: tuple[Mutator, ...] = (
    delete_line, duplicate_line, swap_lines, ini_value, ini_value, ini_value, ini_key, ini_key,
    ini_section, insert_control, truncate, flip_byte, whole_file,
)


@dataclass(frozen=True)
class Mutant:
    """One fuzzed input: where it came from, what was done, the bytes."""

    source: Path
    steps: tuple[str, ...]
    data: bytes

    def show(self) -> str:
        """Everything needed to reproduce a failure by hand."""
        return (f"source: {self.source}\nmutations: {'; '.join(self.steps)}\n"
                f"input bytes: {self.data!r}")


def mutate(source: Path, seed: int) -> Mutant:
    """1-3 mutations of ``source``, chosen by ``seed`` alone (same seed, same bytes)."""
    rng = random.Random(f"{source.parent.name}/{source.name}:{seed}")
    data = source.read_bytes()
    mutators = MUTATORS if source.suffix in (".yaml", ".yml") else INI_MUTATORS
    steps = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        data, step = rng.choice(mutators)(rng, data)
        steps.append(f"{step}")
    return Mutant(source, tuple(steps), data)


def cases(seeds: list[Path], per_seed: int) -> Iterator[tuple[str, Path, int]]:
    for source in seeds:
        for seed in range(per_seed):
            yield f"{source.parent.name}/{source.name}#{seed}", source, seed


PROFILE_CASES = list(cases(profile_seeds(), 12))
CONFIG_CASES = list(cases(config_seeds(), 3))


# --- running the app -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the test profiles, so a mutant next to its original resolves ``extends:``."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(DATA, root / "profiles")
    return root


def place(sandbox: Path, mutant: Mutant) -> Path:
    """Write the mutant beside its original (relative ``extends:`` keep working)."""
    if mutant.source.is_relative_to(DATA):
        directory = sandbox / "profiles" / mutant.source.parent.relative_to(DATA)
    else:
        directory = sandbox / "presets"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"fuzzed-{mutant.source.name}"
    path.write_bytes(mutant.data)
    return path


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(app, args)


def explain(result: Result, args: list[str], mutant: Mutant) -> str:
    return (f"\ncommand: oomcfg {' '.join(args)}\nexit code: {result.exit_code}\n"
            f"{mutant.show()}\nstderr:\n{result.stderr}\n"
            f"exception: {result.exception!r}")


def assert_clean(result: Result, args: list[str], mutant: Mutant, codes: set[int]) -> None:
    """The documented code, no uncaught exception and no traceback."""
    why = explain(result, args, mutant)
    assert result.exception is None or isinstance(result.exception, SystemExit), why
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, why
    assert result.exit_code in codes, why


def assert_error_lines(result: Result, args: list[str], mutant: Mutant) -> None:
    """Exit 3: every line on stderr is one ``path:line:col: error[CODE]: `` diagnostic."""
    lines = result.stderr.splitlines()
    assert lines, explain(result, args, mutant)
    for line in lines:
        assert ERROR_LINE.match(line) or FILE_ERROR_LINE.match(line), (
            f"not a diagnostic line: {line!r}" + explain(result, args, mutant))


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# --- the properties ------------------------------------------------------------------------------

RENDER_FORMS = (
    ["render"], ["render", "--out", "OUT"], ["render", "--format", "json"], ["render", "--explain"],
    ["render", "--systemd-version", "240", "--out", "OUT"],
    ["render", "--only", "sysv,openrc,upstart,runit,supervisord,compose", "--out", "OUT"],
)


@pytest.mark.parametrize(("source", "seed"), [c[1:] for c in PROFILE_CASES],
                         ids=[c[0] for c in PROFILE_CASES])
def test_render_of_a_mutated_profile(sandbox: Path, tmp_path: Path, source: Path,
                                     seed: int) -> None:
    mutant = mutate(source, seed)
    path = place(sandbox, mutant)
    out = tmp_path / "out"
    form = RENDER_FORMS[seed % len(RENDER_FORMS)]
    args = [str(out) if a == "OUT" else a for a in form] + [str(path)]
    result = invoke(args)
    assert_clean(result, args, mutant, RENDER_CODES)
    if result.exit_code == 3:
        assert_error_lines(result, args, mutant)
        assert not out.exists(), "exit 3 but --out was written" + explain(result, args, mutant)


@pytest.mark.parametrize(("source", "seed"), [c[1:] for c in PROFILE_CASES[::2]],
                         ids=[c[0] for c in PROFILE_CASES[::2]])
def test_apply_of_a_mutated_profile(sandbox: Path, tmp_path: Path, source: Path,
                                    seed: int) -> None:
    mutant = mutate(source, seed)
    path = place(sandbox, mutant)
    root = tmp_path / "root"
    root.mkdir()
    (root / "etc").mkdir()
    (root / "etc" / "hostname").write_text("fuzz\n")
    before = tree(root)
    args = ["apply", str(path), "--root", str(root), "--yes", "--no-live", "--no-reload"]
    result = invoke(args)
    assert_clean(result, args, mutant, APPLY_CODES)
    if result.exit_code == 3:
        assert_error_lines(result, args, mutant)
        assert tree(root) == before, "exit 3 but the root changed" + explain(result, args, mutant)
        assert (root / "etc" / "hostname").read_text() == "fuzz\n"


@pytest.mark.parametrize(("source", "seed"), [c[1:] for c in PROFILE_CASES],
                         ids=[c[0] for c in PROFILE_CASES])
def test_lint_of_a_mutated_profile(sandbox: Path, source: Path, seed: int) -> None:
    mutant = mutate(source, seed)
    path = place(sandbox, mutant)
    args = ["lint", "--format", ("text", "json", "sarif", "github")[seed % 4], str(path)]
    result = invoke(args)
    assert_clean(result, args, mutant, LINT_CODES)


@pytest.mark.parametrize(("source", "seed"), [c[1:] for c in CONFIG_CASES],
                         ids=[c[0] for c in CONFIG_CASES])
def test_lint_of_a_mutated_unit_or_sysctl_file(tmp_path: Path, source: Path, seed: int) -> None:
    mutant = mutate(source, seed)
    # keep the directory that gives the file its kind: NAME.service.d/ or sysctl.d/
    path = tmp_path / source.parent.name / source.name
    path.parent.mkdir()
    path.write_bytes(mutant.data)
    args = ["lint", str(tmp_path)]
    result = invoke(args)
    assert_clean(result, args, mutant, LINT_CODES)
    for line in result.stdout.splitlines()[:-1]:  # the last line is the summary
        assert LINT_LINE.match(line), f"not a finding line: {line!r}" + explain(
            result, args, mutant)


# --- found by this fuzzing and by hand: extends resolution ---------------------------------------


@pytest.mark.parametrize("command", ["render", "lint"])
def test_extends_item_longer_than_a_file_name(tmp_path: Path, command: str) -> None:
    """Reproducer: ``oomcfg render p.yaml`` with ``extends: [aaaa...(300 a)]``."""
    profile = tmp_path / "p.yaml"
    profile.write_text(f"oomcfg: 1\nextends: [{'a' * 300}]\n")
    result = invoke([command, str(profile)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in ({3} if command == "render" else {1})
    assert "p.yaml:2:11: error[OC060]" in (result.stderr + result.stdout)


def test_extends_chain_deeper_than_the_stack(tmp_path: Path) -> None:
    """Reproducer: p0.yaml extends p1.yaml extends ... p1000.yaml; ``oomcfg render p0.yaml``."""
    depth = 1000
    for i in range(depth):
        (tmp_path / f"p{i}.yaml").write_text(f"oomcfg: 1\nextends: [p{i + 1}.yaml]\n")
    (tmp_path / f"p{depth}.yaml").write_text("oomcfg: 1\nsysctl: {vm.swappiness: 10}\n")
    result = invoke(["render", str(tmp_path / "p0.yaml")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 3, result.stderr
    assert "p63.yaml:2:11: error[OC063]: extends chain deeper than 64 files at" in result.stderr


# --- validate: a host tree whose /proc and sysctl.d files hold garbage ---------------------------

#: What a --proc fixture (or a racing, hostile or broken host) may hold instead of a number.
PROC_GARBAGE = (
    b"", b"\n", b"abc\n", b"\x00\xff\xfe", b"-99999999999999999999999\n", b"1 2 3\n", b"  \n",
    b"4321 4321\n", b"\xef\xbb\xbf5\n", b"1e9\n", b"0x10\n", b"-1\n", b"9" * 5000 + b"\n",
    b"\xc2\xb2\n", b"\t\r\n", b"btime \n", b"MemTotal:\n", b"inf 0\n", b"1 (a) Z\n",
)
VALIDATE_PROFILE = """\
oomcfg: 1
sysctl: {vm.swappiness: 10, vm.oom_dump_tasks: 1, vm.panic_on_oom: 0}
services:
  mydb: {unit: mydb.service, oom_score_adj: -500, init: {pidfile: /run/mydb.pid}}
  worker: {unit: worker.service, oom_score_adj: 300, init: {comm: worker}}
  gone: {unit: gone.service, oom_score_adj: 0, init: {pidfile: /run/gone.pid}}
"""


def garble_host(root: Path, seed: int) -> list[str]:
    """Replace, remove or turn into directories some files of the probe fixture."""
    rng = random.Random(f"proc:{seed}")
    files = sorted(p for p in root.rglob("*") if p.is_file())
    done = []
    for path in rng.sample(files, k=rng.randint(1, len(files))):
        rel = str(path.relative_to(root))
        choice = rng.random()
        if choice < 0.15:
            path.unlink()
            done.append(f"rm {rel}")
        elif choice < 0.25:
            path.unlink()
            path.mkdir()
            done.append(f"mkdir {rel}")
        elif choice < 0.3:
            path.unlink()
            path.symlink_to("/nonexistent")
            done.append(f"dangling link {rel}")
        else:
            data = rng.choice(PROC_GARBAGE)
            path.write_bytes(data)
            done.append(f"{rel} = {data[:40]!r}")
    return done


@pytest.mark.parametrize("seed", range(40))
def test_validate_of_a_garbled_host_tree(tmp_path: Path, seed: int) -> None:
    root = build_host_root(tmp_path)
    changes = garble_host(root, seed)
    profile = tmp_path / "p.yaml"
    profile.write_text(VALIDATE_PROFILE)
    args = ["validate", str(profile), "--root", str(root)]
    result = invoke(args)
    why = f"\ncommand: oomcfg {' '.join(args)}\nchanges: {changes}\nstderr: {result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        why + f"\nexception: {result.exception!r}")
    assert result.exit_code in (0, 1, 4), why
    assert result.stdout.rstrip().splitlines()[-1].startswith("validate: "), why


@pytest.mark.parametrize("command", ["render", "lint"])
def test_extends_of_a_secret_file_does_not_print_it(tmp_path: Path, command: str) -> None:
    """Reproducer: a PR adds ``extends: [/home/runner/.env]``; CI runs ``oomcfg lint``."""
    secret = tmp_path / "ci" / ".env"
    secret.parent.mkdir()
    secret.write_text("GITHUB_TOKEN=ghp_" + "T" * 36 + "\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "p.yaml").write_text(f"oomcfg: 1\nextends: [{secret}]\n")
    result = invoke([command, str(repo / "p.yaml")])
    assert result.exit_code in (1, 3)
    assert "ghp_" not in result.stdout + result.stderr


@pytest.mark.parametrize("entry", ["https://example.com/base.yaml", "file:///etc/oomcfg/b.yaml"])
def test_extends_of_a_url_says_so_and_is_shown_as_written(tmp_path: Path, entry: str) -> None:
    """Not 'does not exist' for a mangled local path ('https:/example.com/...')."""
    profile = tmp_path / "p.yaml"
    profile.write_text(f'oomcfg: 1\nextends: ["{entry}"]\n')
    result = invoke(["render", str(profile)])
    assert result.exit_code == 3
    assert f"p.yaml:2:11: error[OC062]: extends entry {entry!r} is a URL" in result.stderr
