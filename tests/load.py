"""Many agent calls at once, and what must hold of their traces and of the
process afterwards; shared by the load tests of both AgentScope lines.

Every call follows a script tagged with its own name (``Script.tag``), which
the scripted model writes into its response ids and tool call ids, so each
trace can be matched to the one call that made it.
"""

from __future__ import annotations

import gc
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from otelscope.core.invocations import AgentCall, ReactRound, TokenTally
from otelscope.core.operation import Operation
from tests.pipeline_faults import FINAL_ROUND, ROUND_WITH_TOOL, WAIT_SECONDS
from tests.spantree import build_trees

CALLS = 1000
THREADS = 8
CALLS_PER_THREAD = CALLS // THREADS
SPANS_PER_CALL = 6
# How many more objects may be alive after a run of the same calls than
# after the one before: one per ten calls, so that leaking anything at all per
# call (a span, a context token, a record) fails. Measured: 0 on both lines,
# with metric exemplars off (their reservoirs keep randomly drawn samples).
LIVE_OBJECT_GROWTH_BOUND = CALLS // 10

# The objects otelscope makes for each call, round and operation.
PER_CALL_TYPES = (AgentCall, ReactRound, TokenTally, Operation)


def assert_each_trace_is_its_own_call(
    spans: Sequence[Any], scripts: Sequence[Any], root_name: Callable[[str], str]
) -> None:
    """One exact trace per script: invoke_agent, a round with a model call
    and a tool call, a final round; rounds numbered within the call; the
    tool span is the call's own and its body ran under it."""
    assert len(spans) == SPANS_PER_CALL * len(scripts)
    tool_spans: dict[str, list[int]] = {}
    for root in build_trees(spans):
        [tag] = {
            node.attributes["gen_ai.response.id"].removeprefix("resp-")
            for node in root.find("chat scripted-model")
        }
        assert root.shape() == (root_name(tag), [ROUND_WITH_TOOL, FINAL_ROUND])
        assert [node.attributes["gen_ai.react.round"] for node in root.children] == [1, 2]
        tools = root.find("execute_tool get_weather")
        assert [node.attributes["gen_ai.tool.call.id"] for node in tools] == [f"{tag}-1-0"]
        assert tag not in tool_spans, f"two traces for {tag}"
        tool_spans[tag] = [node.span.context.span_id for node in tools]
    assert sorted(tool_spans) == sorted(script.tag for script in scripts)
    for script in scripts:
        assert script.tool_parents == tool_spans[script.tag]


def surviving_call_objects() -> dict[str, int]:
    """otelscope's per-call objects still alive, by class, after a full collection."""
    gc.collect()
    found = Counter(
        type(obj).__qualname__ for obj in gc.get_objects() if isinstance(obj, PER_CALL_TYPES)
    )
    return dict(found)


def live_objects() -> int:
    """How many objects the garbage collector tracks, after a full collection:
    a count, unlike the resident set size, which the allocator's arenas and
    high-water marks blur."""
    gc.collect()
    return len(gc.get_objects())


def run_in_threads(targets: Sequence[Callable[[], None]]) -> list[BaseException]:
    """Run each target in a thread of its own; what any of them raised."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS * 6)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return errors
