"""``.oomcfg-lint.yaml``: which rules run, how severe they are, and where they are ignored.

Found by walking up from each linted file (the nearest one wins, like
``.editorconfig``), or given once with ``--config FILE`` for every file::

    disable: [OC107, too-many-protected]     # codes or slugs
    enable: [OC107]                          # wins over disable in this same file
    severity:
      OC111: error                           # error | warning | info
    ignore:
      - paths: ["legacy/**", "vendor/*.service"]   # globs, relative to this file's directory
        rules: [OC140]                       # omitted: every rule

It is read with the same strict YAML reader as profiles (YAML 1.2 meanings,
no duplicate keys), and every mistake in it is reported with its position.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import NamedTuple

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.lint import RULE_BY_CODE, find_rule
from oomcfg.lint.suppress import UNUSED_CODE, UNUSED_SLUG
from oomcfg.yamlload import YMap, YNode, YScalar, YSeq, load_yaml_file

CONFIG_NAME = ".oomcfg-lint.yaml"
CONFIG_CODE, CONFIG_SLUG = "OC302", "lint-config-invalid"
_KEYS = ("disable", "enable", "severity", "ignore")
_IGNORE_KEYS = ("paths", "rules")


def resolve_code(name: str) -> str | None:
    """The code a configuration may name: a rule (code or slug) or unused-suppression.

    Loader, parser and unreadable-file codes are not configurable: a profile
    with schema errors is refused by ``apply`` whatever lint says.
    """
    if name.upper() == UNUSED_CODE or name.lower() == UNUSED_SLUG:
        return UNUSED_CODE
    rule = find_rule(name)
    return rule.code if rule is not None else None


def configurable(code: str) -> bool:
    """True for the codes :func:`resolve_code` can return."""
    return code == UNUSED_CODE or code in RULE_BY_CODE


class Ignore(NamedTuple):
    """Globs (relative to the config's directory) and the codes they silence (empty: all)."""

    globs: tuple[str, ...]
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class LintConfig:
    """One loaded configuration; :data:`DEFAULT` when there is none."""

    base: Path | None = None
    disabled: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    ignores: tuple[Ignore, ...] = ()

    def severity_of(self, code: str, default: Severity) -> Severity | None:
        """The severity for ``code`` here, or None when the rule is disabled."""
        if code in self.disabled:
            return None
        return self.severity.get(code, default)

    def ignored(self, code: str, path: str) -> bool:
        """True when a per-path ignore covers ``code`` for the file at ``path``."""
        if not self.ignores or self.base is None:
            return False
        rel = _relative(Path(path), self.base)
        if rel is None:
            return False
        return any(
            (not ig.codes or code in ig.codes) and any(_match(rel, g) for g in ig.globs)
            for ig in self.ignores
        )


DEFAULT = LintConfig()


def _relative(path: Path, base: Path) -> str | None:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return None


def _match(rel: str, glob: str) -> bool:
    """``**`` spans directories; ``*`` also does in fnmatch, which is what users expect here."""
    return PurePath(rel).match(glob) or fnmatch.fnmatch(rel, glob.replace("**/", "*"))


def find_config(start: Path, cache: dict[Path, Path | None]) -> Path | None:
    """The nearest ``.oomcfg-lint.yaml`` at or above ``start``'s directory."""
    directory = (start if start.is_dir() else start.parent).resolve()
    chain: list[Path] = []
    found: Path | None = None
    for candidate_dir in (directory, *directory.parents):
        if candidate_dir in cache:
            found = cache[candidate_dir]
            break
        chain.append(candidate_dir)
        candidate = candidate_dir / CONFIG_NAME
        if candidate.is_file():
            found = candidate
            break
    for visited in chain:
        cache[visited] = found
    return found


def load_config(path: Path) -> tuple[LintConfig, list[Diagnostic]]:
    """Read one config file; problems are diagnostics (OC302) and the rest still applies."""
    root, diags = load_yaml_file(path)
    if root is None:
        return DEFAULT, diags
    builder = _Builder(str(path))
    builder.top(root)
    config = LintConfig(
        base=path.parent,
        disabled=frozenset(builder.disabled - builder.enabled),
        severity=builder.severity,
        ignores=tuple(builder.ignores),
    )
    return config, diags + builder.diags


class _Builder:
    """Walks the YAML tree, collecting settings and positioned problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []
        self.disabled: set[str] = set()
        self.enabled: set[str] = set()
        self.severity: dict[str, Severity] = {}
        self.ignores: list[Ignore] = []

    def problem(self, node: YNode, message: str, hint: str = "") -> None:
        pos = Position(self.path, node.line, node.col)
        self.diags.append(Diagnostic(CONFIG_CODE, message, pos, Severity.ERROR, CONFIG_SLUG, hint))

    def top(self, root: YNode) -> None:
        if not isinstance(root, YMap):
            self.problem(
                root, "the lint configuration must be a mapping", "keys: " + ", ".join(_KEYS)
            )
            return
        for key, value in root.items:
            name = str(key.value)
            if name in ("disable", "enable"):
                (self.disabled if name == "disable" else self.enabled).update(self.codes(value))
            elif name == "severity":
                self.severities(value)
            elif name == "ignore":
                self.ignore_list(value)
        self.unknown_keys(root, _KEYS, "")

    def unknown_keys(self, node: YMap, allowed: tuple[str, ...], where: str) -> bool:
        """Report misspelt keys (``rule:`` would silently ignore every rule); True if any."""
        unknown = [key for key, _ in node.items if str(key.value) not in allowed]
        place = f" in {where}" if where else ""
        for key in unknown:
            hint = "allowed: " + ", ".join(allowed)
            self.problem(key, f"unknown key {key.value!r}{place}", hint)
        return bool(unknown)

    def codes(self, node: YNode) -> set[str]:
        items = node.items if isinstance(node, YSeq) else (node,)
        out: set[str] = set()
        for item in items:
            code = resolve_code(str(item.value)) if isinstance(item, YScalar) else None
            if code is None:
                shown = repr(item.value) if isinstance(item, YScalar) else "this"
                self.problem(item, f"{shown} is not a rule code or slug", "see 'oomcfg rules'")
            else:
                out.add(code)
        return out

    def severities(self, node: YNode) -> None:
        if not isinstance(node, YMap):
            self.problem(node, "severity must map rule codes to error, warning or info")
            return
        for key, value in node.items:
            codes = self.codes(key)
            word = value.value if isinstance(value, YScalar) else None
            if word not in {s.value for s in Severity}:
                self.problem(value, f"unknown severity {word!r}", "allowed: error, warning, info")
                continue
            for code in codes:
                self.severity[code] = Severity(str(word))

    def ignore_list(self, node: YNode) -> None:
        if not isinstance(node, YSeq):
            self.problem(node, "ignore must be a list of {paths: [...], rules: [...]}")
            return
        for item in node.items:
            paths = item.get("paths") if isinstance(item, YMap) else None
            if not isinstance(item, YMap) or not isinstance(paths, YSeq):
                self.problem(item, "each ignore entry needs 'paths' (a list of globs)")
                continue
            if self.unknown_keys(item, _IGNORE_KEYS, "an ignore entry"):
                continue  # never guess what a misspelt entry meant to ignore
            rules = item.get("rules")
            codes = frozenset(self.codes(rules)) if rules is not None else frozenset()
            globs = tuple(str(p.value) for p in paths.items if isinstance(p, YScalar))
            self.ignores.append(Ignore(globs, codes))
