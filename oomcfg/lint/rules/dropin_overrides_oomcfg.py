"""OC142: a drop-in applied after oomcfg's overrides an OOM directive it set."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.directives import directive
from oomcfg.lint.rule import LintContext, Rule, UnitGroup, entry_pos
from oomcfg.unitfile import UnitEntry


class DropinOverridesOomcfg(Rule):
    """A later drop-in changes or resets an OOM directive from oomcfg's 50-oomcfg.conf.

    Drop-ins are applied in file-name order across all ``.d`` directories, and
    the last assignment wins. A ``60-tuning.conf`` (or a type-wide
    ``service.d/99-defaults.conf``) that sets ``OOMScoreAdjust=`` again, or
    resets ``MemoryMax=`` with an empty assignment, silently replaces the
    reviewed policy: ``oomcfg validate`` will see drift on every run.

    Bad::

        # ssh.service.d/50-oomcfg.conf
        [Service]
        OOMScoreAdjust=-900
        # ssh.service.d/60-local.conf
        [Service]
        OOMScoreAdjust=0

    Good::

        # change the profile instead, and let oomcfg render 50-oomcfg.conf

    Source: systemd.unit(5) ("drop-in" directories, order), systemd.syntax(7) (empty assignment).
    """

    code = "OC142"
    slug = "dropin-overrides-oomcfg"
    severity = Severity.ERROR

    def check_unit_group(self, group: UnitGroup, ctx: LintContext) -> Iterator[Diagnostic]:
        """After oomcfg's drop-in, any assignment of a key it set is an override."""
        ours: dict[str, UnitEntry] = {}
        for fragment, entry in group.entries():
            if fragment.managed:
                if directive(entry.key) is not None:
                    ours[entry.key] = entry
                continue
            mine = ours.get(entry.key)
            if mine is None or (entry.value == mine.value and entry.section == mine.section):
                continue
            change = "resets it to the default" if not entry.value else f"sets {entry.value}"
            yield self.finding(
                f"{group.unit}: {entry.key}= from oomcfg ({mine.value} at {mine.path}:"
                f"{mine.line}) is overridden: this later drop-in {change}",
                entry_pos(entry),
                "remove it here and change the oomcfg profile instead",
            )
