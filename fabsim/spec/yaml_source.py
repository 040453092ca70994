"""Reading YAML safely while remembering where every key was written.

PyYAML's safe loader builds the data; its node tree gives each key's line so
that any later problem can name ``FILE:LINE``. Duplicate keys (which YAML
silently resolves to the last one) and alias bombs are rejected here.

Example:
    >>> data, lines = read_yaml_text("a:\\n  b: 1\\n", "x.yaml")
    >>> lines[("a", "b")]
    2
"""

from __future__ import annotations

import yaml

from fabsim.spec.errors import Problem, SpecError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Spec files larger than this are refused before parsing (a line is a few kB)."""

MAX_NODES = 100_000
"""Most YAML nodes a spec may expand to once aliases are followed."""

Lines = dict[tuple, int]


def read_yaml_file(path: str) -> tuple[object, Lines]:
    """Read a spec file; raise :class:`SpecError` naming the file on any problem."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SpecError([Problem(path, None, "", "no such file")]) from None
    except IsADirectoryError:
        raise SpecError([Problem(path, None, "", "is a directory, not a spec file")]) from None
    except OSError as error:
        raise SpecError([Problem(path, None, "", f"cannot read: {error.strerror}")]) from None
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
    return read_yaml_text(text, path)


def read_yaml_text(text: str, source: str) -> tuple[object, Lines]:
    """Parse YAML text; return the data and a map from key path to 1-based line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(
                [
                    Problem(
                        source,
                        1,
                        "",
                        "the file is empty; a spec needs 'line', 'product' and 'steps'",
                    )
                ]
            )
        _check_size(node, source)
        data = loader.construct_document(node)
        lines: Lines = {(): node.start_mark.line + 1}
        _collect_lines(loader, node, (), lines, source)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        reason = error.problem or error.context or "not valid YAML"
        raise SpecError([Problem(source, line, "", f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as error:
        raise SpecError([Problem(source, None, "", f"YAML error: {error}")]) from None
    except RecursionError:
        raise SpecError([Problem(source, None, "", "YAML nesting is too deep")]) from None
    finally:
        loader.dispose()
    return data, lines


def _check_size(root: yaml.Node, source: str) -> None:
    # Aliases let a few lines expand to billions of nodes ("billion laughs");
    # count the expansion without building it.
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise SpecError(
                [
                    Problem(
                        source,
                        node.start_mark.line + 1,
                        "",
                        "an alias refers to itself (recursive YAML anchor)",
                    )
                ]
            )
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                total += size(key_node) + size(value_node)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
        active.discard(key)
        if total > MAX_NODES:
            raise SpecError(
                [
                    Problem(
                        source,
                        node.start_mark.line + 1,
                        "",
                        f"YAML expands to more than {MAX_NODES:,} nodes "
                        "(anchors and aliases nested too deeply)",
                    )
                ]
            )
        sizes[key] = total
        return total

    size(root)


def _collect_lines(loader, node, path: tuple, lines: Lines, source: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
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
            line = key_node.start_mark.line + 1
            if key in seen:
                raise SpecError(
                    [
                        Problem(
                            source,
                            line,
                            _dotted((*path, key)),
                            f"duplicate key (first written on line {seen[key]})",
                        )
                    ]
                )
            seen[key] = line
            lines[(*path, key)] = line
            _collect_lines(loader, value_node, (*path, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            lines[(*path, index)] = child.start_mark.line + 1
            _collect_lines(loader, child, (*path, index), lines, source)


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path)
