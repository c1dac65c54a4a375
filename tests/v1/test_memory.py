"""Long-term memory spans on AgentScope 1.x: AgentScope's real
``Mem0LongTermMemory`` over an offline stand-in for its mem0 client, and a
memory of the user's own (``tests/v1/memory_kit.py``), driven by real
``ReActAgent``s in both modes and called directly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from agentscope.message import Msg
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import memory_call
from tests.conftest import Traced
from tests.content_expectations import Serialized
from tests.spantree import build_trees
from tests.v1 import memory_kit as mk
from tests.v1.kit import AGENTSCOPE_VERSION, run_id

MEM0 = {
    "gen_ai.provider.name": "mem0",
    "gen_ai.memory.store.id": "mem0",
    "otelscope.memory.kind": "Mem0LongTermMemory",
}
SEARCH = {"gen_ai.operation.name": "search_memory", **MEM0}
UPSERT = {"gen_ai.operation.name": "upsert_memory", **MEM0}
CHAT = ("chat scripted-model", [])
# The model looks "Rome" up, then records a fact, then answers.
TOOL_CALLS = [
    ("retrieve_from_memory", {"keywords": ["Rome"]}),
    ("record_to_memory", {"thinking": "worth keeping", "content": ["Alice likes tea"]}),
]
MEMORIES = ["Alice lives in Rome", "Bob lives in Oslo"]


def keep(memory: Any, calls: list[tuple[str, dict[str, Any]]], **options: Any) -> Msg:
    agent = mk.make_agent("Keeper", calls, memory=memory, **options)
    return asyncio.run(agent(Msg("user", "Where does Alice live?", "user")))


def test_memory_tools_the_model_calls_nest_under_their_tool_calls(traced) -> None:
    memory = mk.offline_mem0(MEMORIES)
    reply = keep(memory, TOOL_CALLS)

    assert reply.get_text_content() == "Done"
    assert mk.mem0_client(memory).memories == [*MEMORIES, "worth keeping\nAlice likes tea"]
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Keeper",
        [
            ("react step", [CHAT, ("execute_tool retrieve_from_memory", [("search_memory", [])])]),
            ("react step", [CHAT, ("execute_tool record_to_memory", [("upsert_memory", [])])]),
            ("react step", [CHAT]),
        ],
    )
    [search] = root.find("search_memory")
    [upsert] = root.find("upsert_memory")
    assert search.span.kind == upsert.span.kind == SpanKind.CLIENT
    conversation = {"gen_ai.conversation.id": run_id()}
    assert search.attributes == {
        **SEARCH,
        **conversation,
        "gen_ai.request.top_k": 5.0,
        # Mem0 answers one memory per line: the one about Rome.
        "gen_ai.memory.record.count": 1,
    }
    # The contents given: `thinking` is the model's reason, not a record.
    assert upsert.attributes == {**UPSERT, **conversation, "gen_ai.memory.record.count": 1}
    assert all(node.status == StatusCode.UNSET for node in root.walk())


def test_a_static_memory_is_searched_before_the_reply_and_written_after_it(traced) -> None:
    memory = mk.NotesMemory(["tea at five", "coffee at nine"])
    agent = mk.make_agent("Keeper", [], memory=memory, mode="static_control")
    asyncio.run(agent(Msg("user", "when is tea?", "user")))

    # 1.0.8 writes a static memory only after a reply that ran out of rounds.
    wrote = len(memory.notes) > 2
    assert wrote or AGENTSCOPE_VERSION < (1, 0, 21)
    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Keeper",
        [("search_memory", []), ("react step", [CHAT]), *([("upsert_memory", [])] * wrote)],
    )
    search = root.children[0]
    own = {"otelscope.memory.kind": "NotesMemory", "gen_ai.conversation.id": run_id()}
    # A memory of the user's own answers one text: one record.
    assert search.attributes == {
        "gen_ai.operation.name": "search_memory",
        **own,
        "gen_ai.request.top_k": 3.0,
        "gen_ai.memory.record.count": 1,
    }
    if not wrote:
        return
    # The agent records its whole short-term memory: the question, the
    # memory it was given, its answer.
    assert root.children[-1].attributes == {
        "gen_ai.operation.name": "upsert_memory",
        **own,
        "gen_ai.memory.record.count": 3,
    }


def test_a_search_that_returns_a_list_counts_its_items(traced) -> None:
    memory = mk.ListingMemory(["a", "b", "c", "d"])
    found = asyncio.run(memory.retrieve(Msg("user", "anything", "user"), limit=2))

    assert found == ["a", "b"]
    [search] = build_trees(traced.spans())
    assert search.attributes["gen_ai.memory.record.count"] == 2
    assert search.attributes["gen_ai.request.top_k"] == 2.0


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "SPAN_AND_EVENT"])
def test_with_content_on_the_query_and_the_records_are_recorded(capture, mode) -> None:
    capture.instrument(capture_content=mode)
    keep(mk.offline_mem0(MEMORIES), TOOL_CALLS)

    [root] = build_trees(capture.traced.spans())
    [search] = root.find("search_memory")
    [upsert] = root.find("upsert_memory")
    assert search.attributes["gen_ai.memory.query.text"] == "Rome"
    assert json.loads(search.attributes["gen_ai.memory.records"]) == [
        {"content": "Alice lives in Rome"}
    ]
    assert "gen_ai.memory.query.text" not in upsert.attributes
    written = json.loads(upsert.attributes["gen_ai.memory.records"])
    assert written == [{"content": "Alice likes tea"}]
    # The conventions define no memory event: the events are the three model calls'.
    assert len(capture.records()) == (3 if mode == "SPAN_AND_EVENT" else 0)


def test_recorded_content_is_redacted_and_cut_to_the_length_limit(capture) -> None:
    seen: list[str] = []

    def redact(key: str, value: str) -> str:
        seen.append(key)
        return value.replace("Alice", "[name]")

    capture.instrument(capture_content="SPAN_ONLY", redact=redact, max_content_length=20)
    memory = mk.offline_mem0(MEMORIES)
    asyncio.run(memory.retrieve(Msg("user", "Who lives in Rome?", "user")))

    [search] = build_trees(capture.traced.spans())
    assert seen == ["gen_ai.memory.query.text", "gen_ai.memory.records"]
    assert search.attributes["gen_ai.memory.query.text"] == "Who lives in Rome?"
    records = search.attributes["gen_ai.memory.records"]
    assert records.startswith('[{"content": "[name]')
    assert records.endswith("characters]")


@contextmanager
def nothing_serialized(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No query or record is even built: building one raises, which strict
    mode would report. (The agent's own messages are the model calls' to
    judge: an event mode records them.)"""

    def refuse(*args: Any) -> Any:
        raise Serialized

    monkeypatch.setattr(memory_call, "query_content", refuse)
    monkeypatch.setattr(memory_call, "memory_records_content", refuse)
    yield


@pytest.mark.parametrize("mode", ["NO_CONTENT", "EVENT_ONLY"])
def test_without_content_on_spans_nothing_of_queries_or_records_is_built(
    capture, monkeypatch, mode
) -> None:
    capture.instrument(capture_content=mode)
    with nothing_serialized(monkeypatch):
        keep(mk.offline_mem0(MEMORIES), TOOL_CALLS)

    [root] = build_trees(capture.traced.spans())
    for name in ("search_memory", "upsert_memory"):
        [node] = root.find(name)
        assert node.attributes["gen_ai.memory.record.count"] == 1
        assert not any(key in node.attributes for key in memory_keys())


def memory_keys() -> tuple[str, str]:
    return ("gen_ai.memory.query.text", "gen_ai.memory.records")


def test_a_dropped_trace_makes_no_memory_span_and_serializes_nothing(monkeypatch) -> None:
    traced = Traced(sampler=ALWAYS_OFF)
    traced.instrumentor.instrument(tracer_provider=traced.provider, capture_content="SPAN_ONLY")
    memory = mk.offline_mem0(MEMORIES)
    try:
        with nothing_serialized(monkeypatch):
            reply = keep(memory, TOOL_CALLS)
    finally:
        traced.instrumentor.uninstrument()

    assert reply.get_text_content() == "Done"
    assert mk.mem0_client(memory).memories[-1] == "worth keeping\nAlice likes tea"
    assert traced.spans() == []


def test_a_failing_memory_raises_unchanged_and_ends_its_span_failed(traced) -> None:
    memory = mk.offline_mem0(MEMORIES)
    mk.mem0_client(memory).fail = True

    with pytest.raises(ConnectionError, match="memory service down"):
        asyncio.run(memory.retrieve(Msg("user", "Rome?", "user")))
    with pytest.raises(ConnectionError, match="memory service down"):
        asyncio.run(memory.record([Msg("user", "I like tea", "user")]))

    search, upsert = sorted(build_trees(traced.spans()), key=lambda n: n.span.start_time or 0)
    for node, operation in ((search, SEARCH), (upsert, UPSERT)):
        assert node.status == StatusCode.ERROR
        assert node.attributes["error.type"] == "ConnectionError"
        assert node.attributes["gen_ai.operation.name"] == operation["gen_ai.operation.name"]
        assert [event.name for event in node.span.events] == ["exception"]
    assert "gen_ai.memory.record.count" not in search.attributes
    assert upsert.attributes["gen_ai.memory.record.count"] == 1


def test_overlapping_calls_keep_each_memory_span_under_its_own_call(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    memory = mk.offline_mem0(MEMORIES)
    # Each call's search waits for the other's: both searches in flight.
    mk.mem0_client(memory).meet = asyncio.Barrier(2)

    async def both() -> list[Msg]:
        agents = [
            mk.make_agent(name, [("retrieve_from_memory", {"keywords": [city]})], memory=memory)
            for name, city in (("Roman", "Rome"), ("Norse", "Oslo"))
        ]
        return await asyncio.gather(*(agent(Msg("user", "who?", "user")) for agent in agents))

    replies = asyncio.run(both())

    assert [reply.get_text_content() for reply in replies] == ["Done", "Done"]
    roots = {root.name: root for root in build_trees(capture.traced.spans())}
    assert sorted(roots) == ["invoke_agent Norse", "invoke_agent Roman"]
    for name, city, found in (("Roman", "Rome", "Alice"), ("Norse", "Oslo", "Bob")):
        [tool] = roots[f"invoke_agent {name}"].find("execute_tool retrieve_from_memory")
        assert tool.shape() == (tool.name, [("search_memory", [])])
        [search] = tool.children
        assert search.attributes["gen_ai.memory.query.text"] == city
        assert json.loads(search.attributes["gen_ai.memory.records"]) == [
            {"content": f"{found} lives in {city}"}
        ]


def test_a_subclass_that_calls_its_base_is_one_span(traced) -> None:
    class Wrapped(mk.NotesMemory):
        async def retrieve(self, msg: Any, limit: int = 3, **kwargs: Any) -> str:
            return await super().retrieve(msg, limit, **kwargs)

    found = asyncio.run(Wrapped(["tea at five"]).retrieve(Msg("user", "tea", "user")))

    assert found == "tea at five"
    [search] = build_trees(traced.spans())
    assert search.shape() == ("search_memory", [])
    assert search.attributes["otelscope.memory.kind"] == "Wrapped"


def test_uninstrument_leaves_memories_untraced() -> None:
    traced = Traced()
    traced.instrument()
    traced.instrumentor.uninstrument()
    reply = keep(mk.offline_mem0(MEMORIES), TOOL_CALLS)

    assert reply.get_text_content() == "Done"
    assert traced.spans() == []
