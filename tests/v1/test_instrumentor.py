"""``AgentScopeInstrumentor`` on AgentScope 1.x: idempotent, exactly reversible,
and silent when suppressed. Its entry point, on both lines, is tested in
``tests/lines/test_instrumentor.py``."""

from __future__ import annotations

import asyncio
import inspect

from agentscope.agent import AgentBase, ReActAgent
from agentscope.message import TextBlock
from agentscope.model import ChatModelBase, ChatResponse
from agentscope.tool import Toolkit
from opentelemetry.instrumentation.utils import suppress_instrumentation

from otelscope import AgentScopeInstrumentor
from tests.conftest import Traced
from tests.spantree import build_trees
from tests.v1.kit import Script, Step, call_with, make_agent, two_tool_rounds, usage

THREE_ROUNDS = (
    "invoke_agent Friday",
    [
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", []), ("execute_tool get_weather", [])]),
        ("react step", [("chat scripted-model", [])]),
    ],
)
MISSING = object()
ORIGINAL = "__otelscope_original__"


def model_classes() -> list[type]:
    found: list[type] = []
    pending = [ChatModelBase]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                pending.append(sub)
    return found


def patchable_attributes() -> dict[tuple[type, str], object]:
    """Every attribute otelscope replaces on 1.x, as the class itself holds it."""
    owners = [
        (AgentBase, "__call__"),
        (ReActAgent, "_reasoning"),
        (ReActAgent, "_acting"),
        (Toolkit, "call_tool_function"),
        (ChatModelBase, "__init_subclass__"),
    ]
    owners += [(cls, "__call__") for cls in model_classes()]
    return {(cls, name): cls.__dict__.get(name, MISSING) for cls, name in owners}


def test_instrument_twice_gives_one_span_per_operation(traced) -> None:
    traced.instrumentor.instrument(tracer_provider=traced.provider)
    AgentScopeInstrumentor().instrument(tracer_provider=traced.provider)

    asyncio.run(call_with(make_agent(), two_tool_rounds("Kyiv")))

    [root] = build_trees(traced.spans())
    assert root.shape() == THREE_ROUNDS
    assert len(traced.spans()) == 9
    # No wrapper wraps another wrapper.
    for cls, name in [
        (AgentBase, "__call__"),
        (ReActAgent, "_reasoning"),
        (ReActAgent, "_acting"),
        (Toolkit, "call_tool_function"),
    ]:
        original = getattr(cls.__dict__[name], ORIGINAL)
        assert not hasattr(original, ORIGINAL), f"{cls.__name__}.{name} wrapped twice"


def test_uninstrument_restores_every_patched_attribute_exactly() -> None:
    before = patchable_attributes()
    assert before[(ChatModelBase, "__init_subclass__")] is MISSING
    state = Traced()
    state.instrumentor.instrument(tracer_provider=state.provider)
    try:
        during = patchable_attributes()
        concrete_models = [
            cls
            for cls in model_classes()
            if "__call__" in cls.__dict__ and not inspect.isabstract(cls)
        ]
        assert concrete_models  # the built-in OpenAI, DashScope, ... models
        for cls in concrete_models:
            assert getattr(during[(cls, "__call__")], ORIGINAL) is before[(cls, "__call__")]
        for key in [
            (AgentBase, "__call__"),
            (ReActAgent, "_reasoning"),
            (ReActAgent, "_acting"),
            (Toolkit, "call_tool_function"),
        ]:
            assert getattr(during[key], ORIGINAL) is before[key]
        asyncio.run(call_with(make_agent(), two_tool_rounds("On")))
        assert len(state.spans()) == 9
    finally:
        state.instrumentor.uninstrument()

    after = patchable_attributes()
    assert after.keys() == before.keys()
    changed = [
        f"{cls.__qualname__}.{name}"
        for (cls, name), value in before.items()
        if after[(cls, name)] is not value
    ]
    assert changed == []
    assert "__init_subclass__" not in ChatModelBase.__dict__

    state.exporter.clear()
    reply = asyncio.run(call_with(make_agent(), two_tool_rounds("Off")))
    assert reply.get_text_content() == "Done Off"
    assert state.spans() == []


async def late_call(self, messages, tools=None, tool_choice=None, structured_model=None, **kw):
    return ChatResponse(
        content=[TextBlock(type="text", text="late hello")], usage=usage(), id="resp-late"
    )


def test_model_class_defined_while_instrumented_is_traced_then_restored(traced) -> None:
    class LateModel(ChatModelBase):
        def __init__(self) -> None:
            super().__init__(model_name="late-model", stream=False)

        __call__ = late_call

    assert LateModel.__dict__["__call__"] is not late_call
    assert getattr(LateModel.__dict__["__call__"], ORIGINAL) is late_call
    agent = make_agent(model=LateModel())
    reply = asyncio.run(call_with(agent, Script("late", [Step()])))
    assert reply.get_text_content() == "late hello"
    [root] = build_trees(traced.spans())
    assert root.shape() == ("invoke_agent Friday", [("react step", [("chat late-model", [])])])
    assert root.find("chat late-model")[0].attributes["gen_ai.response.id"] == "resp-late"

    traced.instrumentor.uninstrument()
    traced.exporter.clear()

    assert LateModel.__dict__["__call__"] is late_call
    assert "__init_subclass__" not in ChatModelBase.__dict__
    asyncio.run(call_with(agent, Script("late", [Step()])))
    assert traced.spans() == []


def test_suppress_instrumentation_emits_nothing(traced) -> None:
    agent = make_agent()

    async def main() -> str:
        with suppress_instrumentation():
            quiet = await call_with(agent, two_tool_rounds("Quiet"))
        assert traced.spans() == []
        loud = await call_with(agent, two_tool_rounds("Loud"))
        return f"{quiet.get_text_content()} / {loud.get_text_content()}"

    assert asyncio.run(main()) == "Done Quiet / Done Loud"
    # Only the call made outside the block is traced.
    [root] = build_trees(traced.spans())
    assert root.shape() == THREE_ROUNDS
    assert {n.attributes.get("gen_ai.response.id") for n in root.find("chat scripted-model")} == {
        "resp-Loud"
    }
