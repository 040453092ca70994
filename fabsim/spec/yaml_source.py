"""Reading YAML safely while remembering where every key was written.

PyYAML's safe loader builds the data; its node tree gives each key's line so
that any later problem can name ``FILE:LINE``. Duplicate keys (which YAML
silently resolves to the last one) are rejected; merge keys (``<<: *base``)
work as YAML defines them, the keys written beside them taking precedence.

Limits that protect the machine from a bad or hostile file, each refused with
a message naming the file and, where there is one, the line:

- :data:`MAX_FILE_BYTES` (5 MB): larger files are refused before parsing;
- :data:`MAX_NODES` (100,000): the most YAML values a spec may hold, counted
  while parsing (so a huge file stops early) and again once aliases are
  followed (so "billion laughs" anchor bombs never expand);
- :data:`MAX_DEPTH` (50): the deepest nesting of mappings and lists, also
  counted through aliases; a real spec nests about 6 levels deep;
- aliases that refer to themselves (recursive anchors) are refused;
- control characters and invalid UTF-8 mark a file that is not text.

YAML 1.1 quirks a planner would not expect are switched off: dates and
base-60 numbers are read as text (``line: 2024-05-01`` is a name, ``1:30``
is not the number 90). Tags that would build Python objects are refused (this
is PyYAML's safe loader), and a tag that cannot read its value (``!!int x``)
is a located YAML error, as are syntax errors, described in a planner's words
where PyYAML's have a usual cause (tabs, unclosed brackets and quotes,
indentation).

Example:
    >>> data, lines = read_yaml_text("a:\\n  b: 1\\n", "x.yaml")
    >>> lines[("a", "b")]
    2
"""

from __future__ import annotations

import pickle
import re

import yaml

from fabsim.spec.errors import Problem, SpecError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Spec files larger than this are refused before parsing (a line is a few kB)."""

MAX_NODES = 100_000
"""Most YAML nodes a spec may hold, counted as written and once aliases are followed."""

MAX_DEPTH = 50
"""Deepest nesting of mappings and lists (a spec needs about 6 levels)."""

Lines = dict[tuple, int]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"


def _planner_resolvers() -> dict:
    # YAML 1.1 reads 2024-05-01 as a date and 1:30 as the number 90 (base 60);
    # a planner means text in both cases.
    resolvers: dict = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = []
        for tag, pattern in entries:
            if tag == _TIMESTAMP:
                continue
            if tag in (_INT, _FLOAT):
                pattern = re.compile(r"(?!.*:)" + pattern.pattern, pattern.flags)
            kept.append((tag, pattern))
        resolvers[first] = kept
    return resolvers


class _SpecLoader(yaml.SafeLoader):
    """The safe loader, dates and 1:30 read as text, counting nodes and depth as it composes."""

    yaml_implicit_resolvers = _planner_resolvers()

    def __init__(self, text: str, source: str):
        self.spec_source = source
        self.node_count = 0
        self.depth = 0
        super().__init__(text)

    def compose_node(self, parent, index):
        line = self.peek_event().start_mark.line + 1
        self.node_count += 1
        if self.node_count > MAX_NODES:
            raise SpecError(
                [
                    Problem(
                        self.spec_source,
                        line,
                        "",
                        f"more than {MAX_NODES:,} YAML values; a spec has a few hundred",
                    )
                ]
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise SpecError([_too_deep(self.spec_source, line)])
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node, deep=False):
        # An explicit tag can send any text to a constructor (`!!int x`,
        # `!!timestamp 2020-13-45`); what it raises becomes a located YAML error.
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, SpecError, RecursionError):
            raise
        except Exception:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            shown = node.value if isinstance(node.value, str) else node.id
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shown!r} as {tag}", node.start_mark
            ) from None


def read_yaml_file_text(path: str) -> tuple[object, Lines, str]:
    """Read a spec file: its data, lines and the text read (what a saved run keeps).

    Raises :class:`SpecError` naming the file on any problem.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SpecError([Problem(path, None, "", "no such file")]) from None
    except IsADirectoryError:
        raise SpecError([Problem(path, None, "", "is a directory, not a spec file")]) from None
    except OSError as error:
        reason = error.strerror or "not readable"
        raise SpecError([Problem(path, None, "", f"cannot read: {reason}")]) from None
    except ValueError:  # e.g. a NUL character in the path
        raise SpecError([Problem(repr(path), None, "", "not a valid file name")]) from None
    if len(raw) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise SpecError(
            [
                Problem(
                    path,
                    None,
                    "",
                    f"file is larger than {limit} MB; a spec file is a few kB of YAML",
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SpecError(
            [
                Problem(
                    path, line, "", f"not a text file: byte 0x{raw[error.start]:02x} is not UTF-8"
                )
            ]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SpecError([Problem(path, line, "", "not a text file: it contains a NUL byte")])
    data, lines = read_yaml_text(text, path)
    return data, lines, text


def read_yaml_text(text: str, source: str) -> tuple[object, Lines]:
    """Parse YAML text; return the data and a map from key path to 1-based line.

    The caller owns what it gets (a fresh copy each time): a sweep builds
    each point from the same text, and PyYAML's pure-Python parser took a
    tenth of a 100-point sweep, so the last texts parsed are kept, pickled.
    """
    key = (text, source)
    if key in _parsed:
        return pickle.loads(_parsed[key])
    try:
        result = _parse(text, source)
    except yaml.MarkedYAMLError as error:
        raise SpecError([_syntax_problem(error, source)]) from None
    except yaml.YAMLError as error:
        raise SpecError([Problem(source, None, "", f"YAML error: {error}")]) from None
    if result is None:
        raise SpecError(
            [
                Problem(
                    source, 1, "", "the file is empty; a spec needs 'line', 'product' and 'steps'"
                )
            ]
        )
    if len(_parsed) >= 4:
        _parsed.pop(next(iter(_parsed)))
    _parsed[key] = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
    return result


_parsed: dict[tuple[str, str], bytes] = {}  # (text, source) -> pickled (data, lines)


def read_yaml_value(text: str, source: str) -> object:
    """Parse one YAML value (a ``--set`` value) under the same limits as a file.

    Raises :class:`SpecError` when a limit is broken and ``yaml.YAMLError``
    when the text is not YAML (the caller may then take it as plain text).
    An empty text is ``None``, as in YAML.
    """
    result = _parse(text, source)
    return None if result is None else result[0]


def _parse(text: str, source: str) -> tuple[object, Lines] | None:
    # Raises SpecError for broken limits and yaml.YAMLError for bad syntax.
    try:
        loader = _SpecLoader(text, source)
    except yaml.reader.ReaderError as error:
        raise SpecError([_bad_character(text, error, source)]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, source)
        lines: Lines = {(): node.start_mark.line + 1}
        _collect_lines(loader, node, (), lines, source)
        data = loader.construct_document(node)
    except yaml.reader.ReaderError as error:
        raise SpecError([_bad_character(text, error, source)]) from None
    except RecursionError:
        raise SpecError([_too_deep(source, None)]) from None
    finally:
        loader.dispose()
    return data, lines


def _syntax_problem(error: yaml.MarkedYAMLError, source: str) -> Problem:
    """PyYAML's complaint, in a planner's words where it has a usual cause."""
    problem, context = error.problem or "", error.context or ""
    mark = error.problem_mark or error.context_mark
    reason = problem or context or "not valid YAML"
    opened = {"flow mapping": ("{", "}"), "flow sequence": ("[", "]")}
    kind = context.removeprefix("while parsing a ")
    if "'\\t'" in problem:  # PyYAML shows the tab as '\t'
        reason = "a tab character; indent with spaces"
    elif kind in opened and error.context_mark:
        mark = error.context_mark
        start, end = opened[kind]
        reason = f"the {start!r} opened on this line is not closed (expected ',' or {end!r})"
    elif context == "while scanning a quoted scalar" and error.context_mark:
        mark = error.context_mark
        reason = "the quote opened on this line is not closed"
    elif problem.startswith("expected <block end>"):
        reason = "this line is not indented like the lines above it"
    elif problem == "mapping values are not allowed here":
        reason = "a ':' where none may be (check the indentation, or quote a text with ': ')"
    elif problem == "but found another document":
        reason = "a second document ('---'); a spec file holds one"
    elif problem.startswith("found undefined alias "):
        name = problem.removeprefix("found undefined alias ").strip("'")
        reason = f"the alias *{name} refers to no anchor &{name} above it"
    elif problem.startswith("could not determine a constructor for the tag"):
        tag = problem.rsplit(" ", 1)[-1].replace("tag:yaml.org,2002:", "!!")
        reason = f"the tag {tag} is not allowed in a spec"
    line = mark.line + 1 if mark else None
    return Problem(source, line, "", f"YAML syntax error: {reason}")


def _bad_character(text: str, error: yaml.reader.ReaderError, source: str) -> Problem:
    position = error.position if isinstance(error.position, int) else 0
    line = text[:position].count("\n") + 1
    return Problem(
        source,
        line,
        "",
        f"not a text file: character U+{error.character:04X} is not allowed in YAML",
    )


def _too_deep(source: str, line: int | None) -> Problem:
    return Problem(
        source,
        line,
        "",
        f"nested more than {MAX_DEPTH} levels deep; a spec needs about 6",
    )


def _check_size(root: yaml.Node, source: str) -> None:
    # Aliases let a few lines expand to billions of nodes ("billion laughs")
    # or to deep nesting; measure the expansion without building it. The
    # recursion itself stays within MAX_DEPTH levels.
    measured: dict[int, tuple[int, int]] = {}  # node id -> (expanded size, height)
    active: set[int] = set()

    def fail(node: yaml.Node, message: str):
        return SpecError([Problem(source, node.start_mark.line + 1, "", message)])

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in active:
            raise fail(node, "an alias refers to itself (recursive YAML anchor)")
        if depth > MAX_DEPTH:
            raise SpecError([_too_deep(source, node.start_mark.line + 1)])
        if key not in measured:
            active.add(key)
            if isinstance(node, yaml.MappingNode):
                children = [child for pair in node.value for child in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            else:
                children = []
            size, height = 1, 1
            for child in children:
                child_size, child_height = measure(child, depth + 1)
                size += child_size
                height = max(height, child_height + 1)
                if size > MAX_NODES:
                    raise fail(
                        node,
                        f"YAML expands to more than {MAX_NODES:,} nodes "
                        "(anchors and aliases nested too deeply)",
                    )
            active.discard(key)
            measured[key] = (size, height)
        size, height = measured[key]
        if depth + height - 1 > MAX_DEPTH:
            raise SpecError([_too_deep(source, node.start_mark.line + 1)])
        return size, height

    measure(root, 1)


def _collect_lines(loader, node, path: tuple, lines: Lines, source: str) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, line, value_node in _entries(loader, node, path, source):
            lines[(*path, key)] = line
            _collect_lines(loader, value_node, (*path, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            lines[(*path, index)] = child.start_mark.line + 1
            _collect_lines(loader, child, (*path, index), lines, source)


def _entries(loader, node: yaml.MappingNode, path: tuple, source: str) -> list[tuple]:
    """The (key, line, value node) of a mapping, merge keys (``<<``) resolved.

    Keys written in the mapping come first and may not repeat; merged keys
    fill in the rest, earlier merges before later ones, as YAML defines.
    """
    written: dict = {}
    entries: list[tuple] = []
    merged: list[yaml.Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            if isinstance(value_node, yaml.SequenceNode):
                merged.extend(value_node.value)
            else:
                merged.append(value_node)
            continue
        key = _key(loader, key_node, path, source)
        line = key_node.start_mark.line + 1
        if key in written:
            raise SpecError(
                [
                    Problem(
                        source,
                        line,
                        _dotted((*path, key)),
                        f"duplicate key (first written on line {written[key]})",
                    )
                ]
            )
        written[key] = line
        entries.append((key, line, value_node))
    for base in merged:
        if not isinstance(base, yaml.MappingNode):
            continue  # the constructor reports this as a YAML error
        for key, line, value_node in _entries(loader, base, path, source):
            if key not in written:
                written[key] = line
                entries.append((key, line, value_node))
    return entries


def _key(loader, key_node: yaml.Node, path: tuple, source: str) -> object:
    if key_node.tag == _VALUE:  # a bare '=' key: YAML's 'value' tag, read as text
        return key_node.value
    key = loader.construct_object(key_node, deep=True)
    if key is None or not isinstance(key, str | int | float | bool):
        raise SpecError(
            [
                Problem(
                    source,
                    key_node.start_mark.line + 1,
                    _dotted(path),
                    "keys must be plain names",
                )
            ]
        )
    return key


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path)
