"""The YAML reader's diagnostic codes (OC001-OC013), limits and hints, in one place.

Split out of :mod:`oomcfg.yamlload` so the byte-level checks
(:mod:`oomcfg.yamlbytes`) and the event-tree builder make their diagnostics
the same way; ``oomcfg.yamlload`` re-exports :data:`CODES`, :data:`MAX_BYTES`
and :data:`MAX_DEPTH`, so ``from oomcfg.yamlload import CODES`` keeps working.
"""

from __future__ import annotations

from oomcfg.diagnostics import Diagnostic, Position

#: Largest profile accepted, in bytes. A 10,000-service profile with a nested
#: memory map per service is 1.5-2.5 MiB, so 1 MiB would refuse real fleets;
#: 8 MiB bounds memory and time (aliases are rejected, so nothing expands).
MAX_BYTES = 8 << 20
#: Deepest nesting of collections; a profile needs about 5. Deeper input gets
#: OC008 instead of a ``RecursionError`` anywhere downstream.
MAX_DEPTH = 64
#: At most this many OC002/OC003 findings per file (a binary file has many).
MAX_BYTE_FINDINGS = 20

#: code -> (slug, what it means): this module's codes, the same shape as
#: ``oomcfg.schema.CODES`` so docs and SARIF rules are built from both alike.
CODES: dict[str, tuple[str, str]] = {
    "OC001": ("file-too-large", "the file is larger than MAX_BYTES (checked before decoding)"),
    "OC002": ("not-utf8", "a byte that is not UTF-8, or a UTF-8 byte order mark"),
    "OC003": ("control-character", "a character outside YAML's printable set (spec 5.1): "
              "C0 other than tab/LF/CR, DEL, C1 other than NEL, U+FFFE, U+FFFF"),
    "OC004": ("yaml-syntax", "a YAML syntax error, at libyaml's problem mark"),
    "OC005": ("duplicate-key", "a mapping key given twice; the message names both lines"),
    "OC006": ("anchor-alias", "an anchor (&a) or alias (*a): rejected, never expanded"),
    "OC007": ("tag", "any explicit tag: !!str, !foo, !!python/..., even a bare !"),
    "OC008": ("too-deep", "collections nested deeper than MAX_DEPTH"),
    "OC009": ("complex-key", "a mapping key that is a sequence or a mapping"),
    "OC010": ("multiple-documents", "more than one YAML document in the file"),
    "OC011": ("directive", "a %YAML or %TAG directive (the core schema is not negotiable)"),
    "OC012": ("integer-too-long", "a decimal integer longer than Python converts (4300 digits)"),
    "OC013": ("unreadable", "the file cannot be read (missing, no permission, or not a "
              "regular file: a directory, FIFO or device is never opened for reading)"),
}  # fmt: skip
#: What each code tells the user to do (the diagnostic's hint).
HINTS: dict[str, str] = {
    "OC001": f"split the profile; the limit is {MAX_BYTES >> 20} MiB",
    "OC002": "save the file as UTF-8 without a byte order mark",
    "OC003": "only tab, line breaks and printable characters may appear",
    "OC005": "YAML keeps only one of them; remove or rename one",
    "OC006": "write each value out; anchors and aliases are rejected",
    "OC007": "remove the tag; the profile schema gives every value its type",
    "OC008": f"a profile nests a few levels; the limit is {MAX_DEPTH}",
    "OC009": "use a plain name as the key",
    "OC010": "a profile is exactly one YAML document; remove the '---'",
    "OC011": "remove it; oomcfg always reads YAML 1.2 with the core schema",
    "OC012": "no profile value needs that many digits",
    "OC013": "check the path and its permissions",
}


def diag(code: str, message: str, pos: Position) -> Diagnostic:
    """An error with the code's slug and hint."""
    return Diagnostic(code, message, pos, slug=CODES[code][0], hint=HINTS.get(code, ""))
