"""Print findings as text, JSON, SARIF 2.1.0 or GitHub workflow commands.

Pure functions from findings to a string, shared by ``lint`` and anything else
that reports :class:`~oomcfg.diagnostics.Diagnostic` values (``validate``).
Rule documentation comes in as :class:`RuleDoc` values, so this module knows
nothing about lint's registry.

JSON (``--format json``), a stable structure (``version`` changes if it ever
has to break)::

    {"version": 1,
     "findings": [{"path", "line", "col", "severity", "code", "slug", "message", "hint"}],
     "summary": {"errors", "warnings", "notes", "files": N,
                 "skipped": [{"path", "reason"}], "unreadable": [{"path", "reason"}]}}

``line``/``col`` are 1-based; 0 means "the whole file".
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from oomcfg import __version__
from oomcfg.diagnostics import Diagnostic, Severity

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


class RuleDoc(NamedTuple):
    """What a code means: SARIF rule metadata and ``oomcfg rules`` output."""

    code: str
    slug: str
    severity: Severity
    summary: str
    doc: str = ""


class Summary(NamedTuple):
    """What was looked at besides the findings."""

    files: int = 0
    skipped: tuple[tuple[str, str], ...] = ()
    unreadable: tuple[tuple[str, str], ...] = ()


def render_report(
    fmt: str,
    findings: Sequence[Diagnostic],
    rules: Mapping[str, RuleDoc],
    summary: Summary,
    base: Path,
) -> str:
    """The whole report in ``fmt``; findings must already be sorted."""
    if fmt == "json":
        return to_json(findings, summary)
    if fmt == "sarif":
        return to_sarif(findings, rules, base)
    if fmt == "github":
        return to_github(findings)
    return to_text(findings, summary)


# --- text ------------------------------------------------------------------------------------


def text_line(finding: Diagnostic) -> str:
    """``path:line:col: severity[CODE] message (slug)``; the hint follows the message."""
    where = f"{finding.pos}: " if finding.pos is not None else ""
    hint = f"; {finding.hint}" if finding.hint else ""
    slug = f" ({finding.slug})" if finding.slug else ""
    text = f"{where}{finding.severity.value}[{finding.code}] {finding.message}{hint}{slug}"
    return text.replace("\r", "\\r").replace("\n", "\\n")  # one line per finding, always


def to_text(findings: Sequence[Diagnostic], summary: Summary) -> str:
    """One line per finding, then a summary line."""
    lines = [text_line(f) for f in findings]
    lines.append(summary_line(findings, summary))
    return "\n".join(lines) + "\n"


def summary_line(findings: Sequence[Diagnostic], summary: Summary) -> str:
    """``N errors, M warnings, K notes in F files (S skipped, U unreadable)``."""
    counts = _counts(findings)
    text = (
        f"{counts['errors']} error(s), {counts['warnings']} warning(s), "
        f"{counts['notes']} note(s) in {summary.files} file(s)"
    )
    extra = [f"{len(summary.skipped)} skipped"] if summary.skipped else []
    extra += [f"{len(summary.unreadable)} unreadable"] if summary.unreadable else []
    return text + (f" ({', '.join(extra)})" if extra else "")


def _counts(findings: Sequence[Diagnostic]) -> dict[str, int]:
    by = dict.fromkeys(Severity, 0)
    for finding in findings:
        by[finding.severity] += 1
    return {
        "errors": by[Severity.ERROR],
        "warnings": by[Severity.WARNING],
        "notes": by[Severity.INFO],
    }


# --- json ------------------------------------------------------------------------------------


def to_json(findings: Sequence[Diagnostic], summary: Summary) -> str:
    """The documented JSON structure (module docstring)."""
    doc = {
        "version": 1,
        "findings": [_json_finding(f) for f in findings],
        "summary": {
            **_counts(findings),
            "files": summary.files,
            "skipped": [{"path": p, "reason": r} for p, r in summary.skipped],
            "unreadable": [{"path": p, "reason": r} for p, r in summary.unreadable],
        },
    }
    import json  # noqa: PLC0415 - text (the default) does not need it: ~3 ms of start-up

    return json.dumps(doc, indent=2) + "\n"


def _json_finding(finding: Diagnostic) -> dict[str, object]:
    pos = finding.pos
    return {
        "path": pos.path if pos else None,
        "line": pos.line if pos else 0,
        "col": pos.col if pos else 0,
        "severity": finding.severity.value,
        "code": finding.code,
        "slug": finding.slug,
        "message": finding.message,
        "hint": finding.hint,
    }


# --- github ----------------------------------------------------------------------------------


def to_github(findings: Sequence[Diagnostic]) -> str:
    """``::error file=...,line=...,col=...,title=...::message`` workflow commands."""
    return "".join(_github_line(f) + "\n" for f in findings)


def _github_line(finding: Diagnostic) -> str:
    props = []
    pos = finding.pos
    if pos is not None:
        props.append(f"file={_escape_property(pos.path)}")
        if pos.line > 0:
            props += [f"line={pos.line}", f"col={max(pos.col, 1)}"]
    props.append(f"title={_escape_property(f'{finding.code} {finding.slug}'.strip())}")
    message = finding.message + (f" ({finding.hint})" if finding.hint else "")
    return f"::{_GITHUB_LEVEL[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    """Workflow-command message escaping (actions/toolkit, command.ts escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Property escaping additionally covers ':' and ',' (command.ts escapeProperty)."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


# --- sarif -----------------------------------------------------------------------------------


def to_sarif(findings: Sequence[Diagnostic], rules: Mapping[str, RuleDoc], base: Path) -> str:
    """A SARIF 2.1.0 log with one run: rule metadata for every code that occurs or is known."""
    codes = sorted(set(rules) | {f.code for f in findings})
    index = {code: i for i, code in enumerate(codes)}
    base_uri = base.resolve().as_uri()
    base_uri += "" if base_uri.endswith("/") else "/"  # "/" itself is file:///, not file:/
    run = {
        "tool": {
            "driver": {
                "name": "oomcfg",
                "version": __version__,
                "rules": [_sarif_rule(code, rules.get(code)) for code in codes],
            }
        },
        "originalUriBaseIds": {"SRCROOT": {"uri": base_uri}},
        "columnKind": "unicodeCodePoints",
        "results": _sarif_results(findings, index, base),
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    import json  # noqa: PLC0415 - only for this format (start-up, see to_json)

    return json.dumps(log, indent=2) + "\n"


def _sarif_rule(code: str, doc: RuleDoc | None) -> dict[str, object]:
    if doc is None:
        doc = RuleDoc(code, code.lower(), Severity.ERROR, f"oomcfg diagnostic {code}")
    full = doc.doc or doc.summary
    return {
        "id": code,
        "name": doc.slug,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": full},
        "defaultConfiguration": {"level": _SARIF_LEVEL[doc.severity]},
    }


def _sarif_results(
    findings: Sequence[Diagnostic], index: Mapping[str, int], base: Path
) -> list[dict[str, object]]:
    """Results in report order; the nth result with the same fingerprint hash gets ``:n``.

    Code scanning merges results whose fingerprints are equal, so identical
    messages in one file (one per bad line) need the occurrence number, as in
    GitHub's own ``primaryLocationLineHash`` (``hash:n``).
    """
    seen: dict[str, int] = {}
    results = []
    for finding in findings:
        digest = _fingerprint(finding, base)
        seen[digest] = nth = seen.get(digest, 0) + 1
        results.append(_sarif_result(finding, index[finding.code], base, f"{digest}:{nth}"))
    return results


def _sarif_result(
    finding: Diagnostic, rule_index: int, base: Path, fingerprint: str
) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": finding.message + (f" ({finding.hint})" if finding.hint else "")},
    }
    pos = finding.pos
    if pos is not None:
        location: dict[str, object] = {"artifactLocation": _artifact(pos.path, base)}
        if pos.line > 0:
            location["region"] = {"startLine": pos.line, "startColumn": max(pos.col, 1)}
        result["locations"] = [{"physicalLocation": location}]
    result["partialFingerprints"] = {"oomcfgFindingHash/v1": fingerprint}
    return result


def _artifact(path: str, base: Path) -> dict[str, str]:
    """A URI relative to SRCROOT when the file is under ``base``, else an absolute file URI.

    The path as linted is tried first (a symlinked directory in the repository
    keeps its in-repository name, as in the text report), then with symlinks
    resolved (a ``base`` reached through a symlink).
    """
    given = Path(path)
    try:
        pairs = ((_lexical(given), _lexical(base)), (given.resolve(), base.resolve()))
        for candidate, root in pairs:
            if candidate.is_relative_to(root):
                return {"uri": _quote(candidate.relative_to(root)), "uriBaseId": "SRCROOT"}
        return {"uri": given.resolve().as_uri()}
    except OSError:  # the working directory was removed: a relative path has no absolute form
        return {"uri": _quote(given)}


def _quote(path: Path) -> str:
    """Percent-encode a path's bytes (RFC 3986): a non-UTF-8 file name is still a valid URI."""
    return quote(os.fsencode(path.as_posix()))


def _lexical(path: Path) -> Path:
    """Absolute, ``..`` folded by name only: symlinks stay as they were named."""
    return Path(os.path.normpath(path.absolute()))


def _fingerprint(finding: Diagnostic, base: Path) -> str:
    """Stable across runs and line moves: code, file and message, not the line number."""
    path = finding.pos.path if finding.pos else ""
    uri = _artifact(path, base)["uri"] if path else ""
    text = f"{finding.code}\0{uri}\0{finding.message}"
    import hashlib  # noqa: PLC0415 - SARIF only; loading OpenSSL is ~4 ms of every lint

    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape"))  # a message may quote a
    # non-UTF-8 file name (os.fsdecode's surrogates): hash its original bytes
    return digest.hexdigest()[:32]
