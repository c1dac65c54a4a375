"""``ChatModelBase.generate_structured_output`` is a chat span on AgentScope
2.x: one per call as its caller sees it, retries and strategy fallbacks
inside it, through the same machinery as ``__call__``.

AgentScope's real ``OpenAIChatModel`` through the real ``openai`` SDK
against a fake server on loopback, for what the provider served; a scripted
``ChatModelBase`` subclass for the trees and the paths the server cannot
script.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import pytest
from agentscope.agent import Agent, ReActConfig
from agentscope.exception import StructuredOutputError
from agentscope.message import Msg, SystemMsg, TextBlock, ToolCallBlock, UserMsg
from agentscope.middleware import ChatModelCandidate, ModelRouterMiddleware
from agentscope.model import ChatResponse, StructuredResponse
from agentscope.tool import ToolChoice
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

from otelscope.agentscope_v2 import readers
from otelscope.core import conventions as conv
from otelscope.core.guard import take_internal_errors
from tests.conftest import Traced
from tests.content_expectations import (
    INPUT,
    OUTPUT,
    SYSTEM,
    TOOLS,
    Serialized,
    content_of,
    cut,
    forbid_serializing,
)
from tests.metric_expectations import (
    CHAT,
    assert_histogram,
    points_by_attributes,
    span_seconds,
)
from tests.providers import models
from tests.providers.fake_server import HttpError, ToolCall, Turn, Usage, running
from tests.providers.openai_server import CHAT_PATH, FakeOpenAI
from tests.providers.spans import run
from tests.spantree import build_trees
from tests.v2 import kit


class Weather(BaseModel):
    city: str
    celsius: int


ANSWER = {"city": "Paris", "celsius": 21}
SCHEMA = Weather.model_json_schema()
USAGE = Usage(input_tokens=11, output_tokens=7, cache_read_tokens=3, reasoning_tokens=2)
TOOL = readers.STRUCTURED_OUTPUT_TOOL
# The tool choice of each strategy, as AgentScope's OpenAI class sends it.
FORCED = {"type": "function", "function": {"name": TOOL}}


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The openai SDK's back-off between its own retries, made short."""
    monkeypatch.setattr("openai._base_client.INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr("openai._base_client.MAX_RETRY_DELAY", 0.001)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with running(fake):
        yield fake


def answering() -> Turn:
    """The server's answer: a call of the structured-output tool with ``ANSWER``."""
    call = ToolCall("call_s1", TOOL, json.dumps(ANSWER))
    return Turn(tool_calls=(call,), finish_reason="tool_calls", usage=USAGE)


def question() -> list[Msg]:
    return [UserMsg(name="user", content="Weather in Paris?")]


async def structured(model: Any, schema: Any = Weather, **kwargs: Any) -> StructuredResponse:
    return await model.generate_structured_output(question(), schema, **kwargs)


def served(server: FakeOpenAI, turn: Turn, stream: bool, attempts: int = 1) -> dict[str, Any]:
    """The span of a structured-output call the server answered with ``turn``."""
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": models.ASKED_MODEL,
        "gen_ai.request.max_tokens": models.MAX_TOKENS,
        "gen_ai.request.stream": stream,
        "gen_ai.output.type": "json",
        "gen_ai.response.id": turn.response_id,
        "gen_ai.response.model": turn.model,
        "gen_ai.response.finish_reasons": ("tool_call",),
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.usage.cache_read.input_tokens": 3,
        "gen_ai.usage.reasoning.output_tokens": 2,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": attempts,
    }


def tool_choices(server: FakeOpenAI) -> list[Any]:
    return [request.json().get("tool_choice") for request in server.requests_to(CHAT_PATH)]


# -- A real model class through its provider's SDK ----------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_direct_call_is_one_chat_span_as_served(traced, server, stream: bool) -> None:
    turn = answering()
    server.script(turn)

    response = run(structured(models.chat_model("openai", server, stream)))

    assert (response.content, tool_choices(server)) == (ANSWER, [FORCED])
    [span] = traced.spans()
    assert (span.name, span.kind, span.parent) == (
        f"chat {models.ASKED_MODEL}",
        SpanKind.CLIENT,
        None,
    )
    assert span.status.status_code == StatusCode.UNSET
    # AgentScope reads a stream inside the call: no time to a first chunk.
    assert dict(span.attributes) == served(server, turn, stream)


def test_the_metric_points_of_one_call(traced, server) -> None:
    server.script(answering())

    run(structured(models.chat_model("openai", server, False)))

    [span] = traced.spans()
    metrics = traced.metrics()
    assert set(metrics) == {conv.METRIC_OPERATION_DURATION, conv.METRIC_TOKEN_USAGE}
    measured = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": models.ASKED_MODEL,
        "gen_ai.response.model": "served-model-2026-01-01",
        "server.address": "127.0.0.1",
        "server.port": server.port,
    }
    [duration] = metrics[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == measured
    assert_histogram(duration, conv.DURATION_BUCKETS, 1, span_seconds(span))
    usage = points_by_attributes(metrics[conv.METRIC_TOKEN_USAGE])
    tokens = {"input": 11, "output": 7}
    assert set(usage) == {
        frozenset({**measured, "gen_ai.token.type": kind}.items()) for kind in tokens
    }
    for kind, count in tokens.items():
        point = usage[frozenset({**measured, "gen_ai.token.type": kind}.items())]
        assert_histogram(point, conv.TOKEN_BUCKETS, 1, count)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_strategy_that_fails_to_produce_the_output_falls_back_within_one_span(
    traced, server, stream: bool
) -> None:
    """The forced tool choice gets text instead of the tool call (a
    ``StructuredOutputError`` inside AgentScope), the ``auto`` one the call."""
    turn = answering()
    server.script(Turn(text="It is sunny.", usage=USAGE), turn)

    response = run(structured(models.chat_model("openai", server, stream)))

    assert (response.content, tool_choices(server)) == (ANSWER, [FORCED, "auto"])
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.UNSET
    assert span.events == ()
    assert dict(span.attributes) == served(server, turn, stream, attempts=2)


def test_a_request_the_provider_rejects_falls_back_within_one_span(traced, server) -> None:
    """A 400 (``BadRequestError``, OpenAI's fallback error) on the forced tool
    choice: the next strategy answers; the failed request is only counted."""
    turn = answering()
    server.script(Turn(error=HttpError(400, "tool_choice is not supported")), turn)

    response = run(structured(models.chat_model("openai", server, False)))

    assert (response.content, tool_choices(server)) == (ANSWER, [FORCED, "auto"])
    [span] = traced.spans()
    assert span.status.status_code == StatusCode.UNSET
    assert dict(span.attributes) == served(server, turn, False, attempts=2)


def failing_call(server: FakeOpenAI) -> tuple[type[BaseException], str, int]:
    """A structured-output call whose server answers 429 to everything: what
    the caller got, and the requests that reached the server."""
    server.script(*[Turn(error=HttpError(429))] * models.FAILED_CALL_REQUESTS)
    before = len(server.requests)
    with pytest.raises(Exception) as raised:
        run(structured(models.chat_model("openai", server, False)))
    return type(raised.value), str(raised.value), len(server.requests) - before


def test_a_failing_call_raises_as_it_would_untraced_and_ends_its_span_failed(
    traced, server
) -> None:
    """AgentScope retries a rate limit within its strategy, then gives up:
    the same error and the same requests with or without otelscope."""
    traced_outcome = failing_call(server)
    [span] = traced.spans()
    traced.instrumentor.uninstrument()
    assert failing_call(server) == traced_outcome
    assert traced_outcome[0].__name__ == "RateLimitError"
    assert traced_outcome[2] == models.FAILED_CALL_REQUESTS

    assert span.status.status_code == StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]
    assert dict(span.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": models.ASKED_MODEL,
        "gen_ai.request.max_tokens": models.MAX_TOKENS,
        "gen_ai.request.stream": False,
        "gen_ai.output.type": "json",
        "error.type": "openai.RateLimitError",
        "http.response.status_code": 429,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "otelscope.request.attempts": models.FAILED_CALL_REQUESTS,
    }


# -- A scripted model ------------------------------------------------------------------


class StructuredModel(kit.ScriptedChatModel):
    """Answers each ``_call_api`` from ``answers``: a dict is a call of the
    structured-output tool with it as arguments, a string a text answer, an
    exception is raised. Remembers the tool choice of each call."""

    def __init__(self, *answers: Any, stream: bool = False) -> None:
        super().__init__(stream=stream)
        self.answers = list(answers)
        self.tool_choices: list[str | None] = []

    async def _call_api(
        self,
        model_name: str,
        messages: list[Msg],
        tools: Any = None,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> ChatResponse | AsyncGenerator[ChatResponse, None]:
        self.tool_choices.append(tool_choice.mode if tool_choice is not None else None)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        content: list[Any]
        if isinstance(answer, str):
            content = [TextBlock(text=answer, id="text")]
        else:
            content = [ToolCallBlock(id="call-1", name=TOOL, input=json.dumps(answer))]
        if not self.stream:
            return ChatResponse(content=content, is_last=True, usage=kit.usage(), id="resp-1")
        return _deltas(content)


async def _deltas(content: list[Any]) -> AsyncGenerator[ChatResponse, None]:
    yield ChatResponse(content=content, is_last=False, id="resp-1")
    yield ChatResponse(content=[], is_last=False, usage=kit.usage(), id="resp-1")


SCRIPTED = {
    **CHAT,
    "gen_ai.request.stream": False,
    "gen_ai.output.type": "json",
    "gen_ai.response.id": "resp-1",
    "gen_ai.usage.input_tokens": 10,
    "gen_ai.usage.output_tokens": 5,
}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_scripted_call_is_one_chat_span(traced, stream: bool) -> None:
    model = StructuredModel(ANSWER, stream=stream)

    response = asyncio.run(structured(model))

    assert response.content == ANSWER
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("chat scripted-model", [])
    kit.assert_ok(tree)
    assert tree.attributes == {**SCRIPTED, "gen_ai.request.stream": stream}


def test_a_fallback_to_a_later_strategy_is_one_span(traced) -> None:
    model = StructuredModel("no tool call", ANSWER)

    response = asyncio.run(structured(model))

    assert (response.content, model.tool_choices) == (ANSWER, [TOOL, "auto"])
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("chat scripted-model", [])
    kit.assert_ok(tree)
    # The tokens of the strategy that answered (AgentScope's response).
    assert tree.attributes == SCRIPTED


def test_an_explicit_tool_choice_is_one_span(traced) -> None:
    model = StructuredModel(ANSWER)

    response = asyncio.run(structured(model, tool_choice=ToolChoice(mode="auto")))

    assert (response.content, model.tool_choices) == (ANSWER, ["auto"])
    [span] = traced.spans()
    assert dict(span.attributes) == SCRIPTED


def test_an_error_reaches_the_caller_unchanged_and_fails_the_span(traced) -> None:
    error = ValueError("model offline")
    model = StructuredModel(error)

    with pytest.raises(ValueError) as raised:
        asyncio.run(structured(model))

    assert raised.value is error
    assert model.tool_choices == [TOOL]  # not retried, no other strategy
    [tree] = build_trees(traced.spans())
    kit.assert_failed(tree, "ValueError", "ValueError: model offline", "model offline")
    assert tree.attributes == {
        **CHAT,
        "gen_ai.request.stream": False,
        "gen_ai.output.type": "json",
        "error.type": "ValueError",
    }
    [duration] = traced.metrics()[conv.METRIC_OPERATION_DURATION]
    assert dict(duration.attributes) == {**CHAT, "error.type": "ValueError"}
    assert_histogram(duration, conv.DURATION_BUCKETS, 1, span_seconds(tree.span))
    assert conv.METRIC_TOKEN_USAGE not in traced.metrics()


def test_every_strategy_failing_is_one_failed_span(traced) -> None:
    model = StructuredModel("text", "text", "text")

    with pytest.raises(StructuredOutputError) as raised:
        asyncio.run(structured(model))

    # AgentScope's own error, chained to the first strategy's.
    assert isinstance(raised.value.__cause__, StructuredOutputError)
    assert model.tool_choices == [TOOL, "auto", None]
    [tree] = build_trees(traced.spans())
    error_type = "agentscope.exception._model.StructuredOutputError"
    message = str(raised.value)
    kit.assert_failed(tree, error_type, f"StructuredOutputError: {message}", message)


def test_a_cancelled_call_is_a_cancelled_span(traced) -> None:
    model = StructuredModel(asyncio.CancelledError())

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(structured(model))

    [tree] = build_trees(traced.spans())
    kit.assert_cancelled(tree)


class SelfCallingModel(StructuredModel):
    """Makes its structured-output attempt through its own ``__call__``."""

    async def _call_api_with_structured_output(
        self, model_name: str, messages: list[Msg], structured_model: Any, **kwargs: Any
    ) -> StructuredResponse:
        response = await self(messages, tools=[{"type": "function", "function": {"name": TOOL}}])
        call = response.content[0]
        return StructuredResponse(content=json.loads(call.input), usage=response.usage, id="mine")


class OverridingModel(StructuredModel):
    """Overrides ``generate_structured_output``, calling ``super()``."""

    async def generate_structured_output(self, *args: Any, **kwargs: Any) -> StructuredResponse:
        response = await super().generate_structured_output(*args, **kwargs)
        response.metadata["checked"] = True
        return response


def test_an_override_that_calls_the_model_itself_is_still_one_span(traced) -> None:
    model = SelfCallingModel(ANSWER)

    response = asyncio.run(structured(model))

    assert (response.content, response.id) == (ANSWER, "mine")
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("chat scripted-model", [])
    assert tree.attributes == {**SCRIPTED, "gen_ai.response.id": "mine"}


def test_an_override_of_the_method_itself_is_one_span(traced) -> None:
    model = OverridingModel(ANSWER)

    response = asyncio.run(structured(model))

    assert (response.content, response.metadata) == (ANSWER, {"checked": True})
    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("chat scripted-model", [])
    assert tree.attributes == SCRIPTED


def test_the_model_called_in_a_structured_call_of_another_is_its_own_span(traced) -> None:
    """Only the same model steps aside: another one called inside is a chat of its own."""
    inner = kit.ScriptedChatModel()

    class Consulting(StructuredModel):
        async def _call_api_with_structured_output(
            self, model_name: str, messages: list[Msg], structured_model: Any, **kwargs: Any
        ) -> StructuredResponse:
            await inner(messages)
            return StructuredResponse(content=ANSWER, usage=kit.usage(), id="resp-1")

    async def consult() -> StructuredResponse:
        kit.current_script.set(kit.Script("Oslo", [kit.Step(text="Sunny")]))  # the inner model's
        return await structured(Consulting())

    assert asyncio.run(consult()).content == ANSWER

    [tree] = build_trees(traced.spans())
    assert tree.shape() == ("chat scripted-model", [("chat scripted-model", [])])
    assert "gen_ai.output.type" not in tree.children[0].attributes
    assert tree.attributes == SCRIPTED


def test_overlapping_calls_on_one_model_are_a_span_each(traced) -> None:
    model = StructuredModel(ANSWER, ANSWER, ANSWER)

    async def overlapping() -> list[StructuredResponse]:
        return await asyncio.gather(*(structured(model) for _ in range(3)))

    assert [r.content for r in asyncio.run(overlapping())] == [ANSWER] * 3
    trees = build_trees(traced.spans())
    assert [tree.shape() for tree in trees] == [("chat scripted-model", [])] * 3
    assert [tree.attributes for tree in trees] == [SCRIPTED] * 3


# -- Inside an agent call --------------------------------------------------------------


def test_an_agents_structured_reply_is_ordinary_chats_and_its_tool(traced) -> None:
    """An agent asked for a structured reply offers its model a tool through
    ``__call__``: the tree is that of any tool round, and no call of it is a
    structured-output call."""
    script = kit.Script("Paris", [kit.CallTool(name="GenerateStructuredOutput", arguments=ANSWER)])
    agent = kit.make_agent(model=kit.OwnScriptChatModel(script))

    reply = asyncio.run(agent.reply(UserMsg(name="user", content="?"), structured_schema=Weather))

    assert reply.structured_output == ANSWER
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (
        "invoke_agent Friday",
        [
            (
                "react step",
                [("chat scripted-model", []), ("execute_tool GenerateStructuredOutput", [])],
            )
        ],
    )
    assert all("gen_ai.output.type" not in node.attributes for node in tree.walk())


class Classifier(StructuredModel):
    """A model router's classifier, named apart from the agent's model."""

    def __init__(self, *answers: Any) -> None:
        super().__init__(*answers)
        self.model = "classifier-model"


def test_a_model_routers_classification_is_a_chat_of_the_agent_call(traced) -> None:
    """``ModelRouterMiddleware`` classifies the input with a structured-output
    call as the reply starts: a chat span under the call, before its round,
    whose tokens count toward the call."""
    fast = kit.OwnScriptChatModel(kit.Script("Rome", [kit.Step(text="Sunny")]))
    router = ModelRouterMiddleware(
        classifier_model=Classifier({"choice": "fast"}),
        candidates=[ChatModelCandidate(name="fast", model=fast, description="short questions")],
    )
    agent = Agent(
        name="Friday",
        system_prompt="You are a test agent.",
        model=kit.ScriptedChatModel(),
        toolkit=kit.make_toolkit(),
        middlewares=[router],
        react_config=ReActConfig(max_iters=3),
    )

    reply = asyncio.run(kit.reply_to(agent, "sun?"))

    assert kit.reply_text(reply) == "Sunny"
    [tree] = build_trees(traced.spans())
    assert tree.shape() == (
        "invoke_agent Friday",
        [("chat classifier-model", []), ("react step", [("chat scripted-model", [])])],
    )
    [classify] = tree.find("chat classifier-model")
    assert classify.attributes == {
        **SCRIPTED,
        "gen_ai.request.model": "classifier-model",
        "gen_ai.conversation.id": kit.conversation_id(agent),
    }
    assert tree.attributes["otelscope.usage.input_tokens"] == 20
    [round_span] = tree.find("react step")
    assert round_span.attributes["otelscope.usage.input_tokens"] == 10


# -- Sampling and content -----------------------------------------------------------


def test_a_dropped_call_starts_no_span_and_does_no_content_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forbid_serializing(monkeypatch)

    def refuse(*args: Any) -> Any:
        raise Serialized

    monkeypatch.setattr(readers, "structured_output_tool", refuse)
    dropped = Traced(sampler=ALWAYS_OFF)
    dropped.instrument(capture_content="SPAN_AND_EVENT")
    try:
        model = StructuredModel(ANSWER)
        response = asyncio.run(structured(model))
    finally:
        dropped.instrumentor.uninstrument()

    assert response.content == ANSWER
    assert dropped.spans() == []
    assert take_internal_errors() == []
    # Metrics do not depend on sampling.
    metrics = dropped.metrics()
    [duration] = metrics[conv.METRIC_OPERATION_DURATION]
    assert (dict(duration.attributes), duration.count) == (CHAT, 1)
    usage = points_by_attributes(metrics[conv.METRIC_TOKEN_USAGE])
    assert {dict(key)["gen_ai.token.type"]: p.sum for key, p in usage.items()} == {
        "input": 10,
        "output": 5,
    }


def messages_with_system() -> list[Msg]:
    return [SystemMsg(name="system", content="Answer in JSON."), *question()]


CONTENT = {
    SYSTEM: [{"type": "text", "content": "Answer in JSON."}],
    INPUT: [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}],
    TOOLS: [{"type": "function", "name": TOOL, "parameters": SCHEMA}],
    OUTPUT: [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": json.dumps(ANSWER)}],
            "finish_reason": "completed",
        }
    ],
}


def test_with_capture_on_the_span_holds_the_request_and_the_structured_output(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    model = StructuredModel(ANSWER)

    asyncio.run(model.generate_structured_output(messages_with_system(), Weather))

    tree = capture.tree()
    assert content_of(tree.attributes) == CONTENT
    assert {k: v for k, v in tree.attributes.items() if k not in CONTENT} == SCRIPTED
    assert capture.records() == []


def test_a_schema_given_as_a_dict_is_the_tool_definition(capture) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}

    asyncio.run(
        StructuredModel({"city": "Oslo"}).generate_structured_output(
            messages=question(), structured_model=schema
        )
    )

    recorded = content_of(capture.tree().attributes)
    assert recorded[TOOLS] == [{"type": "function", "name": TOOL, "parameters": schema}]
    assert recorded[OUTPUT][0]["parts"] == [{"type": "text", "content": '{"city": "Oslo"}'}]


def test_the_provider_finish_reason_is_the_output_messages(capture, server) -> None:
    capture.instrument(capture_content="SPAN_ONLY")
    server.script(answering())

    run(structured(models.chat_model("openai", server, False)))

    output = content_of(capture.tree().attributes)[OUTPUT]
    assert output == [{**CONTENT[OUTPUT][0], "finish_reason": "tool_call"}]


def test_the_event_carries_the_same_content(capture) -> None:
    capture.instrument(capture_content="EVENT_ONLY")

    asyncio.run(StructuredModel(ANSWER).generate_structured_output(messages_with_system(), Weather))

    tree = capture.tree()
    assert content_of(tree.attributes) == {}
    [record] = capture.records()
    assert record.event_name == "gen_ai.client.inference.operation.details"
    assert content_of(record.attributes) == CONTENT


def test_the_output_obeys_the_length_limit_and_redaction(capture) -> None:
    limit = 60
    capture.instrument(
        capture_content="SPAN_ONLY",
        max_content_length=limit,
        redact=lambda key, value: value.replace("Paris", "[city]"),
    )

    asyncio.run(structured(StructuredModel(ANSWER)))

    recorded = capture.tree().attributes
    whole = json.dumps(CONTENT[OUTPUT]).replace("Paris", "[city]")
    assert recorded[OUTPUT] == cut(whole, limit)
    assert "Paris" not in recorded[INPUT]


def test_with_capture_off_nothing_of_it_is_serialized(capture, monkeypatch) -> None:
    forbid_serializing(monkeypatch)

    def refuse(*args: Any) -> Any:
        raise Serialized

    monkeypatch.setattr(readers, "structured_output_tool", refuse)
    capture.instrument(capture_content="NO_CONTENT")

    response = asyncio.run(structured(StructuredModel(ANSWER)))

    assert response.content == ANSWER
    tree = capture.tree()
    assert tree.attributes == SCRIPTED
    assert capture.records() == []
