"""OC109: a sysctl set in one file and silently overridden by a later one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.rule import LintContext, Rule, SysctlFile, entry_pos
from oomcfg.sysctld import SysctlEntry, spaced


class SysctlOverriddenLater(Rule):
    """A sysctl key is set again, with another value, by a file that sorts later.

    sysctl.d files are applied in file-name order across /etc, /run and
    /usr/lib, and the last assignment of a key wins. A key set in
    ``90-oomcfg.conf`` and again in ``99-local.conf`` ends up with the second
    value, whatever the first file says: the reviewer of either file sees only
    half the story. Values are compared word by word: ``4096 87380 6291456``
    and ``4096<TAB>87380  6291456`` write the same numbers (the kernel splits
    an integer list on any blank), so repeating a value is not flagged.

    Bad::

        # 90-oomcfg.conf
        vm.panic_on_oom = 0
        # 99-local.conf
        vm.panic_on_oom = 1

    Good::

        # set each key in exactly one file
        vm.panic_on_oom = 0

    Source: sysctl.d(5) ("Configuration Format", order of files).
    """

    code = "OC109"
    slug = "sysctl-overridden-later"
    severity = Severity.WARNING

    def check_sysctl_files(
        self, files: Sequence[SysctlFile], ctx: LintContext
    ) -> Iterator[Diagnostic]:
        """Point at each overridden assignment, naming the one that wins."""
        last: dict[str, SysctlEntry] = {}
        for sysctl_file in files:
            for entry in sysctl_file.entries:
                earlier = last.get(entry.key)
                if earlier is not None and earlier.value.split() != entry.value.split():
                    yield self._overridden(earlier, entry)
                last[entry.key] = entry

    def _overridden(self, earlier: SysctlEntry, later: SysctlEntry) -> Diagnostic:
        return self.finding(
            f"{earlier.key} = {spaced(earlier.value)} is overridden by {spaced(later.value)} at "
            f"{later.path}:{later.line}",
            entry_pos(earlier),
            "set the key in one file only",
        )
