"""Long-term memory spans on AgentScope 2.x: AgentScope's real
``Mem0Middleware`` and ``ReMeMiddleware`` over offline stand-ins for their
backends (``tests/v2/memory_kit.py``), on real agents."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from otelscope.core import memory_call
from tests.conftest import Traced
from tests.content_expectations import Serialized
from tests.spantree import build_trees
from tests.v2 import memory_kit as mk
from tests.v2.kit import conversation_id, reply_to

MEM0 = {
    "gen_ai.provider.name": "mem0",
    "gen_ai.memory.store.id": "mem0",
    "otelscope.memory.kind": "Mem0Middleware",
}
REME = {"gen_ai.provider.name": "reme", "otelscope.memory.kind": "ReMeMiddleware"}
CHAT = ("chat scripted-model", [])
SEARCH: tuple[str, list[Any]] = ("search_memory", [])
UPSERT: tuple[str, list[Any]] = ("upsert_memory", [])
MEMORIES = ["Alice lives in Rome", "Bob lives in Oslo"]
TOOL_CALLS = [
    ("search_memory", {"keywords": ["Rome", "tea"]}),
    ("add_memory", {"thinking": "worth keeping", "content": ["Alice likes tea"]}),
]


def keep(middleware: Any, calls: list[tuple[str, dict[str, Any]]]) -> Any:
    async def run() -> Any:
        agent = await mk.make_keeper(middleware, calls)
        return agent, await reply_to(agent, "Where does Alice live?")

    return asyncio.run(run())


def test_mem0_searches_and_writes_in_both_modes(traced) -> None:
    client = mk.OfflineMem0(MEMORIES)
    agent, _ = keep(mk.mem0_middleware(client, mode="both"), TOOL_CALLS)

    [root] = build_trees(traced.spans())
    assert root.shape() == (
        "invoke_agent Keeper",
        [
            SEARCH,  # before the reply
            # One search per keyword.
            ("react step", [CHAT, ("execute_tool search_memory", [SEARCH, SEARCH])]),
            ("react step", [CHAT, ("execute_tool add_memory", [UPSERT])]),
            ("react step", [CHAT]),
            UPSERT,  # the exchange, after the reply
        ],
    )
    conversation = {"gen_ai.conversation.id": conversation_id(agent)}
    search = {"gen_ai.operation.name": "search_memory", **MEM0, **conversation}
    upsert = {"gen_ai.operation.name": "upsert_memory", **MEM0, **conversation}
    before, _, _, _, after = root.children
    [rome, tea] = root.find("execute_tool search_memory")[0].children
    [added] = root.find("execute_tool add_memory")[0].children
    assert before.attributes == {
        **search,
        "gen_ai.request.top_k": 5.0,
        "gen_ai.memory.record.count": 1,
    }
    limited = {**search, "gen_ai.request.top_k": 5.0}
    assert rome.attributes == {**limited, "gen_ai.memory.record.count": 1}
    assert tea.attributes == {**limited, "gen_ai.memory.record.count": 0}
    assert added.attributes == {**upsert, "gen_ai.memory.record.count": 1}
    assert after.attributes == {**upsert, "gen_ai.memory.record.count": 2}
    assert all(node.span.kind == SpanKind.CLIENT for node in (before, rome, tea, added, after))
    assert all(node.status == StatusCode.UNSET for node in root.walk())


def test_an_add_that_retries_without_extraction_is_one_span(traced) -> None:
    client = mk.OfflineMem0(extract=False)
    keep(mk.mem0_middleware(client), TOOL_CALLS[1:])

    assert [add.get("infer", True) for add in client.adds] == [True, False]
    [root] = build_trees(traced.spans())
    [tool] = root.find("execute_tool add_memory")
    assert tool.shape() == (tool.name, [UPSERT])


def test_reme_writes_a_turn_and_searches_through_its_tool(traced) -> None:
    app = mk.OfflineReMe(["Alice likes tea"])
    agent, _ = keep(mk.reme_middleware(app, mode="both"), [("memory_search", {"query": "tea"})])

    [root] = build_trees(traced.spans())
    tool = root.find("execute_tool memory_search")
    [write] = [child for child in root.children if child.name == "upsert_memory"]
    conversation = {"gen_ai.conversation.id": conversation_id(agent)}
    [found] = tool[0].children
    assert found.attributes == {
        "gen_ai.operation.name": "search_memory",
        **REME,
        **conversation,
        "gen_ai.request.top_k": 5.0,
        "gen_ai.memory.record.count": 1,
    }
    messages = next(options for name, options in app.jobs if name == "auto_memory")["messages"]
    assert write.attributes == {
        "gen_ai.operation.name": "upsert_memory",
        **REME,
        **conversation,
        "gen_ai.memory.record.count": len(messages),
    }


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "SPAN_AND_EVENT"])
def test_with_content_on_the_query_and_the_records_are_recorded(capture, mode) -> None:
    capture.instrument(capture_content=mode)
    keep(mk.mem0_middleware(mk.OfflineMem0(MEMORIES)), TOOL_CALLS)

    [root] = build_trees(capture.traced.spans())
    rome, tea = root.find("execute_tool search_memory")[0].children
    [added] = root.find("execute_tool add_memory")[0].children
    assert rome.attributes["gen_ai.memory.query.text"] == "Rome"
    assert json.loads(rome.attributes["gen_ai.memory.records"]) == [
        {"content": "Alice lives in Rome"}
    ]
    assert json.loads(tea.attributes["gen_ai.memory.records"]) == []
    assert json.loads(added.attributes["gen_ai.memory.records"]) == [{"content": "Alice likes tea"}]


def refuse(*args: Any) -> Any:
    raise Serialized


@pytest.mark.parametrize("mode", ["NO_CONTENT", "EVENT_ONLY"])
def test_without_content_on_spans_nothing_of_queries_or_records_is_built(
    capture, monkeypatch, mode
) -> None:
    capture.instrument(capture_content=mode)
    monkeypatch.setattr(memory_call, "query_content", refuse)
    monkeypatch.setattr(memory_call, "memory_records_content", refuse)
    keep(mk.mem0_middleware(mk.OfflineMem0(MEMORIES)), TOOL_CALLS)

    [root] = build_trees(capture.traced.spans())
    nodes = root.find("search_memory") + root.find("upsert_memory")
    assert len(nodes) == 3
    for node in nodes:
        assert "gen_ai.memory.record.count" in node.attributes
        assert "gen_ai.memory.query.text" not in node.attributes
        assert "gen_ai.memory.records" not in node.attributes


def test_a_dropped_trace_makes_no_memory_span(monkeypatch) -> None:
    traced = Traced(sampler=ALWAYS_OFF)
    traced.instrumentor.instrument(tracer_provider=traced.provider, capture_content="SPAN_ONLY")
    monkeypatch.setattr(memory_call, "query_content", refuse)
    monkeypatch.setattr(memory_call, "memory_records_content", refuse)
    client = mk.OfflineMem0(MEMORIES)
    try:
        keep(mk.mem0_middleware(client, mode="both"), TOOL_CALLS)
    finally:
        traced.instrumentor.uninstrument()

    assert "Alice likes tea" in client.memories
    assert traced.spans() == []


def test_a_failing_memory_raises_unchanged_and_ends_its_span_failed(traced) -> None:
    client = mk.OfflineMem0(MEMORIES)
    client.fail = True
    middleware = mk.mem0_middleware(client)

    with pytest.raises(ConnectionError, match="memory service down"):
        asyncio.run(middleware._async_search("Rome", user_id="alice", agent_id=None))

    [search] = build_trees(traced.spans())
    assert search.status == StatusCode.ERROR
    assert search.attributes["error.type"] == "ConnectionError"
    assert [event.name for event in search.span.events] == ["exception"]


def test_overlapping_calls_keep_each_memory_span_under_its_own_call(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    client = mk.OfflineMem0(MEMORIES)
    # Each call's search waits for the other's: both searches in flight.
    client.meet = asyncio.Barrier(2)
    middleware = mk.mem0_middleware(client)

    async def both() -> list[Any]:
        agents = [
            await mk.make_keeper(middleware, [("search_memory", {"keywords": [city]})], name=name)
            for name, city in (("Roman", "Rome"), ("Norse", "Oslo"))
        ]
        return await asyncio.gather(*(reply_to(agent, "who?") for agent in agents))

    asyncio.run(both())

    roots = {root.name: root for root in build_trees(capture.traced.spans())}
    assert sorted(roots) == ["invoke_agent Norse", "invoke_agent Roman"]
    for name, city, found in (("Roman", "Rome", "Alice"), ("Norse", "Oslo", "Bob")):
        [tool] = roots[f"invoke_agent {name}"].find("execute_tool search_memory")
        assert tool.shape() == (tool.name, [SEARCH])
        [search] = tool.children
        assert search.attributes["gen_ai.memory.query.text"] == city
        assert json.loads(search.attributes["gen_ai.memory.records"]) == [
            {"content": f"{found} lives in {city}"}
        ]
