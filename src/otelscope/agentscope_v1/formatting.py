"""How a 1.x formatter prepared a model's input, on that model's chat span.

A 1.x agent formats its messages (``formatter.format(msgs)``) and passes the
formatted list to its model. otelscope records the formatting on the chat
span rather than as a span of its own: the formatter's class, the messages
it was given, and how many of them truncation removed
(``TruncatedFormatterBase`` drops old messages while the formatted prompt
exceeds ``max_tokens``). A separate span would put a sibling before every
chat span for a step that takes microseconds unless a token counter runs.

Matching is by identity: the wrapped ``format`` remembers, in the calling
task's context, the list it returned; a model call whose ``messages`` is that
very list gets its counts. A model called with any other list (formatted by
hand, copied, edited) gets none, so nothing is ever attached to the wrong
call. The model call that takes the remembered list also forgets it, so the
caller's context does not hold the last prompt once the call is over.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sized
from contextvars import ContextVar
from typing import Any, NamedTuple

from otelscope.core.calls import current_call
from otelscope.core.guard import report_internal_error, suppressed
from otelscope.core.hierarchy import NestedCallGuard, wrap_own_methods
from otelscope.core.patching import Patches
from otelscope.core.records import Formatting

AsyncMethod = Callable[..., Coroutine[Any, Any, Any]]


class _Truncation:
    __slots__ = ("removed",)

    def __init__(self) -> None:
        self.removed = 0


class _Formatted(NamedTuple):
    output: object
    formatting: Formatting


_last_formatted: ContextVar[_Formatted | None] = ContextVar(
    "otelscope_v1_last_formatted", default=None
)
_truncation: ContextVar[_Truncation | None] = ContextVar("otelscope_v1_truncation", default=None)
_formatting = NestedCallGuard("otelscope_v1_format_in_call")
_truncating = NestedCallGuard("otelscope_v1_truncate_in_call")


def install(patches: Patches) -> None:
    from agentscope.formatter import FormatterBase, TruncatedFormatterBase

    wrap_own_methods(FormatterBase, "format", _traced_format(TruncatedFormatterBase), patches)
    wrap_own_methods(TruncatedFormatterBase, "_truncate", _counted_truncate, patches)


def formatting_of(messages: object) -> Formatting | None:
    """The formatting that produced ``messages``, if this context made it."""
    last = _last_formatted.get()
    if last is None or last.output is not messages:
        return None
    _last_formatted.set(None)
    return last.formatting


def _traced_format(truncating_base: type) -> Callable[[AsyncMethod], AsyncMethod]:
    def wrap(original: AsyncMethod) -> AsyncMethod:
        async def format(self: Any, *args: Any, **kwargs: Any) -> Any:
            if suppressed() or _formatting.is_running(self) or _in_dropped_call():
                return await original(self, *args, **kwargs)
            truncation = _Truncation() if isinstance(self, truncating_base) else None
            token = _truncation.set(truncation)
            running = _formatting.enter(self)
            try:
                output = await original(self, *args, **kwargs)
            finally:
                _formatting.leave(running)
                _truncation.reset(token)
            try:
                _remember(self, args, kwargs, output, truncation)
            except Exception:
                report_internal_error("remembering a formatter's output")
            return output

        return format

    return wrap


def _in_dropped_call() -> bool:
    """The counts go on a chat span only: a dropped call has none."""
    call = current_call()
    return call is not None and call.dropped


def _remember(
    formatter: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    output: object,
    truncation: _Truncation | None,
) -> None:
    given = args[0] if args else kwargs.get("msgs")
    formatting = Formatting(
        formatter=type(formatter).__name__,
        input_messages=len(given) if isinstance(given, Sized) else None,
        truncated_messages=None if truncation is None else truncation.removed,
    )
    _last_formatted.set(_Formatted(output, formatting))


def _counted_truncate(original: AsyncMethod) -> AsyncMethod:
    async def _truncate(self: Any, msgs: Any, *args: Any, **kwargs: Any) -> Any:
        if _truncating.is_running(self):
            return await original(self, msgs, *args, **kwargs)
        running = _truncating.enter(self)
        try:
            kept = await original(self, msgs, *args, **kwargs)
        finally:
            _truncating.leave(running)
        truncation = _truncation.get()
        if truncation is not None:
            try:
                truncation.removed += len(msgs) - len(kept)
            except Exception:
                report_internal_error("counting truncated messages")
        return kept

    return _truncate
