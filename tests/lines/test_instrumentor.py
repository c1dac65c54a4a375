"""``AgentScopeInstrumentor`` on both AgentScope lines: the entry point that
``opentelemetry-instrument`` loads. Its life cycle on each line (instrumenting
twice, exact restoration, suppression) is in ``tests/v1`` and ``tests/v2``'s
``test_instrumentor.py``."""

from __future__ import annotations

from importlib import metadata

from otelscope import AgentScopeInstrumentor


def test_the_entry_point_names_the_instrumentor() -> None:
    found = [
        ep
        for ep in metadata.entry_points(group="opentelemetry_instrumentor")
        if ep.name == "agentscope"
    ]
    assert [(ep.value, ep.dist.name if ep.dist else None) for ep in found] == [
        ("otelscope:AgentScopeInstrumentor", "otelscope")
    ]
    assert found[0].load() is AgentScopeInstrumentor
