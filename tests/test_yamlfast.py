"""Spec for the plain-YAML line scanner: it reads libyaml's tree exactly, or declines.

``scan(text)`` is a shortcut for big profiles; correctness means: whenever it
returns a tree, libyaml's event stream (through the loader's own builder)
gives the same tree (values, texts, quoting, every line and column) and no
diagnostic. Everything else must be declined (None), so libyaml reports it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import yaml

from oomcfg.yamlcodes import MAX_DEPTH
from oomcfg.yamlevents import _Builder, _events
from oomcfg.yamlfast import scan
from oomcfg.yamlload import YNode, load_yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from inputs import profile_text  # type: ignore[import-not-found]  # noqa: E402


def libyaml_tree(text: str) -> YNode | None:
    """libyaml's tree for ``text`` if it has no diagnostic at all, else None."""
    builder = _Builder("p.yaml")
    try:
        root = builder.feed(_events(text.encode()))
    except yaml.YAMLError:
        return None
    return None if builder.diags else root


def agrees(text: str) -> bool:
    """The contract: a tree from scan() is libyaml's tree, and libyaml found nothing wrong."""
    fast = scan(text)
    return fast is None or fast == libyaml_tree(text)


SAMPLE = """\
# a fleet
oomcfg: 1
description: "bench: 'quoted' # not a comment"
note: 'it is "single" quoted'
sysctl:
  vm.panic_on_oom: 0   # trailing comment
  kernel.panic: 10
services:

  svc-00001:
    unit: svc-00001.service
    tier: standard
    memory: {high: 192M, max: 256M, swap_max: 0}
  # a comment at another indentation
  web:
      unit: web@main.service
      oom_score_adj: -500
      managed_oom: { memory_pressure: kill ,memory_pressure_limit:  60% }
      init:
        pidfile: /run/web.pid
        comm: +5
  empty: {}
last: .inf
"""


#: Sequences as profiles write them: ``extends:`` lists and argv lists, flow or
#: block, at the key's indentation or deeper, with comments and quoted items.
SEQUENCES = """\
extends: [base-server, ./site.yaml, "quoted, with comma", 'single']
oomcfg: 1
empty: []
spaced: [ a ,b,  c ]   # comment
block:
- base-server
- ./x.yaml   # trailing comment

- "q"
deeper:
    - 1
    - -2
    - 0x10
    - true
    - [nested, flow]
    - {k: v}
services:
  web:
    init:
      command:
        - /usr/bin/web
        - --port
        - '8080'
      comm: web
    unit: web.service
  batch:
    init:
      command: [/usr/bin/batch, --queue, default]
  worker:
    init: {name: worker, command: [/usr/bin/worker, --queue, "a, b"], pidfile: '/run/w.pid'}
  worker2:
      init: {name: worker, command: [/usr/bin/worker, --queue, "a, b"], pidfile: '/run/w.pid'}
  mixed: {a: [], b: "q: {x}", c: 7, d: [1, "2"]}
last:
  - x
"""


@pytest.mark.parametrize("text", [SAMPLE, SEQUENCES])
def test_a_plain_profile_is_read_exactly_as_libyaml_reads_it(text: str) -> None:
    fast = scan(text)
    assert fast is not None
    assert fast == libyaml_tree(text)


def test_the_documented_examples_take_the_fast_path() -> None:
    """The full example of docs/profile-format.md (and tests' copy of it) nests an argv
    list in a flow mapping: read by the scanner, and read as libyaml reads it."""
    import re

    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs/profile-format.md").read_text(), re.S)
    examples = [b for b in blocks if "oomcfg:" in b]
    examples.append((ROOT / "tests/data/profiles/good/full.yaml").read_text())
    for text in examples:
        assert scan(text) is not None, text
        assert agrees(text)


def test_a_fleet_that_extends_presets_and_lists_argv_takes_the_fast_path() -> None:
    """The common real profile: ``extends:`` first, argv lists per service (P3/P4)."""
    text = ("extends: [base-server]\n" + profile_text(200)
            + "  argv:\n    unit: argv.service\n    init:\n      command:\n"
              "        - /usr/bin/argv\n        - --flag\n")
    assert scan(text) is not None
    assert agrees(text)


@pytest.mark.parametrize("n", [1, 7, 100, 1000])
def test_generated_fleet_profiles_take_the_fast_path_and_agree(n: int) -> None:
    text = profile_text(n)
    assert scan(text) is not None
    assert agrees(text)


@pytest.mark.parametrize("text", [
    "",  # no document
    "# only a comment\n",
    "a: 1\na: 2\n",  # duplicate key: OC005 is libyaml's path's to report
    "a: {b: 1, b: 2}\n",
    "a: &x 1\n", "a: *x\n", "a: !!str 1\n", "%YAML 1.2\n---\na: 1\n",
    "---\na: 1\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n",
    "a:\n", "a:\nb: 1\n", "a:\n  b:\n",  # empty values
    "a: b#c\n", "a: b # c\nd:e\n", "a: 'it''s'\n", 'a: "tab\\tescape"\n',
    "a: x\n  y\n",  # multi-line plain scalar
    "a: b c\n", "a: |\n  text\n", "a: >\n  text\n",
    "a: {b: 1,}\n", "a: {b: {c: 1}}\n", "a: {b: 1}\n  c: 2\n",
    "a:\n    b: 1\n  c: 2\n",  # indentation that matches no mapping
    "  a: 1\nb: 2\n",  # a line left of the root mapping
    "a: 1\r\nb: 2\r\n", "a:\t1\n", "a: caf\u00e9\n",
    "1: one\n", "true: yes\n", "null: x\n", "0x10: x\n", "a: {1: x}\n",
    "a: " + "9" * 5000 + "\n",  # too long to convert: OC012
    "k" * 1100 + ": 1\n",  # libyaml's 1024-character key limit
    "a: -\n", "a: @x\n", "a: %x\n", "a: `x`\n", "? a\n: 1\n",
    # sequences outside the corner: nested, of mappings, misaligned, bare entries
    "a:\n-\n  - 1\n", "a:\n- b: 1\n", "a:\n- - 1\n", "a: [1, [2]]\n", "a: [x, {b: 1}]\n",
    "a: [1,]\n", "a: [1\n", "a: [a b]\n", "a:\n  - 1\n - 2\n", "a:\n  - 1\n  b: 2\n",
    "- 1\n", "a: 1\n- 2\n", "a:\n- 1\n-\n", "a:\n- 1\n- \n", "a:\n  - 1\n    - 2\n",
    "a:\n  b: 1\n- 2\n", "a:\n-1\n", "a: [b]c\n", "a:\n- x\n  y\n",
])
def test_anything_outside_the_plain_corner_is_left_to_libyaml(text: str) -> None:
    assert scan(text) is None


def nested(levels: int) -> str:
    """``levels`` block mappings, one inside the other."""
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(levels - 1)) + "  " * (levels - 1) + "x: 1\n"


def test_nesting_deeper_than_the_limit_is_left_to_libyaml() -> None:
    assert scan(nested(MAX_DEPTH + 1)) is None
    assert scan(nested(MAX_DEPTH)) is not None
    assert agrees(nested(MAX_DEPTH))


def test_the_loader_gives_the_same_result_on_either_path() -> None:
    """load_yaml() takes the fast path for SAMPLE; its answer is the libyaml one."""
    root, diags = load_yaml(SAMPLE.encode(), "p.yaml")
    assert (root, diags) == (libyaml_tree(SAMPLE), [])


def test_shipped_presets_and_test_profiles_agree_with_libyaml() -> None:
    files = [*(ROOT / "profiles").glob("*.yaml"), *(ROOT / "tests").rglob("*.yaml")]
    assert len(files) > 5
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        assert agrees(text), path


#: Characters that change what YAML means, for the mutation test below.
_SIGNIFICANT = [*" :#,{}[]'\"-?!&*|>%@`\n\t.0aZ~", "  ", ": ", " #", "\n  "]


@pytest.mark.parametrize("sample", [SAMPLE, SEQUENCES], ids=["mappings", "sequences"])
def test_random_mutations_never_make_the_two_paths_disagree(sample: str) -> None:
    """Thousands of near-profiles: each one is read as libyaml reads it, or declined."""
    rng = random.Random(20261126)
    accepted = 0
    for _ in range(4000):
        chars = list(sample)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars))
            action = rng.random()
            if action < 0.4:
                chars[at] = rng.choice(_SIGNIFICANT)
            elif action < 0.7:
                chars.insert(at, rng.choice(_SIGNIFICANT))
            else:
                del chars[at]
        text = "".join(chars)
        assert agrees(text), text
        accepted += scan(text) is not None
    assert accepted > 400  # the test exercises the fast path, not only refusals


def test_a_repeated_flow_mapping_keeps_each_occurrences_own_positions() -> None:
    """Flow mappings are split once per text; every copy still gets its own line and column."""
    flow = "{high: 1G, max: 2G}"
    text = f"a:\n  m: {flow}\nb:\n      m:   {flow}\nc: {flow}\n"
    fast = scan(text)
    assert fast is not None
    assert fast == libyaml_tree(text)


def test_an_empty_mapping_never_equals_an_empty_sequence() -> None:
    """The nodes are named tuples with the same fields: equality must still tell them
    apart, or the comparisons above would pass a ``[]`` read where libyaml reads ``{}``."""
    from oomcfg.yamlnodes import YMap, YSeq

    assert YMap((), 1, 1) != YSeq((), 1, 1)
    assert not YMap((), 1, 1) == YSeq((), 1, 1)  # noqa: SIM201 - __eq__ itself
    assert YMap((), 1, 1) == YMap((), 1, 1)
    assert libyaml_tree("a: {}\n") != libyaml_tree("a: []\n")
    assert scan("a: []\n") == libyaml_tree("a: []\n") != scan("a: {}\n")
