"""The bare-SDK floors: one call's telemetry made again by a loop that does nothing else.

A probe call's spans become a tree (``shape_of``): name, kind, attributes and children in start
order. ``replay`` makes it with ``Tracer.start_as_current_span``, each span current while its
children are made, every attribute passed at start: on a recording provider the span floor, on
an ``ALWAYS_OFF`` one the sampled-out floor (the same spans, non-recording). The telemetry floor
adds the call's histogram points, read back through the public ``InMemoryMetricReader`` (name,
unit, boundaries, attributes, count and sum, the difference of two reads around the call) and
recorded as often, with the same attributes, on histograms made alike on the same
``MeterProvider`` (meter ``bench-floor``), while the call's root span is current: a sampled span,
as otelscope records each point with its operation's span, so the SDK's trace-based exemplar
filter offers every point to its reservoir in both. Only histograms are replayed: otelscope
records no other kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # The driver uses this module without the SDK.
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import Tracer

FLOOR_METER = "bench-floor"
# A span as JSON: [name, kind, attributes, children]. A metric point as JSON:
# [name, unit, bucket boundaries, attributes, mean value, count].
Shape = list[Any]
Record = Callable[..., None]


def shape_of(spans: Sequence[ReadableSpan]) -> Shape:
    """The tree of one call's spans: its roots, each child list in start order."""
    ordered = sorted(spans, key=lambda span: span.start_time or 0)
    # JSON will turn the attributes' tuples into lists.
    nodes = {
        s.context.span_id: [s.name, s.kind.value, dict(s.attributes or {}), []] for s in ordered
    }
    roots: Shape = []
    for span in ordered:
        parent = nodes.get(span.parent.span_id) if span.parent else None
        (roots if parent is None else parent[3]).append(nodes[span.context.span_id])
    return roots


def count(shape: Shape) -> int:
    return sum(1 + count(node[3]) for node in shape)


def outline(shape: Shape) -> list[Any]:
    """Names, kinds and nesting only: what two configurations' spans must share."""
    return [[node[0], node[1], outline(node[3])] for node in shape]


def walk(shape: Shape) -> list[list[Any]]:
    return [found for node in shape for found in (node, *walk(node[3]))]


def points_of(reader: InMemoryMetricReader | None) -> dict[str, tuple[int, float]]:
    """Count and sum of every histogram point the reader holds (cumulative), by key."""
    from opentelemetry.sdk.metrics.export import Histogram

    data = reader.get_metrics_data() if reader is not None else None
    found: dict[str, tuple[int, float]] = {}
    for resource in data.resource_metrics if data is not None else ():
        for scope in resource.scope_metrics:
            if scope.scope.name == FLOOR_METER:
                continue
            for metric in scope.metrics:
                if not isinstance(metric.data, Histogram):
                    continue
                for point in metric.data.data_points:
                    attributes = sorted((point.attributes or {}).items())
                    bounds = list(point.explicit_bounds)
                    key = json.dumps([metric.name, metric.unit, bounds, attributes])
                    found[key] = (point.count, point.sum)
    return found


def new_points(
    before: dict[str, tuple[int, float]], after: dict[str, tuple[int, float]]
) -> list[list[Any]]:
    """The points recorded between two reads, as JSON-ready lists."""
    points = []
    for key, (total_count, total) in sorted(after.items()):
        old_count, old_total = before.get(key, (0, 0.0))
        if total_count > old_count:
            name, unit, bounds, attributes = json.loads(key)
            recorded = total_count - old_count
            mean = (total - old_total) / recorded
            points.append([name, unit, bounds, dict(attributes), mean, recorded])
    return points


def prepare(shape: Shape, points: Sequence[Any], histogram: Callable[..., Record]) -> list[Any]:
    """What ``replay`` runs: spans as (name, kind, attributes, children, records), the points
    bound to ``histogram(name, unit, boundaries)``'s ``record`` and put on the first root."""
    roots = [_prepared(node) for node in shape]
    records = [
        (histogram(name, unit, bounds), value, tuples(attributes))
        for name, unit, bounds, attributes, value, recorded in points
        for _ in range(recorded)
    ]
    if records:
        roots[0] = (*roots[0][:4], records)
    return roots


def _prepared(node: list[Any]) -> tuple[Any, ...]:
    from opentelemetry.trace import SpanKind

    name, kind, attributes, children = node
    return (name, SpanKind(kind), tuples(attributes), [_prepared(c) for c in children], ())


def tuples(attributes: dict[str, Any]) -> dict[str, Any]:
    # JSON turned the sequences the instrumentation set into lists; the SDK keeps tuples.
    return {key: tuple(v) if isinstance(v, list) else v for key, v in attributes.items()}


def replay(tracer: Tracer, nodes: Sequence[Any]) -> None:
    for name, kind, attributes, children, records in nodes:
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes):
            if children:
                replay(tracer, children)
            for record, value, point_attributes in records:
                record(value, point_attributes)
