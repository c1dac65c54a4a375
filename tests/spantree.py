"""Turning exported spans into trees that a test compares exactly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode


@dataclass
class Node:
    span: ReadableSpan
    children: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.span.name

    @property
    def attributes(self) -> dict[str, Any]:
        return {k: _plain(v) for k, v in (self.span.attributes or {}).items()}

    @property
    def status(self) -> StatusCode:
        return self.span.status.status_code

    def shape(self) -> tuple[str, list[Any]]:
        """(name, [child shapes]) with children in start order."""
        return (self.name, [child.shape() for child in self.children])

    def find(self, name: str) -> list[Node]:
        found = [self] if self.name == name else []
        for child in self.children:
            found.extend(child.find(name))
        return found

    def walk(self) -> Iterable[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def build_trees(spans: Sequence[ReadableSpan]) -> list[Node]:
    """One root node per trace, children ordered by start time.

    Fails if a span's parent is missing from the export (an orphan), or if a
    trace has more than one root.
    """
    nodes = {span.context.span_id: Node(span) for span in spans}
    roots: list[Node] = []
    children: dict[int, list[Node]] = defaultdict(list)
    for node in nodes.values():
        parent = node.span.parent
        if parent is None:
            roots.append(node)
            continue
        assert parent.span_id in nodes, f"span {node.name!r} has a parent that was never exported"
        assert parent.trace_id == node.span.context.trace_id
        children[parent.span_id].append(node)
    for span_id, kids in children.items():
        nodes[span_id].children = sorted(kids, key=lambda n: n.span.start_time or 0)
    trace_ids = [root.span.context.trace_id for root in roots]
    assert len(trace_ids) == len(set(trace_ids)), "a trace has more than one root"
    return sorted(roots, key=lambda n: n.span.start_time or 0)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
