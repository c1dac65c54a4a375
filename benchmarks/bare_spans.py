"""The no-logic configuration, ``bare-spans``: otelscope's spans at otelscope's entry points,
made by wrappers that do nothing else.

The span floor makes the same spans in a tight loop; in a real call AgentScope's code runs
between span operations and every span sits behind a coroutine or generator layer, so even
instrumentation without logic costs more per span. Each wrapper here starts its span with the
attributes otelscope set on it in the probe call (JSON in ``BENCH_SPAN_ATTRIBUTES``, by the span
name's first word; ``chat stream`` for a streaming model), makes it current around the wrapped
call (2.x async generators: around each step, never across a ``yield``) and ends it:
``invoke_agent``: 1.x ``AgentBase.__call__``, 2.x ``Agent.reply``; ``react step``: opened by
``_reasoning``, which ends the one before, ended with the agent call, current around
``_acting``; ``chat``: the model's ``__call__`` (ended when it returns, a stream too);
``execute_tool``: 1.x ``Toolkit.call_tool_function`` (ended when it returns), 2.x
``Toolkit.call_tool``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextvars import ContextVar
from importlib import metadata
from typing import Any

from opentelemetry import context
from opentelemetry.trace import Span, SpanKind, Tracer, set_span_in_context

CHAT_NAME = "chat scripted-model"
TOOL_NAME = "execute_tool get_weather"
ROUND_NAME = "react step"

# The agent call's open react step: a one-item holder per call, None outside one.
_open_round: ContextVar[list[Span | None] | None] = ContextVar("bare_open_round", default=None)

Method = Callable[..., Any]
SpanOf = Callable[[tuple[Any, ...]], Span | None]


def install(tracer: Tracer, model_class: type, attributes: dict[str, dict[str, Any]]) -> None:
    """Wrap AgentScope's entry points and ``model_class.__call__``."""
    plain, tool = attributes.get("chat", {}), attributes.get("execute_tool", {})
    streamed, react = attributes.get("chat stream", plain), attributes.get("react", {})

    def chat_span(args: tuple[Any, ...]) -> Span:
        chat = streamed if args[0].stream else plain
        return tracer.start_span(CHAT_NAME, kind=SpanKind.CLIENT, attributes=chat)

    def tool_span(_: tuple[Any, ...]) -> Span:
        return tracer.start_span(TOOL_NAME, kind=SpanKind.INTERNAL, attributes=tool)

    def next_round(_: tuple[Any, ...]) -> Span | None:
        """End the open round of this agent call and open the next one."""
        holder = _open_round.get()
        if holder is None:
            return None
        if holder[0] is not None:
            holder[0].end()
        holder[0] = tracer.start_span(ROUND_NAME, kind=SpanKind.INTERNAL, attributes=react)
        return holder[0]

    def open_round(_: tuple[Any, ...]) -> Span | None:
        holder = _open_round.get()
        return None if holder is None else holder[0]

    agent = _agent_call(tracer, attributes.get("invoke_agent", {}))
    model_class.__call__ = _around(model_class.__call__, chat_span, end=True)
    if int(metadata.version("agentscope").split(".", 1)[0]) >= 2:
        from agentscope.agent import Agent
        from agentscope.tool import Toolkit

        Agent.reply = agent(Agent.reply)
        Agent._reasoning = _in_steps(Agent._reasoning, next_round, end=False)
        Agent._acting = _in_steps(Agent._acting, open_round, end=False)
        Toolkit.call_tool = _in_steps(Toolkit.call_tool, tool_span, end=True)
    else:
        from agentscope.agent import AgentBase, ReActAgent
        from agentscope.tool import Toolkit

        AgentBase.__call__ = agent(AgentBase.__call__)
        ReActAgent._reasoning = _around(ReActAgent._reasoning, next_round, end=False)
        ReActAgent._acting = _around(ReActAgent._acting, open_round, end=False)
        call_tool = _around(Toolkit.call_tool_function, tool_span, end=True)
        Toolkit.call_tool_function = call_tool


def _agent_call(tracer: Tracer, attributes: dict[str, Any]) -> Callable[[Method], Method]:
    def wrap(original: Method) -> Method:
        async def agent_call(agent: Any, *args: Any, **kwargs: Any) -> Any:
            name = f"invoke_agent {agent.name}"
            span = tracer.start_span(name, kind=SpanKind.INTERNAL, attributes=attributes)
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

    return wrap


def _around(original: Method, span_of: SpanOf, end: bool) -> Method:
    """A coroutine function: ``span_of(args)`` current around the call; ``end``: end it after."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        span = span_of(args)
        if span is None:
            return await original(*args, **kwargs)
        token = context.attach(set_span_in_context(span))
        try:
            return await original(*args, **kwargs)
        finally:
            context.detach(token)
            if end:
                span.end()

    return wrapper


def _in_steps(original: Method, span_of: SpanOf, end: bool) -> Method:
    """An async generator function: ``span_of(args)`` current while each item is made, never
    across a ``yield``; ``end``: end it when the generator is done."""

    def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        span = span_of(args)
        inner: AsyncGenerator[Any, None] = original(*args, **kwargs)
        return inner if span is None else _steps(span, inner, end)

    return wrapper


async def _steps(
    span: Span, inner: AsyncGenerator[Any, None], end: bool
) -> AsyncGenerator[Any, None]:
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
        if end:
            span.end()
