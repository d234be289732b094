"""Declarative field specs: each one validates a YAML node *and* describes itself as JSON Schema.

The profile format (:mod:`oomcfg.schema`) is a tree of these specs. Keeping the
check and the JSON Schema on the same object is what makes the schema and the
loader one source of truth: a field cannot be added to one and forgotten in
the other.

Two kinds of spec:

* a *leaf* (:class:`Spec`) turns one node into a typed value, or reports a
  diagnostic and returns :data:`INVALID`;
* a *container* (:class:`Container`: :class:`MapSpec`, :class:`DictSpec`) walks
  a mapping and writes every leaf into ``ctx.out`` under its path tuple, with
  the node's position. A :class:`DictSpec` (``services:``) gives each entry
  its own such table. That flat form makes ``extends:`` merging a plain dict
  update (O(keys)) and gives provenance for free.

The rules every leaf shares come from bad-inputs.md: integers are plain decimal
only, no empty/``~`` value ever means "reset", a YAML boolean where a word
belongs is an error that suggests quoting, and strings carry no control
characters or trailing backslash (either would change what systemd reads).
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, NamedTuple

from oomcfg.diagnostics import Diagnostic, Position
from oomcfg.yamlload import YMap, YNode, YScalar, YSeq

JSON = dict[str, Any]
Path = tuple[str, ...]
#: A checked value and where it was written.
Leaf = tuple[object, Position]
#: Leaves by their path below some point of the profile.
Flat = dict[Path, Leaf]


class _Invalid:
    """The value of a field that was already reported: later checks skip it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Final = _Invalid()

_make = tuple.__new__


def new_position(path: str, line: int, col: int) -> Position:
    """``Position(path, line, col)`` without the keyword-handling ``__new__`` (one C call)."""
    return _make(Position, (path, line, col))

#: Plain decimal integers only: ``0100`` is octal to systemd and 100 to YAML 1.2,
#: ``0x10``/``0o17``/``+5`` are spellings a reviewer misreads (bad-inputs.md).
DECIMAL_RE = re.compile(r"-?(?:0|[1-9][0-9]*)")
#: C0/C1 controls, DEL and Unicode line separators: each one can end a line in
#: some reader of the rendered files (str.splitlines does for all of them).
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_CLASS = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029"


class Ctx:
    """One file's validation state: where we are, what was found, what was read."""

    __slots__ = ("anchors", "codes", "diags", "file", "named", "out", "where")

    def __init__(self, file: str, diags: list[Diagnostic], codes: Mapping[str, str]) -> None:
        self.file = file
        self.diags = diags
        self.codes = codes  # code -> slug
        #: Where leaves go now: the file's own table, or one named entry's (see DictSpec).
        self.out: Flat = {}
        #: The path of the mapping ``out`` belongs to (``("services", "db")``), for messages.
        self.where: Path = ()
        #: Each :class:`DictSpec`'s entries: its path -> name -> that entry's leaves.
        self.named: dict[Path, dict[str, Flat]] = {}
        self.anchors: dict[Path, Position] = {}  # where each service's name was written

    def pos(self, node: YNode) -> Position:
        """The node's position in this file."""
        return new_position(self.file, node.line, node.col)

    def error(self, code: str, node: YNode, message: str, hint: str = "") -> _Invalid:
        """Record an error at ``node`` and return :data:`INVALID` for the caller to pass on."""
        slug = self.codes.get(code, "")
        self.diags.append(Diagnostic(code, message, self.pos(node), slug=slug, hint=hint))
        return INVALID


#: Longest scalar a message quotes. A message must not become the channel that prints
#: a file's content: ``extends:`` may name any readable file, and CI logs of
#: ``oomcfg lint`` on an untrusted change are public (a ``.env`` is one long string).
QUOTE_MAX = 24


def kind_of(node: YNode, *, quote: bool = True) -> str:
    """How a node reads to a user: 'a mapping', 'the integer 5', ...

    Short scalars are quoted (they are what a user typed by mistake); a longer
    one, or any scalar when ``quote`` is false, is described by its kind and
    length only (see :data:`QUOTE_MAX`).
    """
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    value = node.value
    kind = "boolean" if isinstance(value, bool) else (
        "number" if isinstance(value, int | float) else "string")
    if not quote or len(node.text) > QUOTE_MAX:
        return f"a {kind} of {len(node.text)} characters"
    return f"the {kind} {node.text!r}" if kind == "string" else f"the {kind} {node.text}"


def did_you_mean(word: object, choices: Sequence[str]) -> str:
    """A difflib hint ("did you mean 'oom_score_adj'?"), or an empty string."""
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def scalar(node: YNode, label: str, ctx: Ctx, expected: str) -> YScalar | None:
    """The node as a non-null scalar, or None after reporting OC022/OC026."""
    if isinstance(node, YScalar):
        if node.value is None or node.value == "":
            ctx.error("OC026", node, f"{label} has no value",
                      f"write {expected}; an empty value never means 'reset' in a profile")
            return None
        return node
    ctx.error("OC022", node, f"{label} must be {expected}, not {kind_of(node)}")
    return None


class Spec(ABC):
    """A leaf: one node in, one typed value (or INVALID) out."""

    @abstractmethod
    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """Validate ``node`` (reported as ``label``) and return its typed value."""

    @abstractmethod
    def json(self) -> JSON:
        """This spec as a JSON Schema (draft 2020-12) fragment."""


class Container(ABC):
    """A mapping whose values are walked into ``ctx.out`` one leaf at a time."""

    @abstractmethod
    def walk(self, node: YNode, path: Path, ctx: Ctx) -> None:
        """Validate ``node`` and write its leaves under ``path`` in ``ctx.out``.

        ``path`` is relative to ``ctx.out``; messages name the mapping by
        ``ctx.where + path``.
        """

    @abstractmethod
    def json(self) -> JSON:
        """This spec as a JSON Schema (draft 2020-12) fragment."""


class Field(NamedTuple):
    """One key of a mapping: its spec, what it means (docs and JSON Schema), required or not."""

    name: str
    spec: Spec | Container
    doc: str
    required: bool = False


class IntSpec(Spec):
    """A plain decimal integer in ``minimum..maximum``."""

    def __init__(self, minimum: int, maximum: int) -> None:
        self.minimum, self.maximum = minimum, maximum

    def check(self, node: YNode, label: str, ctx: Ctx) -> object:
        """Reject quoted, float, bool and non-decimal spellings, then check the range."""
        if type(node) is YScalar:
            value = node.value
            if (type(value) is int and self.minimum <= value <= self.maximum
                    and DECIMAL_RE.fullmatch(node.text)):
                return value  # the usual case, without the checks that explain a bad one
        s = scalar(node, label, ctx, "an integer")
        if s is None:
            return INVALID
        value = s.value
        if type(value) is not int:
            return self._not_int(s, label, ctx)
        if not DECIMAL_RE.fullmatch(s.text):
            return ctx.error("OC024", s, f"{label} {s.text} is not a plain decimal integer",
                             f"write {value} if that is what you mean: leading zeros, '+', "
                             "0x and 0o are ambiguous, systemd reads 010 as octal 8")
        if not self.minimum <= value <= self.maximum:
            return self.out_of_range(s, label, ctx)
        return value

    def out_of_range(self, s: YScalar, label: str, ctx: Ctx) -> object:
        """Report a value outside ``minimum..maximum``."""
        return ctx.error("OC025", s, f"{label} {s.text} is out of range "
                         f"{self.minimum}..{self.maximum}")

    def _not_int(self, s: YScalar, label: str, ctx: Ctx) -> _Invalid:
        value = s.value
        if isinstance(value, str) and s.quoted and DECIMAL_RE.fullmatch(value):
            return ctx.error("OC024", s, f"{label} is the quoted string {s.text!r}, not an "
                             "integer", "remove the quotes")
        if isinstance(value, float):
            return ctx.error("OC024", s, f"{label} {s.text} is not an integer",
                             f"write a whole number in {self.minimum}..{self.maximum}")
        return ctx.error("OC022", s, f"{label} must be an integer in "
                         f"{self.minimum}..{self.maximum}, not {kind_of(s)}")

    def json(self) -> JSON:
        """``integer`` with the range."""
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


def show(label: str | Path) -> str:
    """A label for messages: a field name, or a path tuple joined only when an error needs it."""
    if isinstance(label, str):
        return label
    return ".".join(label) or "the profile"


def mapping(node: YNode, label: str | Path, ctx: Ctx) -> YMap | None:
    """The node as a mapping, or None after reporting OC022/OC026."""
    if isinstance(node, YMap):
        return node
    if isinstance(node, YScalar) and node.value is None:
        ctx.error("OC026", node, f"{show(label)} has no value",
                  "write a mapping (or leave the key out); an empty value never means 'reset'")
    else:
        whole_file = label == ()  # the document itself: never echo a whole file (QUOTE_MAX)
        ctx.error("OC022", node,
                  f"{show(label)} must be a mapping, not {kind_of(node, quote=not whole_file)}")
    return None


#: walk()'s plan for one key: its path in ``ctx.out``, and either the leaf's check
#: (value node, key name, ctx) -> value, or the nested container to walk.
_Route = tuple[Path, Callable[[YNode, str, Ctx], object] | None, Container | None]


class MapSpec(Container):
    """A closed mapping: known keys only (with a "did you mean"), required keys present.

    ``exclusive`` lists keys of which at most one may be set in one mapping;
    merging keeps that true across files (:func:`oomcfg.profile`).
    """

    def __init__(self, what: str, fields: Sequence[Field],
                 exclusive: Sequence[str] = ()) -> None:
        self.what = what
        self.fields = {f.name: f for f in fields}
        self.names = tuple(self.fields)
        self.required = tuple(f.name for f in fields if f.required)
        self.exclusive = tuple(exclusive)
        self.exclusive_set = frozenset(exclusive)
        # path -> field name -> (path + (name,), the leaf's bound check or None, the
        # nested container or None): one lookup per pair in walk(), with the key
        # tuples of ``ctx.out`` made once per place in the schema and shared by
        # every service.
        self._table: dict[Path, dict[str, _Route]] = {}
        # Whether walk() must note which keys are present (required or exclusive keys).
        self._track = bool(self.required) or len(self.exclusive) > 1

    def items(self, node: YNode, label: str | Path,
              ctx: Ctx) -> list[tuple[Field, YScalar, YNode]]:
        """The mapping's known (field, key, value) triples; reports everything else."""
        m = mapping(node, label, ctx)
        if m is None:
            return []
        found: list[tuple[Field, YScalar, YNode]] = []
        fields = self.fields
        for key, value in m.items:
            field = fields.get(key.value) if isinstance(key.value, str) else None
            if field is None:
                self.unknown(key, ctx)
            else:
                found.append((field, key, value))
        if self.required or self.exclusive:
            self._presence(m, {f.name for f, _, _ in found}, label, ctx)
        return found

    def unknown(self, key: YScalar, ctx: Ctx) -> None:
        """OC020 for a key this mapping does not have, with the nearest known one."""
        ctx.error("OC020", key, f"unknown key {key.text!r} in {self.what} "
                  f"(allowed: {', '.join(self.names)})", did_you_mean(key.text, self.names))

    def _presence(self, m: YMap, present: set[str], label: str | Path, ctx: Ctx) -> None:
        for name in self.required:
            if name not in present:
                ctx.error("OC021", m, f"{show(label)} lacks the required key {name!r}")
        both = [name for name in self.exclusive if name in present]
        if len(both) > 1:
            second = next(k for k, _ in reversed(m.items) if k.value in both)
            ctx.error("OC045", second, f"{show(label)} sets both {both[0]!r} and {both[1]!r}",
                      f"set exactly one of {' or '.join(self.exclusive)}")

    def walk(self, node: YNode, path: Path, ctx: Ctx) -> None:
        """Write each leaf under ``path + (key,)``; recurse into nested containers.

        The same checks as :meth:`items` in one pass over the pairs: this runs
        for each of the 18,000 mappings of a 10,000-service profile (P3/P4).
        Each key costs one lookup in :attr:`_table` (its path tuple, made
        once, and its bound check or nested container).
        """
        if type(node) is not YMap:
            self.items(node, (*ctx.where, *path), ctx)  # reports what the node is instead
            return
        table = self._table.get(path)
        if table is None:
            table = self._table[path] = self._routes(path)
        out, file, make = ctx.out, ctx.file, _make
        present: list[str] = []
        track = self._track
        for key, value in node.items:
            name = key.value
            if type(name) is not str or (route := table.get(name)) is None:
                self.unknown(key, ctx)
                continue
            if track:
                present.append(name)
            sub, check, nested = route
            if check is None:
                nested.walk(value, sub, ctx)  # type: ignore[union-attr]
            else:
                out[sub] = (check(value, name, ctx), make(Position, (file, value.line, value.col)))
        if track and (self.required or len(self.exclusive_set.intersection(present)) > 1):
            # only when there is a problem to find
            self._presence(node, set(present), (*ctx.where, *path), ctx)

    def _routes(self, path: Path) -> dict[str, _Route]:
        """What walk() does with each key of this mapping at ``path`` (see ``_table``)."""
        routes: dict[str, _Route] = {}
        for name, field in self.fields.items():
            spec = field.spec
            if isinstance(spec, Spec):
                routes[name] = ((*path, name), spec.check, None)
            else:
                routes[name] = ((*path, name), None, spec)
        return routes

    def values(self, node: YNode, label: str, ctx: Ctx) -> dict[str, object] | None:
        """A nested leaf mapping (``{from_request: .., capacity: ..}``) as a dict, or None."""
        before = len(ctx.diags)
        result = {f.name: f.spec.check(v, f.name, ctx)  # type: ignore[union-attr]
                  for f, _, v in self.items(node, label, ctx)}
        return None if len(ctx.diags) > before else result

    def json(self) -> JSON:
        """A closed ``object`` with per-property descriptions."""
        schema: JSON = {
            "type": "object",
            "properties": {
                f.name: {"description": f.doc, **f.spec.json()} for f in self.fields.values()
            },
            "additionalProperties": False,
        }
        if self.required:
            schema["required"] = list(self.required)
        if self.exclusive:
            schema["not"] = {"required": list(self.exclusive[:2])}
        return schema


#: Characters of a bad name quoted in OC048; the rest is counted, not echoed.
_SHOWN_NAME = 40


class DictSpec(Container):
    """A mapping keyed by user-chosen names (``services:``), each value a :class:`MapSpec`."""

    def __init__(self, what: str, key_pattern: str, key_doc: str, value: MapSpec,
                 max_key_len: int = 255) -> None:
        self.what = what
        self.key_re = re.compile(key_pattern)
        self.key_doc = key_doc
        self.value = value
        self.max_key_len = max_key_len

    def walk(self, node: YNode, path: Path, ctx: Ctx) -> None:
        """Validate each name, then walk its value into its own table.

        Each entry's leaves go to ``ctx.named[path][name]``, keyed by their
        path below the entry (``("memory", "max")``): ``extends:`` merging,
        the merged-profile checks and the model all work per service, so the
        leaves are grouped once, here, instead of regrouped from one flat
        table of long paths (P4).
        """
        where = (*ctx.where, *path)
        m = mapping(node, where, ctx)
        if m is None:
            return
        entries = ctx.named.setdefault(where, {})
        out, ctx_where = ctx.out, ctx.where
        try:
            for key, value in m.items:
                name = key.value
                if not (isinstance(name, str) and len(name) <= self.max_key_len
                        and self.key_re.fullmatch(name)):
                    self._bad_name(key, value, where, ctx)
                    continue
                sub = (*where, name)
                ctx.anchors.setdefault(sub, ctx.pos(key))
                ctx.out = entries.setdefault(name, {})
                ctx.where = sub
                self.value.walk(value, (), ctx)
        finally:
            ctx.out, ctx.where = out, ctx_where

    def _bad_name(self, key: YScalar, value: YNode, path: Path, ctx: Ctx) -> None:
        """OC048, then the body's own problems (checked, but kept out of the profile).

        Every problem in one run: fixing the name must not reveal a second
        round of errors. The body is walked into a scratch context that shares
        only the diagnostics list.
        """
        shown = repr(key.text) if len(key.text) <= _SHOWN_NAME else (
            f"{key.text[:_SHOWN_NAME]!r}... ({len(key.text)} characters)")
        hint = f"allowed: {self.key_doc}, at most {self.max_key_len} characters"
        if not isinstance(key.value, str) and self.key_re.fullmatch(key.text):
            kind = "a boolean" if isinstance(key.value, bool) else (
                "null" if key.value is None else "a number")
            hint = f"YAML reads {key.text} as {kind}; quote it ('{key.text}') to use it as a name"
        ctx.error("OC048", key, f"invalid {self.what} name {shown}", hint)
        scratch = Ctx(ctx.file, ctx.diags, ctx.codes)
        scratch.where = (*path, key.text)
        self.value.walk(value, (), scratch)

    def json(self) -> JSON:
        """``object`` whose property names match the key pattern."""
        return {
            "type": "object",
            "propertyNames": {"pattern": f"^(?:{self.key_re.pattern})$",
                              "maxLength": self.max_key_len},
            "additionalProperties": self.value.json(),
        }
