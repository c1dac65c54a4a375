"""Span trees as nested (name, [children]) tuples, whatever form the spans arrived in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from otelscope.store import SpanRecord

# The one agent call of tests/cli/apps/weather_app.py, on either AgentScope line.
WEATHER_TREE = (
    "invoke_agent Forecaster",
    [
        ("react step", [("chat weather-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat weather-model", [])]),
    ],
)


class Node(NamedTuple):
    span_id: str
    parent_id: str | None  # None for a root
    start: int | str  # anything that orders siblings by their start
    name: str


def tree(nodes: Iterable[Node]) -> list[tuple]:
    """Every root as (name, [children]), children in start order."""
    children: dict[str | None, list[Node]] = defaultdict(list)
    for node in sorted(nodes, key=lambda node: node.start):
        children[node.parent_id].append(node)

    def shape(node: Node) -> tuple:
        return (node.name, [shape(child) for child in children[node.span_id]])

    return [shape(root) for root in children[None]]


def shapes(spans: Iterable[SpanRecord]) -> list[tuple]:
    return tree(
        Node(span.span_id, span.parent_span_id, span.start_unix_nano, span.name) for span in spans
    )
