"""Documentation for every code ``oomcfg lint`` can print, not only the rules.

Rules document themselves (their docstrings). Findings also come from the
profile loader (OC0xx, :data:`oomcfg.yamlload.CODES`, :data:`oomcfg.schema.CODES`),
the unit-file and sysctl.d parsers (OC2xx) and lint itself (OC3xx); SARIF
needs metadata for each of them, and ``oomcfg rules CODE`` explains them too.
"""

from __future__ import annotations

from collections.abc import Mapping

from oomcfg.diagnostics import Severity
from oomcfg.lint import RULES
from oomcfg.lint.config import CONFIG_CODE, CONFIG_SLUG
from oomcfg.lint.engine import UNREADABLE_CODE, UNREADABLE_SLUG
from oomcfg.lint.suppress import UNUSED_CODE, UNUSED_SLUG
from oomcfg.report import RuleDoc
from oomcfg.sysctld import SYNTAX_CODES as SYSCTL_SYNTAX
from oomcfg.unitfile import SYNTAX_CODES as UNIT_SYNTAX

#: Parser codes: kind -> what it means (the parsers name their codes and slugs).
_UNIT_MEANING = {
    "bad_header": "a section header without ']': systemd refuses to load the whole file",
    "no_equals": "a line that is neither a comment, a header nor Key=Value: systemd ignores it",
    "no_key": "'=' with nothing before it: systemd ignores the line",
    "outside": "an assignment before the first [Section]: systemd ignores it",
    "utf8": "a line that is not valid UTF-8: systemd ignores it",
    "control": "a NUL or carriage return inside a line (binary data?): systemd breaks the line",
    "dangling": "the file ends with a '\\' continuation: truncated?",
}
_SYSCTL_MEANING = {
    "no_equals": "a line that is not 'key = value' (nor '-key' to exclude a glob match)",
    "bad_key": "a key with blanks, empty components or '..' (current tools refuse '..')",
    "comment": "a '#' or ';' after the value: it is part of the value in sysctl.d(5)",
    "utf8": "a line that is not valid UTF-8",
    "control": "a control character in a line (binary data?)",
    "empty": "a key with an empty value",
}
_META = {
    UNUSED_CODE: (UNUSED_SLUG, Severity.WARNING, "an inline '# oomcfg: disable=' that "
                  "silences nothing; remove it"),
    CONFIG_CODE: (CONFIG_SLUG, Severity.ERROR, "a mistake in .oomcfg-lint.yaml"),
    UNREADABLE_CODE: (UNREADABLE_SLUG, Severity.ERROR, "a path that cannot be read (exit 3)"),
}  # fmt: skip


def rule_docs() -> Mapping[str, RuleDoc]:
    """Code -> documentation for every code lint can report, rules first."""
    docs = {r.code: RuleDoc(r.code, r.slug, r.severity, r.summary(), r.doc()) for r in RULES}
    docs.update(_loader_docs())
    for kind, (code, slug) in UNIT_SYNTAX.items():
        severity = Severity.WARNING if kind == "dangling" else Severity.ERROR
        docs[code] = RuleDoc(code, slug, severity, "unit file: " + _UNIT_MEANING[kind])
    for kind, (code, slug) in SYSCTL_SYNTAX.items():
        severity = Severity.WARNING if kind == "empty" else Severity.ERROR
        docs[code] = RuleDoc(code, slug, severity, "sysctl file: " + _SYSCTL_MEANING[kind])
    for code, (slug, severity, meaning) in _META.items():
        docs[code] = RuleDoc(code, slug, severity, meaning)
    return docs


def _loader_docs() -> dict[str, RuleDoc]:
    from oomcfg.schema import CODES as SCHEMA_CODES  # noqa: PLC0415 - loader tables are big
    from oomcfg.yamlload import CODES as YAML_CODES  # noqa: PLC0415

    return {
        code: RuleDoc(code, slug, Severity.ERROR, "profile: " + meaning)
        for table in (YAML_CODES, SCHEMA_CODES)
        for code, (slug, meaning) in table.items()
    }
