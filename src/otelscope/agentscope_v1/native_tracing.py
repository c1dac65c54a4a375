"""Coexisting with AgentScope 1.x's own tracing.

``agentscope.init(tracing_url=...)`` switches on 1.x's ``trace_*`` decorators
through the ContextVar ``agentscope._config._trace_enabled``. They would emit
a second span for every agent reply, model and tool call that otelscope
already traces (and a ``format`` span), so inside every operation otelscope
traces the flag is set to False for that context only and restored after.
The exporter that ``init`` installed stays: it receives otelscope's spans.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from typing import Any


def _flag() -> ContextVar[bool] | None:
    try:
        import agentscope

        flag: Any = getattr(agentscope._config, "_trace_enabled", None)
    except Exception:
        return None
    return flag if isinstance(flag, ContextVar) else None


_TRACE_ENABLED = _flag()


def native_tracing_off() -> AbstractContextManager[None]:
    """Switch AgentScope's own spans off for this context, if they are on."""
    if _TRACE_ENABLED is None or not _TRACE_ENABLED.get():
        return _NOTHING_TO_SWITCH
    return _TracingOff(_TRACE_ENABLED)


_NOTHING_TO_SWITCH = nullcontext()


class _TracingOff:
    __slots__ = ("_flag", "_token")

    def __init__(self, flag: ContextVar[bool]) -> None:
        self._flag = flag

    def __enter__(self) -> None:
        self._token = self._flag.set(False)

    def __exit__(self, *exc_info: object) -> None:
        self._flag.reset(self._token)
