"""OC141: a unit that writes the legacy /proc/PID/oom_adj."""

from __future__ import annotations

import re
from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule, UnitFile, entry_pos

_OOM_ADJ = re.compile(r"(?<![a-z_])oom_adj\b")


class LegacyOomAdjWrite(Rule):
    """A command or setting in a unit file uses the legacy oom_adj interface.

    ``/proc/PID/oom_adj`` (-17..15) is the deprecated predecessor of
    ``oom_score_adj``; the kernel scales it and writes the result into
    ``oom_score_adj``, so an ``ExecStartPre=`` that echoes into it fights with
    ``OOMScoreAdjust=`` and hides the real value from reviewers.

    Bad::

        ExecStartPost=/bin/sh -c 'echo -17 > /proc/$MAINPID/oom_adj'

    Good::

        OOMScoreAdjust=-1000

    Source: Documentation/filesystems/proc.rst ("oom_adj ... deprecated").
    """

    code = "OC141"
    slug = "legacy-oom-adj-write"
    severity = Severity.WARNING

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Flag any value that mentions oom_adj (not oom_score_adj)."""
        for entry in unit.parse.entries:
            if "oom_adj" in entry.value and _OOM_ADJ.search(entry.value):
                yield self.finding(
                    f"{entry.key}= uses the legacy oom_adj interface",
                    entry_pos(entry),
                    "set OOMScoreAdjust= (or write /proc/PID/oom_score_adj) instead",
                )
