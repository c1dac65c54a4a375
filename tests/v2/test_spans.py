"""Chat span attributes that only AgentScope 2.x records: its cache token
counts. The span tree and attributes of one agent call, on both lines, are
in ``tests/lines/test_spans.py``."""

from __future__ import annotations

import asyncio

from tests.v2.kit import ScriptedChatModel, call_with, make_agent


def test_cache_token_counts_are_recorded_when_the_provider_reports_them(traced) -> None:
    from tests.v2.kit import Script, Step

    class CachingModel(ScriptedChatModel):
        async def _call_api(self, *args, **kwargs):
            response = await super()._call_api(*args, **kwargs)
            response.usage.cache_input_tokens = 6
            response.usage.cache_creation_input_tokens = 2
            return response

    asyncio.run(call_with(make_agent(model=CachingModel()), Script("c", [Step(text="hi")])))

    [chat] = [s for s in traced.spans() if s.name == "chat scripted-model"]
    assert chat.attributes["gen_ai.usage.input_tokens"] == 10
    assert chat.attributes["gen_ai.usage.cache_read.input_tokens"] == 6
    assert chat.attributes["gen_ai.usage.cache_creation.input_tokens"] == 2


def test_zero_cache_counts_are_left_out(traced) -> None:
    """2.x defaults both cache counts to 0 whether or not the provider caches."""
    from tests.v2.kit import Script, Step

    asyncio.run(call_with(make_agent(), Script("c", [Step(text="hi")])))

    [chat] = [s for s in traced.spans() if s.name == "chat scripted-model"]
    assert "gen_ai.usage.cache_read.input_tokens" not in chat.attributes
    assert "gen_ai.usage.cache_creation.input_tokens" not in chat.attributes
