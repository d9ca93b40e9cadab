"""What a query selects below the current field, so loads happen once per list, not per field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
)

from harbour_gateway.context import Info


def selected(info: Info, *path: str) -> set[str]:
    """The field names selected at `path` below the resolving field, through any fragments.

    Directives are ignored, so a field under `@skip` counts as selected: at worst a load that
    was not needed, never a field without its data.
    """
    raw = info._raw_info
    nodes: list[FieldNode] = list(raw.field_nodes)
    for name in path:
        nodes = [f for f in _children(nodes, raw.fragments) if f.name.value == name]
    return {f.name.value for f in _children(nodes, raw.fragments)}


def _children(
    nodes: Iterable[FieldNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    for node in nodes:
        if node.selection_set is not None:
            yield from _flatten(node.selection_set.selections, fragments)


def _flatten(
    selections: Iterable[SelectionNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    for selection in selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _flatten(selection.selection_set.selections, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:  # validation refuses unknown fragments before this
                yield from _flatten(fragment.selection_set.selections, fragments)
