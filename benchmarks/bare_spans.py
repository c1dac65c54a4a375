"""The in-situ floor: what span creation costs at otelscope's entry points
when the instrumentation does nothing else.

The bare-SDK floor (``benchmarks.floor``) makes the same spans in a tight
loop, with warm caches and nothing running between two span operations. In
a real call AgentScope's own code runs in between and every span sits behind
a coroutine or generator layer, so even instrumentation without any logic
costs more per span than that loop. This module is that instrumentation, the
``bare-spans`` configuration: it wraps the methods otelscope wraps and makes
the spans otelscope makes for the benchmark's workload (same names, kinds and
nesting, a constant attribute dict each), and nothing else: no reading of
arguments or results, no metrics, no error handling beyond ending the span.
otelscope's CPU per span over this configuration's is the "in-situ ratio".

Each wrapper starts its span with a constant attribute dict, makes it the
current span around the wrapped call, then ends it:

- ``invoke_agent <agent name>``: 1.x ``AgentBase.__call__``, 2.x ``Agent.reply``;
- ``react step``: 1.x ``ReActAgent._reasoning``, 2.x ``Agent._reasoning``.
  Reasoning ends the round before it and opens the next one, which stays open
  until the next reasoning or the end of the agent call (a per-call holder in
  a ``ContextVar``); acting (1.x ``ReActAgent._acting``, 2.x ``Agent._acting``)
  only makes the open round current around itself, so tool spans nest in it;
- ``chat scripted-model``: the model class's ``__call__``;
- ``execute_tool get_weather``: 1.x ``Toolkit.call_tool_function``, 2.x
  ``Toolkit.call_tool``.

The 2.x reasoning, acting and ``call_tool`` are async generators: their span
is current around each step of the wrapped generator, never across a
``yield``. Where a span ends in a stream is not precise, which does not
change what it costs: a model's ``__call__`` that returns a stream (both
lines, streaming scenario) and 1.x ``call_tool_function`` (which returns the
async generator the tool body runs in) end their span when the call returns,
before the stream is read. ``invoke_agent`` and ``react step`` spans are
nested and ended as otelscope's are.

Only AgentScope and the OpenTelemetry API are imported, so this runs in the
test venvs of both lines.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextvars import ContextVar
from importlib import metadata
from typing import Any

from opentelemetry import context
from opentelemetry.trace import Span, SpanKind, Tracer, set_span_in_context
from opentelemetry.util.types import AttributeValue

# Constant attributes: the keys otelscope sets on these spans for this workload.
AGENT_ATTRIBUTES: dict[str, AttributeValue] = {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.provider.name": "agentscope",
    "gen_ai.agent.name": "Forecaster",
    "gen_ai.agent.id": "forecaster",
    "gen_ai.request.model": "scripted-model",
    "gen_ai.conversation.id": "conversation",
    "otelscope.usage.input_tokens": 30,
    "otelscope.usage.output_tokens": 10,
}
ROUND_ATTRIBUTES: dict[str, AttributeValue] = {
    "gen_ai.operation.name": "react",
    "gen_ai.conversation.id": "conversation",
    "gen_ai.react.round": 1,
    "gen_ai.react.finish_reason": "tool_calls",
    "otelscope.usage.input_tokens": 10,
    "otelscope.usage.output_tokens": 5,
}
CHAT_ATTRIBUTES: dict[str, AttributeValue] = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "agentscope",
    "gen_ai.request.model": "scripted-model",
    "gen_ai.request.stream": False,
    "gen_ai.conversation.id": "conversation",
    "gen_ai.response.id": "response",
    "gen_ai.response.finish_reasons": ("tool_calls",),
    "gen_ai.usage.input_tokens": 10,
    "gen_ai.usage.output_tokens": 5,
}
TOOL_ATTRIBUTES: dict[str, AttributeValue] = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.conversation.id": "conversation",
    "gen_ai.tool.name": "get_weather",
    "gen_ai.tool.type": "function",
    "gen_ai.tool.call.id": "call-1",
    "gen_ai.tool.description": "Get the weather of a city.",
}
CHAT_NAME = "chat scripted-model"
TOOL_NAME = "execute_tool get_weather"
ROUND_NAME = "react step"

# The agent call's open react step: a one-item holder per call, None outside one.
_open_round: ContextVar[list[Span | None] | None] = ContextVar("bare_open_round", default=None)

Method = Callable[..., Any]


def install(tracer: Tracer, model_class: type) -> Callable[[], None]:
    """Wrap AgentScope's entry points and ``model_class.__call__``; returns
    the function that puts the originals back."""
    wrappers = _Wrappers(tracer)
    replaced: list[tuple[type, str, Any]] = []

    def replace(owner: type, name: str, wrapper: Method) -> None:
        # None: `owner` only inherited it (a 2.x model's `__call__`).
        replaced.append((owner, name, owner.__dict__.get(name)))
        setattr(owner, name, wrapper)

    replace(
        model_class,
        "__call__",
        wrappers.coroutine(model_class.__call__, CHAT_NAME, SpanKind.CLIENT, CHAT_ATTRIBUTES),
    )
    if int(metadata.version("agentscope").split(".", 1)[0]) >= 2:
        _install_v2(wrappers, replace)
    else:
        _install_v1(wrappers, replace)

    def uninstall() -> None:
        while replaced:
            owner, name, original = replaced.pop()
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    return uninstall


Replace = Callable[[type, str, Method], None]


def _install_v1(wrappers: _Wrappers, replace: Replace) -> None:
    from agentscope.agent import AgentBase, ReActAgent
    from agentscope.tool import Toolkit

    replace(AgentBase, "__call__", wrappers.agent_call(AgentBase.__call__))
    replace(ReActAgent, "_reasoning", wrappers.reasoning(ReActAgent._reasoning))
    replace(ReActAgent, "_acting", wrappers.acting(ReActAgent._acting))
    tool_call = wrappers.coroutine(
        Toolkit.call_tool_function, TOOL_NAME, SpanKind.INTERNAL, TOOL_ATTRIBUTES
    )
    replace(Toolkit, "call_tool_function", tool_call)


def _install_v2(wrappers: _Wrappers, replace: Replace) -> None:
    from agentscope.agent import Agent
    from agentscope.tool import Toolkit

    replace(Agent, "reply", wrappers.agent_call(Agent.reply))
    replace(Agent, "_reasoning", wrappers.reasoning_stream(Agent._reasoning))
    replace(Agent, "_acting", wrappers.acting_stream(Agent._acting))
    replace(Toolkit, "call_tool", wrappers.stream(Toolkit.call_tool, TOOL_NAME, TOOL_ATTRIBUTES))


class _Wrappers:
    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def agent_call(self, original: Method) -> Method:
        tracer = self.tracer

        async def agent_call(agent: Any, *args: Any, **kwargs: Any) -> Any:
            span = tracer.start_span(
                f"invoke_agent {agent.name}", kind=SpanKind.INTERNAL, attributes=AGENT_ATTRIBUTES
            )
            holder: list[Span | None] = [None]
            holder_token = _open_round.set(holder)
            token = context.attach(set_span_in_context(span))
            try:
                return await original(agent, *args, **kwargs)
            finally:
                if holder[0] is not None:
                    holder[0].end()
                context.detach(token)
                _open_round.reset(holder_token)
                span.end()

        return agent_call

    def coroutine(
        self, original: Method, name: str, kind: SpanKind, attributes: dict[str, AttributeValue]
    ) -> Method:
        tracer = self.tracer

        async def traced(*args: Any, **kwargs: Any) -> Any:
            span = tracer.start_span(name, kind=kind, attributes=attributes)
            token = context.attach(set_span_in_context(span))
            try:
                return await original(*args, **kwargs)
            finally:
                context.detach(token)
                span.end()

        return traced

    def stream(self, original: Method, name: str, attributes: dict[str, AttributeValue]) -> Method:
        tracer = self.tracer

        async def traced(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            span = tracer.start_span(name, kind=SpanKind.INTERNAL, attributes=attributes)
            inner = original(*args, **kwargs)
            try:
                while True:
                    token = context.attach(set_span_in_context(span))
                    try:
                        item = await inner.__anext__()
                    except StopAsyncIteration:
                        return
                    finally:
                        context.detach(token)
                    yield item
            finally:
                span.end()

        return traced

    def _next_round(self) -> Span | None:
        """End the open round of this agent call and open the next one."""
        holder = _open_round.get()
        if holder is None:
            return None
        if holder[0] is not None:
            holder[0].end()
        holder[0] = self.tracer.start_span(
            ROUND_NAME, kind=SpanKind.INTERNAL, attributes=ROUND_ATTRIBUTES
        )
        return holder[0]

    def reasoning(self, original: Method) -> Method:
        next_round = self._next_round

        async def reasoning(*args: Any, **kwargs: Any) -> Any:
            span = next_round()
            if span is None:
                return await original(*args, **kwargs)
            token = context.attach(set_span_in_context(span))
            try:
                return await original(*args, **kwargs)
            finally:
                context.detach(token)

        return reasoning

    @staticmethod
    def acting(original: Method) -> Method:
        async def acting(*args: Any, **kwargs: Any) -> Any:
            holder = _open_round.get()
            if holder is None or holder[0] is None:
                return await original(*args, **kwargs)
            token = context.attach(set_span_in_context(holder[0]))
            try:
                return await original(*args, **kwargs)
            finally:
                context.detach(token)

        return acting

    def reasoning_stream(self, original: Method) -> Method:
        next_round = self._next_round

        def reasoning(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            span = next_round()
            inner: AsyncGenerator[Any, None] = original(*args, **kwargs)
            return inner if span is None else _current_in_steps(span, inner)

        return reasoning

    @staticmethod
    def acting_stream(original: Method) -> Method:
        def acting(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            holder = _open_round.get()
            inner: AsyncGenerator[Any, None] = original(*args, **kwargs)
            if holder is None or holder[0] is None:
                return inner
            return _current_in_steps(holder[0], inner)

        return acting


async def _current_in_steps(
    span: Span, inner: AsyncGenerator[Any, None]
) -> AsyncGenerator[Any, None]:
    """``inner``'s items, with ``span`` current while each one is made."""
    while True:
        token = context.attach(set_span_in_context(span))
        try:
            item = await inner.__anext__()
        except StopAsyncIteration:
            return
        finally:
            context.detach(token)
        yield item
