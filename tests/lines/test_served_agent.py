"""AgentScope agents served over HTTP to concurrent callers, on both lines.

A real uvicorn server runs a FastAPI app whose own OpenTelemetry server
tracing (FastAPI 0.165's ``telemetry`` option, given the test's tracer
provider) continues each caller's W3C trace. Twelve callers, each in a trace
of its own, ask at once: the tool holds every request until all twelve are
inside it. Each request's agent call must nest under that request's server
span, in that caller's trace, and nowhere else.

A 1.x ``ReActAgent`` serves every request, as one agent; a 2.x ``Agent``
keeps the state of its reply on the instance, so a server makes one agent
per request, the agents sharing one model and one toolkit.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

from tests.lines.line import LINE, kit, per_line
from tests.serving import callers, chain_to, post_at_once, request_trees, served

REQUESTS = 12
# How many agents serve the requests.
AGENTS = 1 if kit.ONE_AGENT_SERVES_OVERLAPPING_CALLS else REQUESTS
# What the chat spans record of the agent's formatter: a 1.x agent formats
# its prompt itself (how many messages it held is checked apart); a 2.x
# model formats its own.
FORMATTER = per_line(
    v1={
        "otelscope.formatter.name": "OpenAIChatFormatter",
        "otelscope.formatter.truncated_messages": 0,
    },
    v2={},
)

AGENT_CALL = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)
# FastAPI's server span holds its own operation spans; the endpoint's span
# holds the agent call.
REQUEST = (
    "POST /ask",
    [
        ("fastapi.dependencies", []),
        ("fastapi.endpoint", [AGENT_CALL]),
        ("fastapi.serialization", []),
    ],
)
SPANS_PER_REQUEST = 10


class Question(BaseModel):
    city: str


class Answer(BaseModel):
    text: str


class MeetingTool:
    """A ``get_weather`` tool that holds every run until ``parties`` runs are
    inside it, so that many calls are in flight at once."""

    def __init__(self, parties: int) -> None:
        self.barrier = asyncio.Barrier(parties)
        self.arrived: list[str] = []
        # How many runs had arrived when each run was let through.
        self.released_with: list[int] = []

        async def get_weather(city: str) -> Any:
            """Get the weather of a city.

            Args:
                city (str): The city name.
            """
            script = kit.current_script.get()
            assert script is not None
            script.tool_parents.append(trace.get_current_span().get_span_context().span_id)
            self.arrived.append(city)
            await self.barrier.wait()
            self.released_with.append(len(self.arrived))
            return kit.tool_output(f"Sunny in {city}")

        self.toolkit = kit.make_toolkit(get_weather)


def make_app(
    toolkit: Any, tracer_provider: trace.TracerProvider
) -> tuple[FastAPI, dict[str, Any], dict[str, Any]]:
    """The app serving ``POST /ask`` with the line's agents on one model and
    ``toolkit``; the scripts its requests gave the scripted model and the
    agents that answered them (by city)."""
    app = FastAPI(telemetry={"tracer_provider": tracer_provider})
    model = kit.ScriptedChatModel()
    one_agent = kit.make_agent(model=model, toolkit=toolkit)
    scripts: dict[str, Any] = {}
    agents: dict[str, Any] = {}

    @app.post("/ask")
    async def ask(question: Question) -> Answer:
        script = scripts[question.city] = kit.one_tool_round(question.city)
        agent = one_agent if AGENTS == 1 else kit.make_agent(model=model, toolkit=toolkit)
        agents[question.city] = agent
        reply = await kit.call_with(agent, script, f"Weather in {question.city}?")
        return Answer(text=kit.reply_text(reply) or "")

    return app, scripts, agents


def test_concurrent_requests_to_served_agents_each_continue_their_callers_trace(traced) -> None:
    tool = MeetingTool(REQUESTS)
    app, scripts, agents = make_app(tool.toolkit, traced.provider)
    sent = callers(REQUESTS, seed=20261206)
    cities = [f"city{i:02d}" for i in range(REQUESTS)]

    with served(app) as url:
        responses = post_at_once(url, "/ask", [{"city": city} for city in cities], sent)

    assert [(r.status_code, r.json()) for r in responses] == [
        (200, {"text": f"Done {city}"}) for city in cities
    ]
    # Every run of the shared tool waited until all twelve calls were inside it.
    assert sorted(tool.arrived) == cities
    assert tool.released_with == [REQUESTS] * REQUESTS

    spans = traced.spans()
    assert len(spans) == REQUESTS * SPANS_PER_REQUEST
    trees = request_trees(spans, sent)
    port = urlsplit(url).port
    agent_ids = set()
    for city, server in zip(cities, trees, strict=True):
        conversation = kit.conversation_id(agents[city])
        assert len(list(server.walk())) == SPANS_PER_REQUEST
        assert server.shape() == REQUEST
        assert chain_to(server, "invoke_agent Friday") == [
            "POST /ask",
            "fastapi.endpoint",
            "invoke_agent Friday",
        ]
        assert server.attributes == {
            "http.request.method": "POST",
            "http.route": "/ask",
            "http.response.status_code": 200,
            "network.protocol.version": "1.1",
            "server.address": "127.0.0.1",
            "server.port": port,
            "url.path": "/ask",
            "url.scheme": "http",
        }
        dependencies, endpoint, serialization = server.children
        for node in (dependencies, endpoint, serialization):
            assert node.attributes == {"code.function.name": f"{__name__}.make_app.<locals>.ask"}
        [call] = endpoint.children
        assert call.span.kind == SpanKind.INTERNAL
        call_attributes = call.attributes
        agent_id = call_attributes.pop("gen_ai.agent.id")
        agent_ids.add(agent_id)
        if LINE == 1:
            # A 1.x agent has an id of its own.
            assert agent_id == agents[city].id
        assert call_attributes == {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "Friday",
            "gen_ai.provider.name": "unknown",
            "gen_ai.request.model": "scripted-model",
            "gen_ai.conversation.id": conversation,
            "otelscope.usage.input_tokens": 20,
            "otelscope.usage.output_tokens": 10,
        }
        first, second = call.children
        assert [first.attributes, second.attributes] == [
            {
                "gen_ai.operation.name": "react",
                "gen_ai.react.round": round_number,
                "gen_ai.conversation.id": conversation,
                "gen_ai.react.finish_reason": finish,
                "otelscope.usage.input_tokens": 10,
                "otelscope.usage.output_tokens": 5,
            }
            for round_number, finish in ((1, "tool_calls"), (2, "stop"))
        ]
        chats = [first.children[0], second.children[0]]
        assert [chat.span.kind for chat in chats] == [SpanKind.CLIENT, SpanKind.CLIENT]
        chat_attributes = [chat.attributes for chat in chats]
        seen = [found.pop("otelscope.formatter.input_messages", None) for found in chat_attributes]
        assert (
            chat_attributes
            == [
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "unknown",
                    "gen_ai.request.model": "scripted-model",
                    "gen_ai.request.stream": False,
                    "gen_ai.conversation.id": conversation,
                    **FORMATTER,
                    "gen_ai.response.id": f"resp-{city}",
                    "gen_ai.usage.input_tokens": 10,
                    "gen_ai.usage.output_tokens": 5,
                }
            ]
            * 2
        )
        if LINE == 1:
            # The agent has one memory, which every request writes to: how
            # many messages a prompt held depends on how the requests
            # interleaved. The first prompt held at least the system prompt
            # and this question; the second, every request's question and
            # tool call (all were made before any tool run was let through)
            # and this request's tool result.
            assert seen[0] >= 2
            assert seen[1] >= 1 + 2 * REQUESTS + 1
        else:
            assert seen == [None, None]
        execute = first.children[1]
        assert execute.attributes == {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_weather",
            "gen_ai.tool.call.id": f"{city}-1-0",
            "gen_ai.tool.type": "function",
            "gen_ai.tool.description": "Get the weather of a city.",
            "gen_ai.conversation.id": conversation,
        }
        # The shared tool's code ran under this request's execute_tool span.
        assert scripts[city].tool_parents == [execute.span.context.span_id]
        assert all(node.status == StatusCode.UNSET for node in server.walk())
    # Each agent has its own id and conversation: one on 1.x, one per request on 2.x.
    assert len(agent_ids) == AGENTS
    assert len({kit.conversation_id(agent) for agent in agents.values()}) == AGENTS
