"""Run every rule over every input once, then apply configuration and suppressions.

The flow is ``discover -> parse (each file once) -> rules -> filter``:

1. :func:`oomcfg.lint.discover.discover` classifies the PATHs;
2. profiles go through :func:`oomcfg.profile.check_profiles` (the loader's
   diagnostics are findings with their positions); unit files, drop-ins and
   sysctl files through the pure parsers;
3. each rule's hooks run on the parsed values (one pass per rule, O(n));
4. configuration (severity, disable, per-path ignores; nearest
   ``.oomcfg-lint.yaml`` per file, or ``--config``) and inline suppressions
   filter the findings; unused suppressions become warnings.

Nothing here writes anything; the CLI prints :class:`LintResult` through
:mod:`oomcfg.report`.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.errors import ExitCode
from oomcfg.lint import RULES
from oomcfg.lint.config import DEFAULT, LintConfig, configurable, find_config, load_config
from oomcfg.lint.discover import Found, Skipped, Unreadable, discover
from oomcfg.lint.inputs import group_units, order_sysctl, read_text, sysctl_file, unit_file
from oomcfg.lint.rule import LintContext, Rule, SysctlFile, UnitFile
from oomcfg.lint.suppress import Suppressor
from oomcfg.lint.view import PolicyView, view_from_files, view_from_profile

UNREADABLE_CODE, UNREADABLE_SLUG = "OC303", "file-unreadable"
_LOADER_UNREADABLE = "OC013"  # oomcfg.yamlload: the profile cannot be read
_LOADER_UNREADABLE_PREFIX = "cannot read file: "  # ... then the OS's reason


class LintOptions(NamedTuple):
    """What the command line says: target systemd version, explicit config, strictness."""

    systemd_version: int | None = None
    config: Path | None = None
    strict: bool = False


@dataclass(slots=True)
class LintResult:
    """Findings (sorted), what was linted, skipped or unreadable."""

    findings: list[Diagnostic] = field(default_factory=list)
    linted: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)

    def exit_code(self, strict: bool) -> ExitCode:
        """3 if any input was unreadable, 1 for errors (or warnings with --strict), else 0."""
        if self.unreadable:
            return ExitCode.INVALID_INPUT
        failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        if any(f.severity in failing for f in self.findings):
            return ExitCode.FINDINGS
        return ExitCode.OK


@dataclass(slots=True)
class _Run:
    """State of one lint run: parsed inputs and raw findings."""

    ctx: LintContext
    result: LintResult = field(default_factory=LintResult)
    raw: list[Diagnostic] = field(default_factory=list)
    units: list[UnitFile] = field(default_factory=list)
    sysctls: list[SysctlFile] = field(default_factory=list)
    suppressor: Suppressor = field(default_factory=Suppressor)


def lint_paths(paths: Sequence[Path], options: LintOptions) -> LintResult:
    """Lint everything under ``paths``; never raises for bad input."""
    run = _Run(LintContext(options.systemd_version))
    for item in discover(list(paths)):
        if isinstance(item, Found):
            _take(run, item)
        elif isinstance(item, Skipped):
            run.result.skipped.append(item)
        else:
            _unreadable(run, item)
    _check_files(run)
    findings = _configured(run, options)
    run.result.findings = sorted(set(findings), key=Diagnostic.sort_key)
    return run.result


def _take(run: _Run, item: Found) -> None:
    if item.kind == "profile":
        _lint_profile(run, item.path)
        return
    read = read_text(item.path)
    if read.text is None:
        _unreadable(run, Unreadable(item.path, read.error))
        return
    run.result.linted.append(str(item.path))
    run.suppressor.add_file(str(item.path), read.text, trailing=False)
    if item.kind == "sysctl":
        parsed, diags = sysctl_file(item.path, read.text)
        run.sysctls.append(parsed)
        run.raw.extend(diags)
    else:
        unit = unit_file(item.path, read.text, dropin=item.kind == "dropin")
        run.units.append(unit)
        run.raw.extend(unit.parse.diagnostics)


def _unreadable(run: _Run, item: Unreadable) -> None:
    run.result.unreadable.append(item)
    run.raw.append(
        Diagnostic(UNREADABLE_CODE, f"cannot read: {item.reason}", Position(str(item.path)),
                   Severity.ERROR, UNREADABLE_SLUG)
    )  # fmt: skip


def _lint_profile(run: _Run, path: Path) -> None:
    from oomcfg.profile import check_profiles  # noqa: PLC0415 - the loader is heavy

    profile, diags = check_profiles([path])
    run.raw.extend(diags)
    unreadable = next((d for d in diags if d.code == _LOADER_UNREADABLE), None)
    if unreadable is not None:
        reason = unreadable.message.removeprefix(_LOADER_UNREADABLE_PREFIX)
        run.result.unreadable.append(Unreadable(path, reason))
        return
    run.result.linted.append(str(path))
    read = read_text(path)
    if read.text is not None:
        run.suppressor.add_file(str(path), read.text)
    if profile is not None:
        run.raw.extend(_policy_findings(view_from_profile(profile, str(path)), run.ctx))


def _using(hook: str) -> tuple[Rule, ...]:
    """The rules that override ``hook``: the others are not called once per file."""
    base = getattr(Rule, hook)
    return tuple(rule for rule in RULES if getattr(type(rule), hook) is not base)


def _policy_findings(view: PolicyView, ctx: LintContext) -> Iterator[Diagnostic]:
    for rule in _using("check_policy"):
        yield from rule.check_policy(view, ctx)


def _check_files(run: _Run) -> None:
    """File rules per file, group rules per unit, and one view for all files together."""
    if not run.units and not run.sysctls:
        return
    ctx, raw = run.ctx, run.raw
    groups = group_units(run.units)
    sysctls = order_sysctl(run.sysctls)
    for rule in _using("check_unit_file"):
        for unit in run.units:
            raw.extend(rule.check_unit_file(unit, ctx))
    for rule in _using("check_unit_group"):
        for group in groups:
            raw.extend(rule.check_unit_group(group, ctx))
    for rule in _using("check_sysctl_file"):
        for sysctl in sysctls:
            raw.extend(rule.check_sysctl_file(sysctl, ctx))
    for rule in _using("check_sysctl_files"):
        raw.extend(rule.check_sysctl_files(sysctls, ctx))
    anchor = run.units[0].path if run.units else sysctls[0].path  # for file-level findings
    raw.extend(_policy_findings(view_from_files(anchor, groups, sysctls), ctx))


def _configured(run: _Run, options: LintOptions) -> list[Diagnostic]:
    """Apply configuration and inline suppressions to the raw findings."""
    configs = _Configs(options.config)
    kept: list[Diagnostic] = list(configs.diagnostics)
    for finding in run.raw:
        adjusted = configs.apply(finding)
        if adjusted is not None and run.suppressor.keep(adjusted):
            kept.append(adjusted)
    # only now is it known which suppressions were used; config may disable or regrade OC301
    kept.extend(a for u in run.suppressor.unused() if (a := configs.apply(u)) is not None)
    kept.extend(configs.diagnostics_late())
    return kept


class _Configs:
    """Config per file: ``--config`` for all, else the nearest ``.oomcfg-lint.yaml``."""

    def __init__(self, explicit: Path | None) -> None:
        self.loaded: dict[Path, LintConfig] = {}
        self.where: dict[Path, Path | None] = {}
        self.diagnostics: list[Diagnostic] = []
        self._late: list[Diagnostic] = []
        self.explicit = self._load(explicit) if explicit is not None else None

    def _load(self, path: Path) -> LintConfig:
        if path not in self.loaded:
            config, diags = load_config(path)
            self.loaded[path] = config
            self._late.extend(diags)
        return self.loaded[path]

    def diagnostics_late(self) -> Iterable[Diagnostic]:
        """Problems found in the configuration files themselves."""
        return self._late

    def config_for(self, path: str) -> LintConfig:
        """The configuration that governs findings in ``path``."""
        if self.explicit is not None:
            return self.explicit
        found = find_config(Path(path), self.where)
        return self._load(found) if found is not None else DEFAULT

    def apply(self, finding: Diagnostic) -> Diagnostic | None:
        """Drop disabled/ignored findings of configurable codes; re-grade severity."""
        if not configurable(finding.code) or finding.pos is None:
            return finding
        config = self.config_for(finding.pos.path)
        severity = config.severity_of(finding.code, finding.severity)
        if severity is None or config.ignored(finding.code, finding.pos.path):
            return None
        return finding if severity == finding.severity else finding._replace(severity=severity)
