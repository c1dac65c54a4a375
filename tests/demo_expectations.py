"""What the offline demo must show on either AgentScope line."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan

from otelscope.demo.render import render_traces
from tests.spantree import build_trees

ANSWERS = [
    "It is sunny in Paris and Rome.",
    "It is sunny in Tokyo.",
    "It is sunny in Lima and Oslo.",
    "It is sunny in Cairo.",
]


def assert_demo_traces(answers: list[str], spans: Sequence[ReadableSpan]) -> list[str]:
    """One exact trace per question; returns the root span names."""
    assert answers == ANSWERS
    roots = build_trees(spans)
    calls = sorted(
        tuple(t.attributes["gen_ai.tool.call.id"] for t in root.find("execute_tool get_weather"))
        for root in roots
    )
    assert calls == [("Cairo-1",), ("Lima-1", "Oslo-2"), ("Paris-1", "Rome-2"), ("Tokyo-1",)]
    for root in roots:
        rounds = root.children
        numbers = [r.attributes["gen_ai.react.round"] for r in rounds]
        assert numbers == list(range(1, len(rounds) + 1))
        assert rounds[-1].attributes["gen_ai.react.finish_reason"] == "stop"
    text = render_traces(spans)
    assert text.count("trace ") == 4
    assert "[round=1, finish=tool_calls]" in text
    return sorted(root.name for root in roots)
