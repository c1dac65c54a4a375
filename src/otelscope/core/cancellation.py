"""Seeing a cancellation that the framework absorbed.

AgentScope often answers a cancelled call instead of raising (1.x returns an
"interrupted" message; 2.x an interrupted reply) and catches the
``CancelledError`` without ``uncancel()``. The running task's count of
cancellation requests then stays raised, so comparing it before and after a
call tells that the call was cancelled even though it returned.
"""

from __future__ import annotations

import asyncio


def cancel_requests(task: asyncio.Task[object] | None = None) -> int:
    """Cancellation requests pending on ``task`` (default: the running task;
    0 outside any task)."""
    task = task if task is not None else asyncio.current_task()
    return task.cancelling() if task is not None else 0
