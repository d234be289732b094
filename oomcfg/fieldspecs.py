"""The typed leaves of the profile format: words, texts, sizes, unit names, scores, paths.

Each leaf validates one YAML node and describes itself as JSON Schema
(:mod:`oomcfg.specs` explains the pattern). The rules cite where they come
from: systemd.resource-control(5) for sizes, systemd's ``unit_name_is_valid``
(via :mod:`oomcfg.units`) for unit names, Kubernetes' policy.go (via
:mod:`oomcfg.tiers`) for ``from_request``, systemd.syntax(7) for what a value
may contain.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import re
from collections.abc import Sequence
from typing import NamedTuple

from oomcfg import sizes, units
from oomcfg.model import OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, Size
from oomcfg.specs import (
    CONTROL_CLASS,
    CONTROL_RE,
    DECIMAL_RE,
    INVALID,
    JSON,
    Ctx,
    Field,
    IntSpec,
    MapSpec,
    Spec,
    did_you_mean,
    kind_of,
    scalar,
)
from oomcfg.tiers import RequestError, score_from_request
from oomcfg.yamlload import YMap, YNode, YScalar, YSeq

FORMAT_VERSION = 1


def string_value(node: YNode, label: str, ctx: Ctx, expected: str) -> YScalar | None:
    """The node as a string scalar; a bool gets the quoting hint (OC023)."""
    s = scalar(node, label, ctx, expected)
    if s is None:
        return None
    if isinstance(s.value, str):
        return s
    if isinstance(s.value, bool):
        ctx.error("OC023", s, f"{label} is the YAML boolean {s.text}, not {expected}",
                  f"quote it (\"{s.text}\") if you meant the word")
    else:
        ctx.error("OC022", s, f"{label} must be {expected}, not {kind_of(s)}",
                  f"quote it (\"{s.text}\") if you meant the text")
    return None


class EnumSpec(Spec):
    """One word out of a fixed list."""

    def __init__(self, values: Sequence[str]) -> None:
        self.values = tuple(values)
        self.allowed = ", ".join(self.values)
        self._set = frozenset(self.values)

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """The word, if it is one of ``values``."""
        if type(node) is YScalar and node.value in self._set:
            return node.value  # the usual case, without the checks that explain a bad one
        s = string_value(node, label, ctx, f"one of {self.allowed}")
        if s is None:
            return INVALID
        if s.value in self._set:
            return s.value
        hint = did_you_mean(s.value, self.values)
        return ctx.error("OC027", s, f"{label} {s.text!r} is not one of {self.allowed}", hint)

    def json(self) -> JSON:
        """``enum`` of the words."""
        return {"type": "string", "enum": list(self.values)}


class TextSpec(Spec):
    """A non-empty string without control characters or a trailing backslash.

    ``pattern`` (anchored) narrows it further. Every typed field that reaches a
    systemd file has a pattern (or its own grammar) without ``#`` and ``;``:
    systemd does not treat them as comments inside a value, but they make the
    whole value invalid (systemd.syntax(7)). Free text (``description``) keeps
    them and ``%``: it is never written into a rendered file.
    """

    def __init__(self, what: str, pattern: str | None = None, max_len: int | None = None) -> None:
        self.what = what
        self.pattern = re.compile(pattern) if pattern else None
        self.max_len = max_len

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """The string, if it is clean and matches."""
        s = string_value(node, label, ctx, self.what)
        if s is None:
            return INVALID
        text: str = s.value  # type: ignore[assignment]
        problem = self.problem(text)
        if problem is None:
            return text
        code, message, hint = problem
        return ctx.error(code, s, f"{label} {message}", hint)

    def problem(self, text: str) -> tuple[str, str, str] | None:
        """(code, message, hint) for the first thing wrong with ``text``, or None."""
        if not text:
            return ("OC026", "is empty", f"write {self.what}")
        return self.unsafe(text) or self.shape(text)

    def unsafe(self, text: str) -> tuple[str, str, str] | None:
        """OC028: characters that would change what systemd or a shell reads."""
        bad = CONTROL_RE.search(text)
        if bad:
            return ("OC028", f"contains the control character U+{ord(bad[0]):04X}",
                    "newlines and control characters would inject lines into rendered files")
        if text.endswith("\\"):
            return ("OC028", "ends with a backslash", "systemd would join it with the next line")
        return None

    def shape(self, text: str) -> tuple[str, str, str] | None:
        """OC029: the length and pattern rules."""
        if self.max_len is not None and len(text.encode()) > self.max_len:
            return ("OC029", f"is longer than {self.max_len} bytes", f"shorten {self.what}")
        if self.pattern is not None and not self.pattern.fullmatch(text):
            return ("OC029", f"{text!r} is not {self.what}", "")
        return None

    def json(self) -> JSON:
        """``string`` with the same character rules as patterns."""
        rules: list[JSON] = [{"pattern": f"^[^{CONTROL_CLASS}]*$"},
                             {"not": {"pattern": "\\\\$"}}]
        if self.pattern is not None:
            rules.append({"pattern": f"^(?:{self.pattern.pattern})$"})
        schema: JSON = {"type": "string", "minLength": 1, "allOf": rules}
        if self.max_len is not None:
            schema["maxLength"] = self.max_len
        return schema


class BoolSpec(Spec):
    """``true`` or ``false`` (YAML 1.2 core; ``yes``/``on`` are strings, refused)."""

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """The boolean."""
        s = scalar(node, label, ctx, "true or false")
        if s is None:
            return INVALID
        if isinstance(s.value, bool):
            return s.value
        return ctx.error("OC022", s, f"{label} must be true or false, not {kind_of(s)}",
                         "YAML 1.2: yes/no/on/off are strings")

    def json(self) -> JSON:
        """``boolean``."""
        return {"type": "boolean"}



class FromRequest(NamedTuple):
    """``oom_score_adj: {from_request, capacity}`` with its computed score."""

    request: Size
    capacity: Size
    score: int

    def render(self) -> str:
        """``875 (from_request 2G of capacity 16G)``."""
        return f"{self.score} (from_request {self.request.render()} of {self.capacity.render()})"


class VersionSpec(IntSpec):
    """``oomcfg: 1``; any other integer is OC030."""

    def __init__(self) -> None:
        super().__init__(FORMAT_VERSION, FORMAT_VERSION)

    def out_of_range(self, s: YScalar, label: str, ctx: Ctx) -> object:
        """OC030: say which version this oomcfg reads."""
        return ctx.error("OC030", s, f"format version {s.text} is not supported",
                         f"this oomcfg reads 'oomcfg: {FORMAT_VERSION}'")

    def json(self) -> JSON:
        """``const: 1``."""
        return {"type": "integer", "const": FORMAT_VERSION}


class SizeSpec(Spec):
    """A memory size (systemd.resource-control(5)); ``percent=False`` refuses ``N%``."""

    def __init__(self, percent: bool = True) -> None:
        self.percent = percent
        # Sizes already parsed, by their text: a fleet repeats a few dozen of them
        # 17,000 times (P4). A Size is immutable, so one object serves them all.
        self.parsed: dict[str, Size] = {}

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """A :class:`Size`, from a plain integer (bytes) or a string."""
        if type(node) is YScalar and type(node.value) is str:
            known = self.parsed.get(node.value)
            if known is not None:
                return known
        return self._check(node, label, ctx)

    def _check(self, node: YNode, label: str, ctx: Ctx) -> object:
        s = scalar(node, label, ctx, "a size such as 2G")
        if s is None:
            return INVALID
        value = s.value
        try:
            if type(value) is int and DECIMAL_RE.fullmatch(s.text):
                return sizes.size_from_int(value)
            if isinstance(value, str):
                size = self.parsed[value] = sizes.parse_size(value, percent=self.percent)
                return size
        except sizes.SizeError as err:
            return ctx.error("OC031", s, f"{label}: {err}", err.hint)
        if isinstance(value, bool):
            return ctx.error("OC023", s, f"{label} is the YAML boolean {s.text}, not a size",
                             f"allowed: {sizes.ALLOWED}")
        return ctx.error("OC031", s, f"{label}: invalid size {s.text}",
                         f"allowed: {sizes.ALLOWED}")

    def json(self) -> JSON:
        """An integer byte count or a size string."""
        words = r"(?:0|[1-9][0-9]*)[KMGT]?|infinity" + ("|(?:100|[1-9]?[0-9])%" if self.percent
                                                          else "")
        return {"oneOf": [{"type": "integer", "minimum": 0, "maximum": sizes.MAX_BYTES},
                          {"type": "string", "pattern": f"^(?:{words})$"}]}


class PercentSpec(Spec):
    """``N%`` with N an integer 0..100 (ManagedOOMMemoryPressureLimit=)."""

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """The integer percentage."""
        s = scalar(node, label, ctx, "a percentage such as 60%")
        if s is None:
            return INVALID
        if isinstance(s.value, str):
            try:
                return sizes.parse_percent(s.value)
            except sizes.SizeError as err:
                return ctx.error("OC032", s, f"{label}: {err}", err.hint)
        hint = f"write '{s.text}%'" if type(s.value) is int else "write an integer 0%..100%"
        return ctx.error("OC032", s, f"{label} must be a percentage, not {kind_of(s)}", hint)

    def json(self) -> JSON:
        """A ``N%`` string."""
        return {"type": "string", "pattern": "^(?:100|[1-9]?[0-9])%$"}


_UNIT_CHAR = r"(?:[A-Za-z0-9:_.\-]|\\x[0-9a-fA-F]{2})"
_UNIT_TYPES = "|".join(sorted(units.UNIT_TYPES))


class UnitSpec(Spec):
    """A unit name exactly as systemd's ``unit_name_is_valid``, or a bare type (``service``)."""

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """The unit name; whether its form fits ``scope:`` is checked after merging."""
        if type(node) is YScalar and type(node.value) is str and (
                node.value in units.UNIT_TYPES or units.unit_name_error(node.value) is None):
            return node.value  # the usual case; the slow path below says what is wrong
        s = string_value(node, label, ctx, "a unit name such as 'ssh.service'")
        if s is None:
            return INVALID
        name: str = s.value  # type: ignore[assignment]
        if name in units.UNIT_TYPES:
            return name
        problem = units.unit_name_error(name)
        return name if problem is None else ctx.error("OC040", s, problem)

    def json(self) -> JSON:
        """An approximation of the unit-name grammar (the loader's check is exact)."""
        named = rf"{_UNIT_CHAR}+(?:@{_UNIT_CHAR}*)?\.(?:{_UNIT_TYPES})"
        return {"type": "string", "maxLength": units.UNIT_NAME_MAX_BYTES,
                "pattern": f"^(?:{_UNIT_TYPES}|{named})$"}


FROM_REQUEST = MapSpec("oom_score_adj", [
    Field("from_request", SizeSpec(percent=False), "memory the service is promised, in bytes",
          required=True),
    Field("capacity", SizeSpec(percent=False), "memory of the host (or its share), in bytes",
          required=True),
])


class ScoreSpec(Spec):
    """``oom_score_adj``: an integer -1000..1000, or ``{from_request, capacity}``."""

    ints = IntSpec(OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX)

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """An int, or a :class:`FromRequest` with Kubernetes' Burstable score."""
        if not isinstance(node, YMap):
            return self.ints.check(node, label, ctx)
        given = FROM_REQUEST.values(node, label, ctx)
        if given is None:
            return INVALID
        request, capacity = given["from_request"], given["capacity"]
        assert isinstance(request, Size) and isinstance(capacity, Size)
        try:
            return FromRequest(request, capacity, score_from_request(request, capacity))
        except RequestError as err:
            return ctx.error("OC046", node, f"{label}: {err}")

    def json(self) -> JSON:
        """Integer or the from_request object."""
        return {"oneOf": [self.ints.json(), FROM_REQUEST.json()]}


class PathSpec(TextSpec):
    """An absolute path of plain characters without ``.``/``..`` components."""

    _dots = re.compile(r"(?:^|/)\.\.?(?:/|$)")

    def __init__(self, what: str) -> None:
        super().__init__(what, r"/[A-Za-z0-9._@+:,=/-]*")

    def problem(self, text: str) -> tuple[str, str, str] | None:
        """Report path problems as OC049."""
        found = super().problem(text)
        if found is None and self._dots.search(text):
            found = ("OC049", "has a '.' or '..' component", "write the path without them")
        if found is not None and found[0] == "OC029":
            return ("OC049", found[1], "write an absolute path of letters, digits and ._@+:,=-")
        return found

    def json(self) -> JSON:
        """The text schema plus the dot-component rule."""
        schema = super().json()
        schema["allOf"].append({"not": {"pattern": self._dots.pattern}})
        return schema


class PatternSpec(TextSpec):
    """A regular expression (Python ``re`` syntax) that must compile.

    Used for ``init.cmdline``: searched in a process's command line the way
    ``pgrep -f`` does (pgrep(1)), so a bad pattern is caught when the profile
    is loaded, with its position, not when validate scans a host.
    """

    def __init__(self, what: str, max_len: int) -> None:
        super().__init__(what, None, max_len)

    def problem(self, text: str) -> tuple[str, str, str] | None:
        """OC055 for a pattern ``re`` cannot compile, after the text rules."""
        found = super().problem(text)
        if found is not None:
            return found
        try:
            re.compile(text)
        except re.error as err:
            return ("OC055", f"is not a regular expression: {err}",
                    "write a Python regular expression, e.g. 'gunicorn: master'")
        return None

    def json(self) -> JSON:
        """The text schema, marked ``format: regex`` (JSON Schema 2020-12, section 7.3.8)."""
        schema = super().json()
        schema["format"] = "regex"
        return schema


class ListSpec(Spec):
    """A non-empty list of texts, returned as a tuple of ``(text, Position)`` or of texts.

    A list ``with_positions`` (``extends:``) keeps its valid items when one is
    bad, so the loader still follows them and reports their problems in the
    same run; the bad item's error already makes the profile invalid.
    """

    def __init__(self, item: TextSpec, with_positions: bool = False, min_items: int = 1) -> None:
        self.item, self.with_positions, self.min_items = item, with_positions, min_items

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """Every item checked; INVALID if any is bad."""
        if not isinstance(node, YSeq):
            return ctx.error("OC026" if isinstance(node, YScalar) and node.value is None
                             else "OC022", node, f"{label} must be a list, not {kind_of(node)}",
                             "write [item, ...]")
        if len(node.items) < self.min_items:
            return ctx.error("OC026", node, f"{label} is an empty list", "leave the key out")
        checked = [(self.item.check(item, f"{label} item", ctx), item) for item in node.items]
        if self.with_positions:
            return tuple((value, ctx.pos(item)) for value, item in checked if value is not INVALID)
        if any(value is INVALID for value, _ in checked):
            return INVALID
        return tuple(value for value, _ in checked)

    def json(self) -> JSON:
        """``array`` of the item schema."""
        return {"type": "array", "minItems": self.min_items, "items": self.item.json()}
