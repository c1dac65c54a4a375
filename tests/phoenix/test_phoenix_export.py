"""``otelscope demo`` exported to Arize Phoenix by setting OTEL_EXPORTER_OTLP_ENDPOINT,
then read back through Phoenix's REST API.

A real Phoenix server starts on loopback for this module; if it cannot start,
the tests fail with its log. The demo runs once per AgentScope line, with
``--local-store`` so that the run also keeps its own copy of what it exported:
Phoenix must hold exactly those spans. The weather traces are then checked
against the demo's script, and every other trace (the multi-agent
conversation) must be one intact tree.
"""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from otelscope.demo import script
from otelscope.store import SpanRecord, read_store
from tests.phoenix.api import PhoenixSpan, wait_for_spans
from tests.phoenix.server import REPO_ROOT, PhoenixServer

LINES = ["as1", "as2"]
DEMO_TIMEOUT_S = 300.0
ARRIVAL_TIMEOUT_S = 60.0
# Phoenix stores times in microseconds and returns them through a float.
TIME_TOLERANCE_NS = 2_000
REACT_STEP = "react step"


@dataclass
class DemoRun:
    exported: list[SpanRecord]
    received: list[PhoenixSpan]


@dataclass
class Tree:
    span: PhoenixSpan
    children: list[Tree] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.span.name

    def attribute(self, key: str) -> object:
        return self.span.attributes[key]


@dataclass(frozen=True, order=True)
class Round:
    """One ReAct round as the trace shows it: its children and tool call ids in order."""

    number: int
    finish_reason: str
    children: tuple[str, ...]
    call_ids: tuple[str, ...]


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhoenixServer]:
    server = PhoenixServer(tmp_path_factory.mktemp("phoenix"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=LINES)
def demo_run(
    request: pytest.FixtureRequest, phoenix: PhoenixServer, tmp_path_factory: pytest.TempPathFactory
) -> DemoRun:
    line = request.param
    workdir = tmp_path_factory.mktemp(f"demo-{line}")
    store = workdir / "store"
    run_demo(line, phoenix.url, workdir, store)
    contents = read_store(store)
    assert contents.problems == []
    exported = contents.spans
    assert exported, "the demo stored no spans"
    trace_ids = {span.trace_id for span in exported}
    received = wait_for_spans(phoenix.url, trace_ids, len(exported), ARRIVAL_TIMEOUT_S)
    return DemoRun(exported, received)


def run_demo(line: str, endpoint: str, workdir: Path, store: Path) -> None:
    """``otelscope demo`` of one venv, told only the endpoint to export to."""
    command = REPO_ROOT / ".venv" / line / "bin" / "otelscope"
    assert command.exists(), f"{command} is missing: run `make .venv/{line}/.installed`"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OTEL_", "OTELSCOPE_"))
    }
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    result = subprocess.run(
        [str(command), "demo", "--local-store", "--store", str(store)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, f"otelscope demo failed:\n{result.stdout}\n{result.stderr}"


def test_phoenix_holds_exactly_the_exported_spans(demo_run: DemoRun) -> None:
    received = {span.span_id: span for span in demo_run.received}
    assert len(received) == len(demo_run.received), "Phoenix returned a span twice"
    assert sorted(received) == sorted(span.span_id for span in demo_run.exported)
    for sent in demo_run.exported:
        got = received[sent.span_id]
        assert (got.trace_id, got.parent_span_id, got.name, got.status_code) == (
            sent.trace_id,
            sent.parent_span_id,
            sent.name,
            sent.status_code,
        )
        assert abs(got.start_unix_nano - sent.start_unix_nano) <= TIME_TOLERANCE_NS
        assert abs(got.end_unix_nano - sent.end_unix_nano) <= TIME_TOLERANCE_NS
        # Phoenix adds attributes of its own (OpenInference's); every exported one is kept.
        kept = {key: got.attributes.get(key, "<missing>") for key in sent.attributes}
        assert kept == sent.attributes, sent.name


def test_every_trace_is_one_tree_whose_parents_all_resolve(demo_run: DemoRun) -> None:
    roots = build_trees(demo_run.received)
    assert len(roots) == len({span.trace_id for span in demo_run.received})
    # The demo indexes its travel notes in a trace of their own before the conversation.
    root_operations = {"index_documents", "invoke_agent", "invoke_workflow"}
    assert {root.name.split(" ")[0] for root in roots} <= root_operations
    assert "index_documents" in {root.name.split(" ")[0] for root in roots}


def test_weather_traces_follow_the_demo_script(demo_run: DemoRun) -> None:
    weather = weather_trees(demo_run.received)
    assert len(weather) == len(script.QUESTIONS)
    model = single_value(root.attribute("gen_ai.request.model") for root in weather)
    expected = sorted(scripted_rounds(call, model) for call in script.scripts())
    assert sorted(rounds_of(root) for root in weather) == expected


def test_phoenix_reads_agent_model_and_tool_spans_with_their_tokens(demo_run: DemoRun) -> None:
    for root in weather_trees(demo_run.received):
        # Phoenix's own reading of the GenAI spans (OpenInference span kinds).
        assert root.attribute("openinference.span.kind") == "AGENT"
        for step in root.children:
            for child in step.children:
                kind = "LLM" if child.name.startswith("chat ") else "TOOL"
                assert child.attribute("openinference.span.kind") == kind
            chat = step.children[0]
            assert chat.name.startswith("chat ")
            tokens = chat_tokens(chat)
            assert all(count > 0 for count in tokens)
            assert (
                chat.attribute("llm.token_count.prompt"),
                chat.attribute("llm.token_count.completion"),
                chat.attribute("llm.token_count.total"),
            ) == (tokens[0], tokens[1], sum(tokens))
            assert usage_of(step) == tokens
        assert usage_of(root) == tuple(
            sum(column) for column in zip(*(usage_of(step) for step in root.children), strict=True)
        )


def build_trees(spans: list[PhoenixSpan]) -> list[Tree]:
    """One tree per trace, children in start order; fails on an orphan or a second root."""
    nodes = {span.span_id: Tree(span) for span in spans}
    roots: dict[str, Tree] = {}
    children: dict[str, list[Tree]] = defaultdict(list)
    for node in nodes.values():
        parent = node.span.parent_span_id
        if parent is None:
            assert node.span.trace_id not in roots, f"trace {node.span.trace_id} has two roots"
            roots[node.span.trace_id] = node
            continue
        assert parent in nodes, f"{node.name!r} has a parent Phoenix does not hold"
        assert nodes[parent].span.trace_id == node.span.trace_id
        children[parent].append(node)
    for parent, kids in children.items():
        nodes[parent].children = sorted(kids, key=lambda kid: kid.span.start_unix_nano)
    return sorted(roots.values(), key=lambda root: root.span.start_unix_nano)


def weather_trees(spans: list[PhoenixSpan]) -> list[Tree]:
    """The traces of the weather questions: the ones an agent call starts."""
    return [root for root in build_trees(spans) if root.name.startswith("invoke_agent ")]


def rounds_of(root: Tree) -> tuple[Round, ...]:
    assert {step.name for step in root.children} == {REACT_STEP}
    return tuple(
        Round(
            number=step.attribute("gen_ai.react.round"),
            finish_reason=step.attribute("gen_ai.react.finish_reason"),
            children=tuple(child.name for child in step.children),
            call_ids=tuple(
                child.attribute("gen_ai.tool.call.id")
                for child in step.children
                if child.name.startswith("execute_tool ")
            ),
        )
        for step in root.children
    )


def scripted_rounds(call: script.CallScript, model: object) -> tuple[Round, ...]:
    """The rounds a call of this script makes: one per tool round, then the answer."""
    chat = f"chat {model}"
    rounds: list[Round] = []
    while requests := call.next_requests():
        rounds.append(
            Round(
                number=len(rounds) + 1,
                finish_reason="tool_calls",
                children=(chat, *(f"execute_tool {request.tool}" for request in requests)),
                call_ids=tuple(call.call_id(request) for request in requests),
            )
        )
    rounds.append(Round(len(rounds) + 1, "stop", (chat,), ()))
    return tuple(rounds)


def chat_tokens(chat: Tree) -> tuple[int, int]:
    return chat.attribute("gen_ai.usage.input_tokens"), chat.attribute("gen_ai.usage.output_tokens")


def usage_of(node: Tree) -> tuple[int, int]:
    """The tokens otelscope rolled up onto an agent call or a round."""
    return (
        node.attribute("otelscope.usage.input_tokens"),
        node.attribute("otelscope.usage.output_tokens"),
    )


def single_value(values: Iterator[object]) -> object:
    distinct = set(values)
    assert len(distinct) == 1, distinct
    return distinct.pop()
