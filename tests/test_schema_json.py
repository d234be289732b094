"""The generated JSON Schema agrees with the loader, and the docs cover every field and code."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest

from oomcfg.profile import check_profiles
from oomcfg.schema import CODES, field_paths, json_schema
from oomcfg.yamlload import load_yaml, to_python

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "profiles"
GOOD = sorted((DATA / "good").glob("*.yaml")) + sorted((ROOT / "profiles").glob("*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def schema_accepts(text: str) -> bool:
    root, diags = load_yaml(text.encode(), "x.yaml")
    assert root is not None and not diags
    return VALIDATOR.is_valid(to_python(root))


def loader_accepts(tmp_path: Path, text: str) -> bool:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    profile, _ = check_profiles([path])
    return profile is not None


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())
    assert json_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", GOOD + [DATA / "extends" / n for n in (
    "base.yaml", "child.yaml", "grandchild.yaml", "diamond.yaml", "broken.yaml")],
                         ids=lambda p: p.name)
def test_every_good_and_shipped_profile_validates(path: Path) -> None:
    root, diags = load_yaml(path.read_bytes(), str(path))
    assert not diags and root is not None
    errors = [e.message for e in VALIDATOR.iter_errors(to_python(root))]
    if path.name == "broken.yaml":
        assert errors == ["'panic' is not one of ['continue', 'stop', 'kill']"]
    else:
        assert errors == []


SVC = "oomcfg: 1\nservices:\n  web:\n    unit: web.service\n"

AGREEMENT = [
    ("oomcfg: 1\n", True),
    (SVC, True),
    (SVC + "    tier: critical\n", True),
    (SVC + "    oom_score_adj: -1000\n", True),
    (SVC + "    oom_score_adj: {from_request: 2G, capacity: 16G}\n", True),
    (SVC + "    memory: {min: 0, low: 1048576, high: 50%, max: infinity, swap_max: 0}\n", True),
    (SVC + "    managed_oom: {memory_pressure: kill, memory_pressure_limit: 100%}\n", True),
    (SVC + "    init: {name: web, command: [/bin/web, -x], comm: web, pidfile: /run/w.pid}\n",
     True),
    ("oomcfg: 1\nsysctl: {vm.swappiness: 10, net.core.somaxconn: "
     "{value: 4096, passthrough: true}, vm.panic_on_oom: {value: 0, ignore_missing: true}}\n",
     True),
    ('oomcfg: 1\ndescription: "50% # fine"\n', True),
    ("services: {}\n", False),
    ("oomcfg: 2\n", False),
    ("oomcfg: 1\nextra: 1\n", False),
    (SVC + "    oom_scor_adj: 5\n", False),
    (SVC + "    oom_score_adj: 1001\n", False),
    (SVC + '    oom_score_adj: "100"\n', False),
    (SVC + "    oom_score_adj: 1.5\n", False),
    (SVC + "    oom_score_adj: true\n", False),
    (SVC + "    oom_score_adj: {from_request: 2G}\n", False),
    (SVC + "    tier: critical\n    oom_score_adj: 5\n", False),
    (SVC + "    oom_policy: panic\n", False),
    (SVC + "    oom_policy: true\n", False),
    (SVC + "    oom_policy: ~\n", False),
    (SVC + "    memory: {max: 2g}\n", False),
    (SVC + "    memory: {max: 120%}\n", False),
    (SVC + "    memory: {max: -1}\n", False),
    (SVC + "    memory: {swap_max: 10%}\n", False),
    (SVC + "    managed_oom: {memory_pressure_limit: 60}\n", False),
    (SVC + "    managed_oom: {swap: 'yes'}\n", False),
    (SVC + "    scope: everything\n", False),
    (SVC + "    init: {comm: sixteen-chars-xx}\n", False),
    (SVC + "    init: {pidfile: run/w.pid}\n", False),
    (SVC + "    init: {pidfile: /run/../w.pid}\n", False),
    (SVC + "    init: {command: []}\n", False),
    (SVC + "    init: {name: 'a b'}\n", False),
    ("oomcfg: 1\nservices:\n  web:\n    unit: a/b.service\n", False),
    ("oomcfg: 1\nservices:\n  web:\n    unit: web.servic\n", False),
    ("oomcfg: 1\nservices:\n  'my app': {unit: a.service}\n", False),
    ('oomcfg: 1\ndescription: "two\\nlines"\n', False),
    ("oomcfg: 1\ndescription: 'ends \\'\n", False),
    ("oomcfg: 1\ndescription: ''\n", False),
    ("oomcfg: 1\nsysctl: {vm..x: 1}\n", False),
    ("oomcfg: 1\nsysctl: {'vm.*': 1}\n", False),
    ("oomcfg: 1\nsysctl: {-vm.swappiness: 1}\n", False),
    ("oomcfg: 1\nsysctl: {vm.swappiness: 201}\n", False),
    ("oomcfg: 1\nsysctl: {net.core.somaxconn: 4096}\n", False),
    ("oomcfg: 1\nsysctl: {vm.swappiness: {value: 1, passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {net.x: {value: 'a  b ', passthrough: true}}\n", True),
    ("oomcfg: 1\nsysctl: {net.x: {value: [4096, bbr, '1'], passthrough: true}}\n", True),
    ("oomcfg: 1\nsysctl: {net.x: {value: 'a # b', passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {net.x: {value: '   ', passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {net.x: {value: [], passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {net.x: {value: [1, [2]], passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {net.x: {value: [1, true], passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {net.x: {value: [1, 'a b'], passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {net.x: {value: \"1\\u00a02\", passthrough: true}}\n", False),
    ("oomcfg: 1\nsysctl: {vm.swappiness: {value: [10]}}\n", False),
    ("oomcfg: 1\nextends: base\n", False),
]


@pytest.mark.parametrize(("text", "ok"), AGREEMENT)
def test_loader_and_schema_agree(tmp_path: Path, text: str, ok: bool) -> None:
    assert (loader_accepts(tmp_path, text), schema_accepts(text)) == (ok, ok)


def doc() -> str:
    return (ROOT / "docs" / "profile-format.md").read_text()


@pytest.mark.parametrize("field", list(field_paths()))
def test_every_field_is_documented_with_a_heading(field: str) -> None:
    assert re.search(rf"^#+ `{re.escape(field)}`", doc(), re.M), field


@pytest.mark.parametrize("code", list(CODES))
def test_every_code_is_in_the_docs_table(code: str) -> None:
    assert re.search(rf"^\| {code} \| `{CODES[code][0]}` \|", doc(), re.M)
