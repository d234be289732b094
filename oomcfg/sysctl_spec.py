"""The ``sysctl:`` section: flat dotted keys, typed when oomcfg knows them.

Known keys (:data:`oomcfg.sysctls.KNOWN`) take a plain integer in the kernel's
range; any other key needs ``{value: ..., passthrough: true}`` so a typo is
never written silently (systemd-sysctl ignores unknown keys). A leading ``-``
or a glob is refused in favour of the typed ``ignore_missing: true``
(sysctl.d(5): ``-key`` ignores failures, globs fan out).
"""

from __future__ import annotations

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
from oomcfg.yamlload import YMap, YNode, YScalar


class _ScalarNode(Spec):
    """Any non-null scalar, returned as the node: the sysctl entry types it by key."""

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """The scalar node itself."""
        s = scalar(node, label, ctx, "a number or a word")
        return INVALID if s is None else s

    def json(self) -> JSON:
        """Integer or string (narrowed per key in :meth:`SysctlSpec.json`)."""
        return {"type": ["integer", "string"]}


SYSCTL_ENTRY = MapSpec("a sysctl entry", [
    Field("value", _ScalarNode(), "the value to write", required=True),
    Field("passthrough", BoolSpec(), "true for a key oomcfg does not know (value unchecked)"),
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
            value = known.check(node, key, ctx)
            return INVALID if value is INVALID else SysctlSetting(key, value)  # type: ignore[arg-type]
        return self.mapped(key_node, key, node, ctx)

    def mapped(self, key_node: YScalar, key: str, node: YMap, ctx: Ctx) -> object:
        """The ``{value, passthrough, ignore_missing}`` form."""
        known = self.known.get(key)
        given = SYSCTL_ENTRY.values(node, key, ctx)
        if given is None:
            return INVALID
        raw, passthrough = given["value"], bool(given.get("passthrough", False))
        assert isinstance(raw, YScalar)
        if known is not None and passthrough:
            return ctx.error("OC053", node.get("passthrough") or node,
                             f"{key} is a key oomcfg types ({sysctls.KNOWN[key].minimum}.."
                             f"{sysctls.KNOWN[key].maximum})", "remove 'passthrough: true'")
        if known is None and not passthrough:
            return self.unknown(key_node, key, ctx)
        value = known.check(raw, key, ctx) if known else self.passthrough(raw, key, ctx)
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

    def passthrough(self, raw: YScalar, key: str, ctx: Ctx) -> object:
        """A plain decimal integer or one token without spaces, '#', ';' or controls."""
        value = raw.value
        if type(value) is int and DECIMAL_RE.fullmatch(raw.text):
            return value
        if isinstance(value, str) and sysctls.PASSTHROUGH_RE.fullmatch(value):
            return value
        return ctx.error("OC054", raw, f"{key}: pass-through value {raw.text!r} is not a plain "
                         "integer or a single word", "no spaces, '#', ';', backslash or "
                         "control characters (sysctl.d keeps them in the value)")

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
        token = {"type": "string", "pattern": f"^{sysctls.PASSTHROUGH_PATTERN}$"}
        return {
            "type": "object",
            "propertyNames": {"pattern": f"^{sysctls.KEY_PATTERN}$",
                              "maxLength": sysctls.MAX_KEY_LEN},
            "properties": known,
            "additionalProperties": {
                "type": "object", "required": ["value", "passthrough"],
                "additionalProperties": False,
                "properties": {"value": {"oneOf": [{"type": "integer"}, token]},
                               "passthrough": {"const": True}, **flags},
            },
        }
