"""What every provider test does with a call and its span."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

from tests.providers.models import ASKED_MODEL

TTFC = "gen_ai.response.time_to_first_chunk"


def run(call: Coroutine[Any, Any, Any]) -> Any:
    """Run ``call`` in a loop of its own, letting the tasks it left behind
    (SDK clients closing in the background) finish before the loop goes."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(call)
    finally:
        loop.run_until_complete(_settle())
        loop.close()


async def _settle() -> None:
    pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    await asyncio.gather(*pending, return_exceptions=True)
    # dashscope keeps one aiohttp session per loop, for the loop's lifetime.
    dashscope = sys.modules.get("dashscope")
    if dashscope is not None:
        await dashscope.close_shared_aio_session()


def the_chat_span(traced: Any) -> Any:
    """The one span a model call made: its chat span."""
    [span] = traced.spans()
    assert span.name == f"chat {ASKED_MODEL}"
    return span


def attributes_without_ttfc(span: Any, stream: bool) -> dict[str, Any]:
    """The span's attributes; a stream's time to first chunk is checked and
    taken out (its value is a duration)."""
    attributes = dict(span.attributes)
    ttfc = attributes.pop(TTFC, None)
    assert (ttfc is not None) == stream
    if stream:
        assert isinstance(ttfc, float) and ttfc >= 0.0
    return attributes
