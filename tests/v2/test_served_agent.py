"""AgentScope 2.x agents served over HTTP to concurrent callers.

A 2.x ``Agent`` keeps the state of its reply on the instance, so a server
makes one agent per request; the agents share one model and one toolkit. A
real uvicorn server runs a FastAPI app whose own OpenTelemetry server
tracing (FastAPI 0.165's ``telemetry`` option, given the test's tracer
provider) continues each caller's W3C trace. Twelve callers, each in a trace
of its own, ask at once: the shared tool holds every request until all
twelve are inside it. Each request's agent call must nest under that
request's server span, in that caller's trace, and nowhere else.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from agentscope.agent import Agent
from agentscope.model import ChatModelBase
from agentscope.tool import Toolkit
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

from tests.serving import callers, chain_to, post_at_once, request_trees, served
from tests.v2.kit import (
    Script,
    ScriptedChatModel,
    call_with,
    conversation_id,
    current_script,
    make_agent,
    make_toolkit,
    one_tool_round,
    reply_text,
)

REQUESTS = 12

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

        async def get_weather(city: str) -> str:
            """Get the weather of a city.

            Args:
                city (str): The city name.
            """
            script = current_script.get()
            assert script is not None
            script.tool_parents.append(trace.get_current_span().get_span_context().span_id)
            self.arrived.append(city)
            await self.barrier.wait()
            self.released_with.append(len(self.arrived))
            return f"Sunny in {city}"

        self.toolkit = make_toolkit(get_weather)


def make_app(
    model: ChatModelBase, toolkit: Toolkit, tracer_provider: trace.TracerProvider
) -> tuple[FastAPI, dict[str, Script], dict[str, Agent]]:
    """The app serving ``POST /ask`` with a new agent per request on the shared
    ``model`` and ``toolkit``; the scripts its requests gave the scripted
    model and the agents they made (by city)."""
    app = FastAPI(telemetry={"tracer_provider": tracer_provider})
    scripts: dict[str, Script] = {}
    agents: dict[str, Agent] = {}

    @app.post("/ask")
    async def ask(question: Question) -> Answer:
        agent = agents[question.city] = make_agent(model=model, toolkit=toolkit)
        script = scripts[question.city] = one_tool_round(question.city)
        reply = await call_with(agent, script, f"Weather in {question.city}?")
        return Answer(text=reply_text(reply))

    return app, scripts, agents


def test_concurrent_requests_with_an_agent_each_continue_their_callers_trace(traced) -> None:
    tool = MeetingTool(REQUESTS)
    app, scripts, agents = make_app(ScriptedChatModel(), tool.toolkit, traced.provider)
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
        conversation = conversation_id(agents[city])
        assert call.span.kind == SpanKind.INTERNAL
        call_attributes = call.attributes
        agent_ids.add(call_attributes.pop("gen_ai.agent.id"))
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
        assert [chat.attributes for chat in chats] == [
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "unknown",
                "gen_ai.request.model": "scripted-model",
                "gen_ai.request.stream": False,
                "gen_ai.conversation.id": conversation,
                "gen_ai.response.id": f"resp-{city}",
                "gen_ai.usage.input_tokens": 10,
                "gen_ai.usage.output_tokens": 5,
            }
        ] * 2
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
    # One agent per request: twelve agents, each with its own id and session.
    assert len(agent_ids) == REQUESTS
    assert len({conversation_id(agent) for agent in agents.values()}) == REQUESTS
