"""A real A2A server, built with the installed ``a2a-sdk``, for the A2A tests
of both AgentScope lines (1.x with a2a-sdk 0.x, 2.x with a2a-sdk 1.x).

The server is the SDK's own JSON-RPC application, served by uvicorn on
loopback (``tests.serving.served``) and traced by Starlette's own
OpenTelemetry middleware, which continues the trace the request's
``traceparent`` names. Its ``AgentExecutor`` runs a real AgentScope agent
(the test's ``answer`` function) inside the request's context, so the
remote agent's ``invoke_agent`` span nests under the server span. What the
server received (ids, headers, its own span) is recorded for the test to
compare with the client's span.

Import it only after ``pytest.importorskip("a2a")``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import AgentCapabilities, AgentCard, AgentSkill, Part
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from starlette.middleware.opentelemetry import OpenTelemetryMiddleware

SDK_MAJOR = int(metadata.version("a2a-sdk").split(".", 1)[0])

CARD_NAME = "Weather Desk"
CARD_DESCRIPTION = "Answers weather questions."
CARD_VERSION = "2.1.0"
# The protocol version each SDK line speaks: 0.x names it in the card, 1.x in
# the A2A-Version header of every request.
PROTOCOL_VERSION = "0.3.0" if SDK_MAJOR == 0 else "1.0"
# The JSON-RPC code of the protocol's "unsupported operation" error.
UNSUPPORTED_OPERATION = -32004

# How the executor ends each task.
COMPLETED = "completed"
FAILED = "failed"
CANCELED = "canceled"
# No task at all: a JSON-RPC error instead.
ERROR = "error"


@dataclass
class Received:
    """One message the server's executor received."""

    message_id: str
    task_id: str
    context_id: str
    text: str
    # The server's span, current while the executor runs.
    trace_id: int
    span_id: int


@dataclass
class Server:
    """The executor's answers and what it saw, and the headers of every
    HTTP request the application was sent."""

    answer: Callable[[str], Awaitable[str]]
    outcome: str = COMPLETED
    received: list[Received] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def app(self, provider: TracerProvider) -> Any:
        """The SDK's JSON-RPC application at ``/``, traced on ``provider``."""
        handler = _handler(_Executor(self))
        if SDK_MAJOR == 0:
            from a2a.server.apps import A2AStarletteApplication

            built = A2AStarletteApplication(
                agent_card=card("http://unused/"), http_handler=handler
            ).build()
        else:
            from a2a.server.routes import create_jsonrpc_routes
            from starlette.applications import Starlette

            built = Starlette(routes=create_jsonrpc_routes(handler, "/"))
        return _HeaderLog(self.headers, OpenTelemetryMiddleware(built, tracer_provider=provider))


def card(url: str, streaming: bool = True) -> AgentCard:
    """The card of the served agent, at ``url`` (JSON-RPC)."""
    skill = AgentSkill(id="weather", name="weather", description="The weather.", tags=["weather"])
    common: dict[str, Any] = {
        "name": CARD_NAME,
        "description": CARD_DESCRIPTION,
        "version": CARD_VERSION,
        "capabilities": AgentCapabilities(streaming=streaming),
        "default_input_modes": ["text"],
        "default_output_modes": ["text"],
        "skills": [skill],
    }
    if SDK_MAJOR == 0:
        return AgentCard(url=url, **common)
    from a2a.types import AgentInterface

    interface = AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version="1.0")
    return AgentCard(supported_interfaces=[interface], **common)


def _handler(executor: AgentExecutor) -> Any:
    if SDK_MAJOR == 0:
        return DefaultRequestHandler(agent_executor=executor, task_store=InMemoryTaskStore())
    return DefaultRequestHandler(
        agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=card("http://unused/")
    )


def _text_part(text: str) -> Any:
    if SDK_MAJOR == 0:
        from a2a.types import TextPart

        return Part(root=TextPart(text=text))
    return Part(text=text)


def _new_task(context: Any) -> Any:
    if SDK_MAJOR == 0:
        from a2a.utils import new_task

        return new_task(context.message)
    from a2a.helpers.proto_helpers import new_task
    from a2a.types import TaskState

    return new_task(
        context.task_id,
        context.context_id,
        TaskState.TASK_STATE_SUBMITTED,
        history=[context.message],
    )


def _unsupported(message: str) -> Exception:
    if SDK_MAJOR == 0:
        from a2a.types import UnsupportedOperationError
        from a2a.utils.errors import ServerError

        return ServerError(error=UnsupportedOperationError(message=message))
    from a2a.utils.errors import UnsupportedOperationError as Unsupported

    return Unsupported(message)


class _Executor(AgentExecutor):
    """Answers every message with a task: submitted, working, then the
    agent's answer as an artifact and completed, or as the status message of
    a failed or canceled task; or refuses it with a JSON-RPC error."""

    def __init__(self, server: Server) -> None:
        self._server = server

    async def execute(self, context: Any, event_queue: Any) -> None:
        span = trace.get_current_span().get_span_context()
        text = context.get_user_input()
        self._server.received.append(
            Received(
                context.message.message_id,
                context.task_id,
                context.context_id,
                text,
                span.trace_id,
                span.span_id,
            )
        )
        if self._server.outcome == ERROR:
            raise _unsupported("no forecasts today")
        await event_queue.enqueue_event(_new_task(context))
        updater = TaskUpdater(event_queue, context.task_id, context.context_id)
        await updater.start_work()
        answer = await self._server.answer(text)
        if self._server.outcome == FAILED:
            await updater.failed(message=updater.new_agent_message([_text_part(answer)]))
            return
        if self._server.outcome == CANCELED:
            await updater.cancel(message=updater.new_agent_message([_text_part(answer)]))
            return
        await updater.add_artifact([_text_part(answer)])
        await updater.complete()

    async def cancel(self, context: Any, event_queue: Any) -> None:
        raise _unsupported("cancel")


class _HeaderLog:
    """Records the headers of every HTTP request, then passes it on."""

    def __init__(self, log: list[dict[str, str]], app: Any) -> None:
        self._log = log
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self._log.append(
                {
                    name.decode("latin-1"): value.decode("latin-1")
                    for name, value in scope["headers"]
                }
            )
        await self._app(scope, receive, send)
