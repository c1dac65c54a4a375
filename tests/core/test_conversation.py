"""``otelscope.conversation``: the application's conversation id, set for a
block and the tasks it creates, and reset when the block ends however it ends."""

from __future__ import annotations

import asyncio

import pytest

import otelscope
from otelscope.core.conversation import chosen_conversation_id


def test_the_id_is_set_inside_the_block_and_reset_after_it() -> None:
    assert chosen_conversation_id() is None
    with otelscope.conversation("conv-1"):
        assert chosen_conversation_id() == "conv-1"
    assert chosen_conversation_id() is None


def test_the_id_is_reset_when_the_block_raises() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), otelscope.conversation("conv-1"):
        assert chosen_conversation_id() == "conv-1"
        raise Boom
    assert chosen_conversation_id() is None


def test_a_nested_block_wins_inside_and_restores_the_outer_id_even_when_it_raises() -> None:
    with otelscope.conversation("outer"):
        with otelscope.conversation("inner"):
            assert chosen_conversation_id() == "inner"
        assert chosen_conversation_id() == "outer"
        with pytest.raises(KeyError), otelscope.conversation("inner"):
            raise KeyError("x")
        assert chosen_conversation_id() == "outer"
    assert chosen_conversation_id() is None


@pytest.mark.parametrize("bad", ["", None, 42])
def test_anything_but_a_non_empty_string_is_refused_and_sets_nothing(bad) -> None:
    with pytest.raises(ValueError, match="non-empty string"), otelscope.conversation(bad):
        pass
    assert chosen_conversation_id() is None


def test_tasks_created_inside_the_block_inherit_the_id_and_keep_their_own() -> None:
    async def child(own: str | None) -> tuple[str | None, str | None]:
        inherited = chosen_conversation_id()
        if own is None:
            return inherited, inherited
        with otelscope.conversation(own):
            await asyncio.sleep(0)
            return inherited, chosen_conversation_id()

    async def main() -> list[tuple[str | None, str | None]]:
        with otelscope.conversation("parent"):
            results = await asyncio.gather(child(None), child("child"))
            assert chosen_conversation_id() == "parent"  # a child's id stays in the child
        assert chosen_conversation_id() is None
        return results

    assert asyncio.run(main()) == [("parent", "parent"), ("parent", "child")]
    assert chosen_conversation_id() is None
