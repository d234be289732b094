"""OC118: an OOM directive written in a section systemd does not read it from."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.directives import oom_entries
from oomcfg.lint.rule import LintContext, Rule, UnitFile, entry_pos
from oomcfg.units import SECTION_BY_TYPE


class DirectiveWrongSection(Rule):
    """An OOM directive in the wrong section, e.g. MemoryMax= under [Unit] or [Install].

    Each unit type reads its settings from its own section (``[Service]``,
    ``[Slice]``, ...). Under ``[Unit]`` or ``[Install]`` systemd logs "Unknown
    key name" and ignores the line, so the protection silently does not exist.

    Bad::

        [Unit]
        MemoryMax=1G

    Good::

        [Service]
        MemoryMax=1G

    Source: systemd.unit(5), systemd.syntax(7), systemd.resource-control(5).
    """

    code = "OC118"
    slug = "directive-wrong-section"
    severity = Severity.ERROR

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag directives valid for this unit type but outside its section."""
        section = SECTION_BY_TYPE.get(unit.unit_type)
        if section is None:
            return  # the wrong-unit-type rules cover types without a section
        for entry, directive in oom_entries(unit):
            if unit.unit_type in directive.unit_types and entry.section != section:
                yield self.finding(
                    f"{entry.key}= is in [{entry.section}]; a .{unit.unit_type} unit reads it "
                    f"only from [{section}]",
                    entry_pos(entry),
                    f"move it under [{section}]",
                )
