"""Ending an ``execute_tool`` span with the tool's response stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otelscope.core.operation import Operation


class ToolStream:
    """Observes the items a tool call yields; ``interrupted(item)`` says
    whether an item reports the tool as interrupted (None: it does not say)."""

    __slots__ = ("_interrupted", "_is_interrupted", "_operation")

    def __init__(self, operation: Operation, interrupted: Callable[[Any], bool | None]) -> None:
        self._operation = operation
        self._is_interrupted = interrupted
        self._interrupted = False

    def item(self, item: Any) -> None:
        verdict = self._is_interrupted(item)
        if verdict is not None:
            self._interrupted = verdict

    def finished(self) -> None:
        if self._interrupted:
            self._operation.cancel()
        else:
            self._operation.stop()

    def failed(self, error: BaseException) -> None:
        self._operation.fail(error)

    def closed(self) -> None:
        self._operation.cancel()
