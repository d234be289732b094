"""The ``sysctl:`` section: flat dotted keys, typed when oomcfg knows them.

Known keys (:data:`oomcfg.sysctls.KNOWN`) take a plain integer in the kernel's
range; any other key needs ``{value: ..., passthrough: true}`` so a typo is
never written silently (systemd-sysctl ignores unknown keys). A leading ``-``
or a glob is refused in favour of the typed ``ignore_missing: true``
(sysctl.d(5): ``-key`` ignores failures, globs fan out).

A pass-through value may hold several words (``net.ipv4.tcp_rmem``,
``kernel.printk``), as a list or a string; it is stored and rendered as the
words joined by single spaces. Nothing is unchecked: sysctl.d(5) has no
quoting, so each word must be something the one ``key = value`` line carries
as written (:func:`oomcfg.sysctls.word_problem`). None of the known keys is
multi-value, so they stay scalar.
"""

from __future__ import annotations

from collections.abc import Sequence

from oomcfg import sysctls
from oomcfg.fieldspecs import BoolSpec
from oomcfg.model import SysctlSetting
from oomcfg.specs import (
    DECIMAL_RE,
    INVALID,
    JSON,
    Container,
    Ctx,
    Field,
    IntSpec,
    MapSpec,
    Path,
    Spec,
    did_you_mean,
    mapping,
    scalar,
)
from oomcfg.yamlload import YMap, YNode, YScalar, YSeq


class _ValueNode(Spec):
    """A scalar or a list, returned as the node: the sysctl entry types it by key.

    Lists are for pass-through multi-value keys (``net.ipv4.tcp_rmem``); a
    known key refuses one with its own "must be an integer" (OC022).
    """

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """The node itself; OC026 for an empty value, OC022 for a mapping."""
        if isinstance(node, YSeq):
            return node
        s = scalar(node, label, ctx, "a number, a word or a list of them")
        return INVALID if s is None else s

    def json(self) -> JSON:
        """Integer, string or list (narrowed per key in :meth:`SysctlSpec.json`)."""
        return {"type": ["integer", "string", "array"]}


_VALUE_DOC = ("an integer, or words separated by spaces, or a list of them: multi-value "
              "keys such as net.ipv4.tcp_rmem are written '4096 87380 6291456'")

SYSCTL_ENTRY = MapSpec("a sysctl entry", [
    Field("value", _ValueNode(), "the value to write", required=True),
    Field("passthrough", BoolSpec(),
          "true for a key oomcfg does not type (its value is only checked to be safe to write)"),
    Field("ignore_missing", BoolSpec(), "render '-key = value': ignore a missing key"),
])


class SysctlSpec(Container):
    """``sysctl:``: flat dotted keys; known keys typed, unknown ones only as pass-through.

    Each key becomes one leaf ``("sysctl", key)`` holding a :class:`SysctlSetting`,
    so a later file replaces a whole entry.
    """

    def __init__(self) -> None:
        self.known = {k: IntSpec(s.minimum, s.maximum) for k, s in sysctls.KNOWN.items()}
        self.known_names = tuple(sysctls.KNOWN)

    def walk(self, node: YNode, path: Path, ctx: Ctx) -> None:
        """Check every key's grammar, then its value."""
        m = mapping(node, "sysctl", ctx)
        if m is None:
            return
        for key_node, value in m.items:
            key = key_node.value if isinstance(key_node.value, str) else key_node.text
            problem = sysctls.key_error(key)
            if problem is not None:
                code = "OC051" if key.startswith("-") or any(c in key for c in "*?[]") else "OC050"
                ctx.error(code, key_node, *problem)
                continue
            ctx.out[(*path, key)] = (self.entry(key_node, key, value, ctx), ctx.pos(value))

    def entry(self, key_node: YScalar, key: str, node: YNode, ctx: Ctx) -> object:
        """A :class:`SysctlSetting` from ``N`` or ``{value, passthrough, ignore_missing}``."""
        known = self.known.get(key)
        if not isinstance(node, YMap):
            if known is None:
                return self.unknown(key_node, key, ctx)
            value = self.typed(known, node, key, ctx)
            return INVALID if value is INVALID else SysctlSetting(key, value)  # type: ignore[arg-type]
        return self.mapped(key_node, key, node, ctx)

    def typed(self, known: IntSpec, node: YNode, key: str, ctx: Ctx) -> object:
        """A known key's integer. None of them is multi-value, so a list is OC022 saying so."""
        if isinstance(node, YSeq):
            return ctx.error("OC022", node, f"{key} takes one integer in {known.minimum}.."
                             f"{known.maximum}, not a list",
                             "only pass-through keys take several values")
        return known.check(node, key, ctx)

    def mapped(self, key_node: YScalar, key: str, node: YMap, ctx: Ctx) -> object:
        """The ``{value, passthrough, ignore_missing}`` form."""
        known = self.known.get(key)
        given = SYSCTL_ENTRY.values(node, key, ctx)
        if given is None:
            return INVALID
        raw, passthrough = given["value"], bool(given.get("passthrough", False))
        assert isinstance(raw, YScalar | YSeq)  # what _ValueNode lets through
        if known is not None and passthrough:
            return ctx.error("OC053", node.get("passthrough") or node,
                             f"{key} is a key oomcfg types ({sysctls.KNOWN[key].minimum}.."
                             f"{sysctls.KNOWN[key].maximum})", "remove 'passthrough: true'")
        if known is None and not passthrough:
            return self.unknown(key_node, key, ctx)
        value = self.typed(known, raw, key, ctx) if known else self.passthrough(raw, key, ctx)
        if value is INVALID:
            return INVALID
        ignore = bool(given.get("ignore_missing", False))
        return SysctlSetting(key, value, passthrough, ignore)  # type: ignore[arg-type]

    def unknown(self, key_node: YScalar, key: str, ctx: Ctx) -> object:
        """OC052 with the nearest known key and the explicit pass-through form."""
        near = did_you_mean(key, self.known_names)
        return ctx.error("OC052", key_node, f"unknown sysctl key {key!r}",
                         (near + " " if near else "")
                         + "for a key oomcfg does not type, write {value: ..., passthrough: true}")

    def passthrough(self, raw: YScalar | YSeq, key: str, ctx: Ctx) -> object:
        """A plain integer, or words (one string or a list) rendered joined by single spaces.

        Multi-value keys such as ``net.ipv4.tcp_rmem`` take several integers;
        the kernel splits them on blanks (proc_dointvec). An integer stays an
        ``int``; anything else becomes the canonical string ``"4096 87380 6291456"``.
        """
        if isinstance(raw, YSeq):
            return self.listed(raw, key, ctx)
        value = raw.value
        if type(value) is int and DECIMAL_RE.fullmatch(raw.text):
            return value
        if not isinstance(value, str):
            return ctx.error("OC054", raw, f"{key}: pass-through value is {_not_a_word(raw)}",
                             sysctls.VALUE_FORM)
        words = sysctls.split_words(value)
        if not words:
            return ctx.error("OC026", raw, f"{key}: pass-through value {raw.text!r} is blank",
                             "write the value; an empty value never means 'reset'")
        problem = next((p for p in map(sysctls.word_problem, words) if p is not None), None)
        if problem is not None:
            return ctx.error("OC054", raw, f"{key}: pass-through value {raw.text!r}: {problem}",
                             sysctls.VALUE_FORM)
        return self.joined(raw, key, words, ctx)

    def listed(self, seq: YSeq, key: str, ctx: Ctx) -> object:
        """The list form: every item checked (all problems reported), then joined."""
        if not seq.items:
            return ctx.error("OC026", seq, f"{key}: pass-through value is an empty list",
                             "write at least one value; an empty value never means 'reset'")
        items = enumerate(seq.items, 1)
        return self.joined(seq, key, [_list_item(i, f"{key}: list item {n}", ctx)
                                      for n, i in items], ctx)

    def joined(self, node: YNode, key: str, words: Sequence[str | None], ctx: Ctx) -> object:
        """The words joined by single spaces, unless one was bad or the line gets too long."""
        if None in words:
            return INVALID
        value = " ".join(w for w in words if w is not None)
        if len(value) > sysctls.MAX_VALUE_LEN:
            return ctx.error("OC054", node, f"{key}: pass-through value is {len(value)} "
                             f"characters long, more than the {sysctls.MAX_VALUE_LEN} the "
                             "kernel reads (it drops the rest of an integer list)",
                             sysctls.VALUE_FORM)
        return value

    def json(self) -> JSON:
        """Known keys with their ranges; any other key only as a pass-through object."""
        flags = {"ignore_missing": {"type": "boolean"}}
        known: JSON = {}
        for key, spec in self.known.items():
            typed = {"description": sysctls.KNOWN[key].doc, **spec.json()}
            known[key] = {"oneOf": [typed, {
                "type": "object", "required": ["value"], "additionalProperties": False,
                "properties": {"value": spec.json(), "passthrough": {"const": False}, **flags},
            }]}
        word = f"(?:{sysctls.WORD_PATTERN})"
        # The string form may have runs of spaces (joined to one when rendered). The
        # length of the joined value (MAX_VALUE_LEN) is checked by the loader only.
        words = {"type": "string", "pattern": f"^ *{word}(?: +{word})* *$"}
        items = {"type": "array", "minItems": 1, "items": {
            "oneOf": [{"type": "integer"}, {"type": "string", "pattern": f"^{word}$"}]}}
        return {
            "type": "object",
            "propertyNames": {"pattern": f"^{sysctls.KEY_PATTERN}$",
                              "maxLength": sysctls.MAX_KEY_LEN},
            "properties": known,
            "additionalProperties": {
                "type": "object", "required": ["value", "passthrough"],
                "additionalProperties": False,
                "properties": {"value": {"description": _VALUE_DOC,
                                         "oneOf": [{"type": "integer"}, words, items]},
                               "passthrough": {"const": True}, **flags},
            },
        }


def _list_item(node: YNode, label: str, ctx: Ctx) -> str | None:
    """One list item as its word: a plain decimal integer or one word; None when reported.

    A nested list or mapping is OC022 and an empty item OC026 (as for any
    field); a boolean, a float, a non-decimal integer or a bad word is OC054.
    """
    s = scalar(node, label, ctx, "a plain integer or a word")
    if s is None:
        return None
    value = s.value
    if type(value) is int and DECIMAL_RE.fullmatch(s.text):
        return s.text
    if not isinstance(value, str):
        ctx.error("OC054", s, f"{label} is {_not_a_word(s)}", sysctls.VALUE_FORM)
        return None
    problem = sysctls.word_problem(value)
    if problem is not None:
        ctx.error("OC054", s, f"{label} {s.text!r}: {problem}", sysctls.VALUE_FORM)
        return None
    return value


def _not_a_word(s: YScalar) -> str:
    """What a non-string scalar is, for OC054: booleans, floats, non-decimal integers."""
    if isinstance(s.value, bool):
        return f"the boolean {s.text} (write 1 or 0, or quote it if the word is meant)"
    if isinstance(s.value, float):
        return f"{s.text}, not an integer (the kernel takes no fractions)"
    return (f"{s.text}, not a plain decimal integer (the kernel reads 0100 as octal and "
            "0x10 as hex; write the decimal number)")
