"""What the other side of a tool or agent call reported, as a protocol SDK saw it.

A tool served by an MCP server and an agent reached over A2A run in another
process. AgentScope's records of those calls keep the result and drop the
protocol: the method, the request and session ids, the protocol version, the
transport and endpoint, the remote task's state, and an MCP result marked
``isError``. otelscope reads them below AgentScope, in the protocol's SDK
(``otelscope.protocols``), and hands them to the traced call that is running
through this module. It mirrors ``otelscope.core.served``, which does the
same for model calls and their providers:

1. While a traced tool call, or a call to a remote agent, runs the
   framework's code, it is the one in this module's ``ContextVar``
   (``enter_remote``), around every step of its stream. Tasks started inside
   it inherit it; overlapping calls each see their own. The ``Remote``
   record is made only when an SDK reports, so a local tool costs nothing
   more.
2. An SDK observer that finds no call does nothing (the SDK used outside a
   traced call, or before instrumentation); it still propagates context.
3. What the SDK reported is set on the span when it ends, over the values
   the span started with (a conversation id the remote side assigned wins).
4. A failure the remote side reported in its result (an MCP tool result with
   ``isError``) ends a call that would otherwise succeed as failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Protocol

from opentelemetry.util.types import AttributeValue

from otelscope.core.values import known


class Remote:
    """The facts a protocol SDK reported for one call."""

    __slots__ = ("attributes", "failure")

    def __init__(self) -> None:
        self.attributes: dict[str, AttributeValue] = {}
        # (error.type, description) of a failure reported inside a result.
        self.failure: tuple[str, str] | None = None

    def report(self, attributes: Mapping[str, AttributeValue | None]) -> None:
        """Attributes of the call as the protocol saw it; unknown ones are skipped."""
        self.attributes.update(known(attributes))

    def failed_as(self, error_type: str, description: str) -> None:
        """The remote side answered, and its answer says the call failed."""
        self.failure = (error_type, description)


class RemoteBy(Protocol):
    """A traced call whose other side a protocol SDK may report."""

    def remote_record(self) -> Remote:
        """The call's record, made when an SDK first reports to it."""


# Rule 1: set and reset with the ContextVar's own methods (one C call each).
_remote: ContextVar[RemoteBy | None] = ContextVar("otelscope_remote_call", default=None)
enter_remote = _remote.set
leave_remote = _remote.reset


def current() -> Remote | None:
    """The record of the traced tool or remote-agent call running here."""
    owner = _remote.get()
    return None if owner is None else owner.remote_record()
