"""Machinery attached to an agent only while it has calls in flight.

Some framework extension points are per agent instance (AgentScope 2.x keeps
its middleware lists on each ``Agent``). otelscope attaches its machinery when
the first call on an agent starts and detaches it when the last call on that
agent ends, so an uninstrumented process leaves no trace on any agent, and
overlapping calls on one agent share a single registration instead of
stacking one per call.

- The count is kept in a ``weakref.WeakKeyDictionary`` keyed on the agent
  itself: ``id(agent)`` would be reused by a later object once the agent is
  freed, and the dictionary must not keep agents alive.
- Attaching is all-or-nothing: if one step is rejected, the steps already
  done are undone in reverse order and the count stays at zero.
- Releasing an agent that holds nothing is a no-op.
- A step that finds its registration already gone when detaching (the user
  cleared it) is reported instead of passing silently.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Protocol

from otelscope.core.guard import report_internal_error, report_problem


class AttachStep(Protocol):
    """One registration on an agent."""

    name: str

    def attach(self, agent: object) -> None:
        """Register on ``agent``; raise if the framework rejects it."""

    def detach(self, agent: object) -> bool:
        """Undo ``attach``; return False if the registration was already gone."""


class AgentAttachments:
    """Reference-counted, all-or-nothing attachment of ``steps`` to agents."""

    def __init__(self, steps: Sequence[AttachStep]) -> None:
        self._steps = tuple(steps)
        self._counts: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
        # Agents may be shared by threads that each run their own event loop.
        self._lock = threading.Lock()

    def acquire(self, agent: object) -> bool:
        """Count one more call on ``agent``, attaching on the first; False if
        the attachment was rejected (the call then runs untraced)."""
        with self._lock:
            count = self._counts.get(agent, 0)
            if count == 0 and not self._attach_all(agent):
                return False
            self._counts[agent] = count + 1
            return True

    def release(self, agent: object) -> None:
        """Count one call on ``agent`` as ended, detaching after the last."""
        with self._lock:
            count = self._counts.get(agent, 0)
            if count == 0:
                return
            if count > 1:
                self._counts[agent] = count - 1
                return
            del self._counts[agent]
            self._detach_all(agent)

    def count(self, agent: object) -> int:
        """How many calls on ``agent`` hold the attachment now."""
        with self._lock:
            return self._counts.get(agent, 0)

    def attached_agents(self) -> int:
        with self._lock:
            return len(self._counts)

    def _attach_all(self, agent: object) -> bool:
        done: list[AttachStep] = []
        for step in self._steps:
            try:
                step.attach(agent)
            except Exception:
                report_internal_error(f"attaching {step.name}; rolling back")
                self._undo(agent, done)
                return False
            done.append(step)
        return True

    def _detach_all(self, agent: object) -> None:
        self._undo(agent, list(self._steps))

    @staticmethod
    def _undo(agent: object, steps: list[AttachStep]) -> None:
        for step in reversed(steps):
            try:
                if not step.detach(agent):
                    report_problem(f"{step.name} was already removed from {agent!r}")
            except Exception:
                report_internal_error(f"detaching {step.name}")
