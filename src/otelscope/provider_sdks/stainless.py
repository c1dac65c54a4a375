"""Reading model calls in the SDKs built on Stainless's client, ``openai``
and ``anthropic``: both send every request through the same two methods.

- ``BaseClient._build_request`` runs once per HTTP attempt, retries
  included: it counts the attempt and reads the URL the request goes to.
- ``AsyncAPIClient.request`` runs once per SDK call (the SDK's retries run
  inside it): it reads the request as the SDK will send it
  (``options.json_data``), then the response, or the HTTP status of the
  error it raises. A streamed response's chunks are read as they pass.

Both report to the traced model call that is running
(``otelscope.core.served``) and do nothing outside one. Each SDK module
says which endpoints it reads (``Endpoint``), by the request's path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, NamedTuple

from opentelemetry.util.types import AttributeValue

from otelscope.core.guard import report_internal_error, safely
from otelscope.core.patching import Patches
from otelscope.core.served import Served, ServedResult, current
from otelscope.provider_sdks.passing import ChunkReader, port_of, read_while_passing


class Endpoint(NamedTuple):
    """How to read one endpoint's request body, response and stream."""

    request: Callable[[Any], dict[str, AttributeValue]]
    response: Callable[[Any], ServedResult]
    stream: Callable[[], ChunkReader]


EndpointFor = Callable[[str], "Endpoint | None"]


def install(base_client: ModuleType, endpoint_for: EndpointFor, patches: Patches) -> None:
    """Wrap ``base_client``'s two methods (the SDK's ``_base_client`` module)."""
    patches.wrap(base_client.BaseClient, "_build_request", _counting_attempts)
    patches.wrap(base_client.AsyncAPIClient, "request", _observing(endpoint_for))


def _counting_attempts(original: Callable[..., Any]) -> Callable[..., Any]:
    def _build_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        request = original(self, *args, **kwargs)
        served = current()
        if served is not None:
            safely("reading an SDK request's URL", _note_attempt, served, request)
        return request

    return _build_request


def _note_attempt(served: Served, request: Any) -> None:
    url = request.url
    served.attempt(str(url.host) or None, port_of(str(url.scheme), url.port))


def _observing(endpoint_for: EndpointFor) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        async def request(self: Any, cast_to: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
            served = current()
            endpoint = None if served is None else _prepare(served, options, endpoint_for)
            if served is None or endpoint is None:
                return await original(self, cast_to, options, *args, **kwargs)
            try:
                response = await original(self, cast_to, options, *args, **kwargs)
            except BaseException as error:
                safely("reading an SDK error", _note_status, served, error)
                raise
            try:
                return _observe(served, endpoint, response)
            except Exception:
                report_internal_error("reading an SDK response")
                return response

        return request

    return wrap


def _prepare(served: Served, options: Any, endpoint_for: EndpointFor) -> Endpoint | None:
    try:
        endpoint = endpoint_for(str(getattr(options, "url", "")))
        if endpoint is not None:
            body = getattr(options, "json_data", None)
            served.requested(endpoint.request(body if isinstance(body, Mapping) else {}))
        return endpoint
    except Exception:
        report_internal_error("reading an SDK request")
        return None


def _note_status(served: Served, error: BaseException) -> None:
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool):
        served.failed_with_status(status)


def _observe(served: Served, endpoint: Endpoint, response: Any) -> Any:
    iterator = getattr(response, "_iterator", None)
    if iterator is None:
        served.responded(endpoint.response(response))
        return response
    # A stream: its own iterator is swapped for one that reads each chunk on
    # the way, so the stream object AgentScope holds stays the SDK's own.
    reader = endpoint.stream()
    served.streaming(reader)
    response._iterator = read_while_passing(iterator, reader)
    return response
