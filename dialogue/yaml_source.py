"""Parse YAML while remembering where every node came from (for error messages and lint).

Two deliberate departures from PyYAML's defaults:

* Booleans follow YAML 1.2: only ``true``/``false``. Under YAML 1.1 the keys ``yes:``/``no:`` of a
  branch, and ``knockout: no``, would silently become Python booleans.
* Duplicate mapping keys are reported instead of the last one silently winning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Loc = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class YamlSyntaxError(ValueError):
    """The text is not well-formed YAML; ``line`` is 1-based (None if unknown)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class SourceMap:
    """Line numbers (1-based) of every node, keyed by its path from the document root."""

    lines: dict[Loc, int] = field(default_factory=dict)
    duplicates: list[tuple[Loc, int]] = field(default_factory=list)

    def line_of(self, loc: Loc) -> int | None:
        """Line of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while True:
            if loc in self.lines:
                return self.lines[loc]
            if not loc:
                return None
            loc = loc[:-1]


def parse(text: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data plus its :class:`SourceMap`."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(problem, mark.line + 1 if mark else None) from exc
    finally:
        loader.dispose()
    source = SourceMap()
    if node is not None:
        _walk(node, (), source)
    return data, source


def _walk(node: yaml.Node, loc: Loc, source: SourceMap) -> None:
    source.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*loc, key)
            if key in seen:
                source.duplicates.append((child, key_node.start_mark.line + 1))
                continue
            seen.add(key)
            # A mapping entry points at its key's line: that is where an author looks for it.
            source.lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), source)
