"""What the provider actually served a model call, as its SDK saw it.

AgentScope's response objects drop facts that the provider's response
carries: the model that answered, the provider's finish reasons, cached and
reasoning token counts, the endpoint called and how many HTTP requests it
took. otelscope reads them below AgentScope, in the provider's SDK
(``otelscope.provider_sdks``), and hands them to the model call that is
running through this module.

The rules:

1. While a traced model call runs the model's code, it is the one in the
   ``ContextVar`` of this module (``enter_serving``). Tasks started inside
   the call (AgentScope 2.x embeds batches with ``asyncio.gather``) inherit
   it; overlapping calls each see their own. Its ``Served`` record is made
   only when an SDK reports to it, so a model that no SDK reader sees (a
   user's own model class) costs nothing more.
2. An SDK observer that finds no record (the SDK used outside a traced model
   call, or before instrumentation) does nothing at all.
3. A streamed model call is the current one again around each step of its
   stream (``otelscope.core.streams``), for SDKs that send their request
   only when the stream is first read; a stream the SDK returned is bound to
   its call, so its chunks reach the right call wherever they are read.
4. What the provider reported wins over what AgentScope's response says; a
   field the provider did not report keeps AgentScope's value.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextvars import ContextVar
from typing import NamedTuple, Protocol

from opentelemetry.util.types import AttributeValue

from otelscope.core import conventions as conv


class ServedResult(NamedTuple):
    """What a provider reported about one response (any field may be unknown)."""

    response_id: str | None = None
    response_model: str | None = None
    # In the conventions' values, one per choice.
    finish_reasons: tuple[str, ...] | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    reasoning_output_tokens: int | None = None


class StreamedResult(Protocol):
    """A streamed response's facts so far, read as its chunks pass."""

    def result(self) -> ServedResult: ...


# Attempts are rare next to everything else a call does: one lock serves all.
_counting = threading.Lock()


class Served:
    """The facts an SDK reported for one model call: the endpoint and count of
    its HTTP attempts, the request as sent, the response as served, and the
    status of the last failure (HTTP's, or the one ``status_key`` names)."""

    __slots__ = (
        "_request",
        "_response",
        "_stream",
        "address",
        "attempts",
        "port",
        "status",
        "status_key",
    )

    def __init__(self) -> None:
        self.attempts = 0
        self.address: str | None = None
        self.port: int | None = None
        self.status: int | None = None
        self.status_key: str = conv.HTTP_RESPONSE_STATUS_CODE
        self._request: dict[str, AttributeValue] = {}
        self._response: ServedResult | None = None
        self._stream: StreamedResult | None = None

    def attempt(self, address: str | None, port: int | None) -> None:
        """One HTTP request is being sent to ``address:port``. Batches of one
        call may be sent from worker threads (2.x embeddings): the count is
        taken under a lock."""
        with _counting:
            self.attempts += 1
            self.address = address
            self.port = port

    def requested(self, attributes: Mapping[str, AttributeValue]) -> None:
        """Request attributes read from what the SDK was asked to send."""
        self._request.update(attributes)

    def responded(self, result: ServedResult) -> None:
        """A whole response; the last one of the call wins (retries)."""
        self._response, self._stream = result, None

    def streaming(self, stream: StreamedResult) -> None:
        """A streamed response, read as it goes."""
        self._response, self._stream = None, stream

    def failed_with_status(self, status: int, key: str = conv.HTTP_RESPONSE_STATUS_CODE) -> None:
        """The status of a failed attempt, recorded under ``key``: an SDK that
        does not speak HTTP (gRPC) names its own status attribute."""
        self.status = status
        self.status_key = key

    def result(self) -> ServedResult | None:
        if self._stream is not None:
            return self._stream.result()
        return self._response

    def attributes(self, failed: bool) -> dict[str, AttributeValue]:
        """Span attributes of the request side: the request as sent, the
        endpoint, the attempts, and the status if the call failed."""
        found = dict(self._request)
        if self.address is not None:
            found[conv.SERVER_ADDRESS] = self.address
        if self.port is not None:
            found[conv.SERVER_PORT] = self.port
        if self.attempts:
            found[conv.REQUEST_ATTEMPTS] = self.attempts
        if failed and self.status is not None:
            found[self.status_key] = self.status
        return found


def merged(served: ServedResult | None, framework: ServedResult | None) -> ServedResult | None:
    """``served`` with each unknown field filled from ``framework``."""
    if served is None:
        return framework
    if framework is None:
        return served
    return ServedResult._make(
        mine if mine is not None else theirs for mine, theirs in zip(served, framework, strict=True)
    )


class ServedBy(Protocol):
    """A traced model call, which keeps the record of what was served."""

    def served_record(self) -> Served:
        """The call's record, made when an SDK first reports to it."""


# Rule 1: the model call whose code is running. The wrapper sets and resets
# it with the ContextVar's own methods (one C call each, on every model call).
_serving: ContextVar[ServedBy | None] = ContextVar("otelscope_serving", default=None)
enter_serving = _serving.set
leave_serving = _serving.reset


def current() -> Served | None:
    """The record of the traced model call the running code belongs to."""
    owner = _serving.get()
    return None if owner is None else owner.served_record()
