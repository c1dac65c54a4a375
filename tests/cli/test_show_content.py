"""``otelscope show --content``: captured messages under their spans, from a
store written by the real store exporter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator

from otelscope.store import LocalStoreSpanExporter
from tests.cli.launches import clean_environment, otelscope

TRACE = "5c0a7e1f00000000000000000000c0de"
# 2025-01-02 03:04:05 UTC
T0 = 1_735_787_045_000_000_000
MS = 1_000_000
# What the recorder writes when a value passes its length limit: no longer
# JSON, so shown as it is, wrapped at its last space that fits 80 columns.
CUT_HEAD = '[{"role": "assistant", "parts": [{"type": "text", "content":'
CUT_TAIL = '"Sunny...[truncated 12 characters]'
CUT = f"{CUT_HEAD} {CUT_TAIL}"


class _FixedIds(IdGenerator):
    def __init__(self) -> None:
        self._next_span = 0

    def generate_trace_id(self) -> int:
        return int(TRACE, 16)

    def generate_span_id(self) -> int:
        self._next_span += 1
        return self._next_span


def _parts(role: str, *parts: dict) -> dict:
    return {"role": role, "parts": list(parts)}


def _text(content: str) -> dict:
    return {"type": "text", "content": content}


CALL = {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
QUESTION = _parts("user", _text("Weather in Paris?\x1b[2J"))
AGENT = {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.input.messages": json.dumps([QUESTION]),
    "gen_ai.output.messages": CUT,
}
ROUND = {"gen_ai.operation.name": "react", "gen_ai.react.round": 1}
CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.system_instructions": json.dumps([_text("Be brief.")]),
    "gen_ai.input.messages": json.dumps([QUESTION]),
    "gen_ai.output.messages": json.dumps([_parts("assistant", _text("Looking it up."), CALL)]),
}
TOOL = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.call.arguments": json.dumps({"city": "Paris"}),
    "gen_ai.tool.call.result": "Sunny in Paris",
}


def write_store(directory: Path) -> None:
    """One agent call with one tool round, captured with content."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource({"service.name": "shop"}), id_generator=_FixedIds())
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("tests")

    def start(name, parent, start_ms, attributes):
        context = trace.set_span_in_context(parent) if parent is not None else None
        return tracer.start_span(
            name, context, attributes=attributes, start_time=T0 + start_ms * MS
        )

    agent = start("invoke_agent Friday", None, 0, AGENT)
    step = start("react step", agent, 1, ROUND)
    chat = start("chat gpt-4o", step, 2, CHAT)
    chat.end(end_time=T0 + 12 * MS)
    tool = start("execute_tool get_weather", step, 13, TOOL)
    tool.end(end_time=T0 + 38 * MS)
    step.end(end_time=T0 + 40 * MS)
    agent.end(end_time=T0 + 50 * MS)
    provider.shutdown()
    LocalStoreSpanExporter(directory).export(memory.get_finished_spans())


TREE = f"""\
trace {TRACE}  2025-01-02 03:04:05.000 UTC  service=shop  cost=unknown
invoke_agent Friday  50.0 ms  [cost=unknown]
│  input:
│    user: Weather in Paris?\\x1b[2J
│  output: {CUT_HEAD}
│    {CUT_TAIL}
└── react step #1  39.0 ms
    ├── chat gpt-4o  10.0 ms  [cost=unknown]
    │      system: Be brief.
    │      input:
    │        user: Weather in Paris?\\x1b[2J
    │      output:
    │        assistant:
    │          Looking it up.
    │          tool_call get_weather (call_1): {{"city": "Paris"}}
    └── execute_tool get_weather  25.0 ms
           arguments: {{"city": "Paris"}}
           result: Sunny in Paris
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_store(tmp_path / ".otelscope")
    return tmp_path


def test_content_prints_messages_arguments_and_results_under_their_spans(store: Path) -> None:
    result = otelscope(
        "show", "--content", TRACE[:6], cwd=store, env=clean_environment(COLUMNS="80")
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, TREE, "")


def test_without_content_the_tree_has_the_spans_alone(store: Path) -> None:
    result = otelscope("show", TRACE, cwd=store, env=clean_environment(COLUMNS="80"))
    assert result.stdout == (
        f"trace {TRACE}  2025-01-02 03:04:05.000 UTC  service=shop  cost=unknown\n"
        "invoke_agent Friday  50.0 ms  [cost=unknown]\n"
        "└── react step #1  39.0 ms\n"
        "    ├── chat gpt-4o  10.0 ms  [cost=unknown]\n"
        "    └── execute_tool get_weather  25.0 ms\n"
    )


def test_the_page_of_the_same_trace_lays_its_content_out(store: Path) -> None:
    result = otelscope("show", "--html", "page.html", TRACE, cwd=store)
    page = (store / "page.html").read_text(encoding="utf-8")
    assert result.stdout == f"wrote page.html (trace {TRACE}, 4 spans)\n"
    assert '"label":"react step #1"' in page
    assert (
        '"title":"result","messages":[{"role":null,"parts":[{"kind":"text","label":"",'
        '"text":"Sunny in Paris"}]}]'
    ) in page
