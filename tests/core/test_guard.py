"""The four guarded steps, as ``guarded_coroutine`` and ``guarded_stream``
run them: every entry point's wrapper is one of the two."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from opentelemetry import context as otel_context
from opentelemetry.instrumentation.utils import suppress_instrumentation

from otelscope.core import guard
from otelscope.core.guard import Arguments, guarded_coroutine, guarded_stream


class Broken(Exception):
    """otelscope's own failure, made on purpose."""


class UserError(Exception):
    """The user's function's own exception."""


class Steps:
    """Records what the wrapper asked of it; fails at ``fail_at``."""

    what = "a test span"

    def __init__(self, fail_at: str | None = None, begin_none: bool = False) -> None:
        self.fail_at = fail_at
        self.begin_none = begin_none
        self.log: list[str] = []

    def _step(self, name: str) -> None:
        self.log.append(name)
        if self.fail_at == name:
            raise Broken(name)

    def begin(self, args: Arguments, kwargs: Mapping[str, Any]) -> str | None:
        self._step(f"begin {args} {dict(kwargs)}")
        self._step("begin")
        return None if self.begin_none else "invocation"

    def scope(self, invocation: str, args: Arguments) -> AbstractContextManager[object]:
        self._step(f"scope {invocation}")
        return nullcontext()

    def returned(self, invocation: str, result: Any) -> Any:
        self._step(f"returned {result}")
        self._step("returned")
        return f"traced {result}"

    def failed(self, invocation: str, error: BaseException | None) -> None:
        self._step(f"failed {error!r}")
        self._step("failed")

    def traced(
        self, invocation: str, source: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        self._step("traced")
        return source


class Original:
    """The user's function: counts its calls, returns or raises."""

    def __init__(self, raises: BaseException | None = None) -> None:
        self.calls = 0
        self.raises = raises

    async def coroutine(self, x: int, *, y: int = 0) -> int:
        self.calls += 1
        if self.raises is not None:
            raise self.raises
        return x + y

    def stream(self, x: int) -> AsyncGenerator[int, None]:
        self.calls += 1
        if self.raises is not None:
            raise self.raises

        async def items() -> AsyncGenerator[int, None]:
            yield x

        return items()


def run_coroutine(steps: Steps, original: Original) -> Any:
    return asyncio.run(guarded_coroutine(steps)(original.coroutine)(1, y=2))


def test_a_traced_coroutine_runs_the_steps_in_order_and_returns_what_returned_gives() -> None:
    steps, original = Steps(), Original()
    assert run_coroutine(steps, original) == "traced 3"
    assert original.calls == 1
    assert steps.log == [
        "begin (1,) {'y': 2}",
        "begin",
        "scope invocation",
        "returned 3",
        "returned",
    ]


def test_a_suppressed_call_runs_the_original_and_no_step() -> None:
    steps, original = Steps(), Original()

    async def main() -> int:
        with suppress_instrumentation():
            result: int = await guarded_coroutine(steps)(original.coroutine)(1)
        return result

    assert asyncio.run(main()) == 1
    assert (original.calls, steps.log) == (1, [])


def test_a_begin_that_fails_or_declines_leaves_the_call_untraced() -> None:
    for steps in (Steps(fail_at="begin"), Steps(begin_none=True)):
        original = Original()
        assert run_coroutine(steps, original) == 3
        assert original.calls == 1
        assert steps.log == ["begin (1,) {'y': 2}", "begin"]
    [error] = guard.take_internal_errors()
    assert isinstance(error, Broken)


def test_a_scope_that_fails_leaves_the_context_out_and_the_invocation_ends_truly() -> None:
    steps, original = Steps(fail_at="scope invocation"), Original()
    assert run_coroutine(steps, original) == "traced 3"
    assert original.calls == 1
    assert steps.log[-3:] == ["scope invocation", "returned 3", "returned"]
    [error] = guard.take_internal_errors()
    assert isinstance(error, Broken)


class BrokenExit:
    """A scope that enters, and fails to leave."""

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info: object) -> None:
        raise Broken("exit")


def test_a_scope_that_fails_to_leave_still_ends_the_invocation() -> None:
    class LeavingBadly(Steps):
        def scope(self, invocation: str, args: Arguments) -> AbstractContextManager[object]:
            return BrokenExit()

    for raises in (None, UserError("no")):
        steps, original = LeavingBadly(), Original(raises=raises)
        if raises is None:
            assert run_coroutine(steps, original) == "traced 3"
            assert steps.log[-1] == "returned"
        else:
            with pytest.raises(UserError):
                run_coroutine(steps, original)
            assert steps.log[-1] == "failed"
        [error] = guard.take_internal_errors()
        assert str(error) == "exit"


def test_the_users_exception_passes_unchanged_even_if_failed_breaks() -> None:
    for steps in (Steps(), Steps(fail_at="failed")):
        raised = UserError("no")
        original = Original(raises=raised)
        with pytest.raises(UserError) as caught:
            run_coroutine(steps, original)
        assert caught.value is raised
        assert original.calls == 1
        assert steps.log[-2:] == [f"failed {raised!r}", "failed"]
    [error] = guard.take_internal_errors()
    assert isinstance(error, Broken)


def test_a_cancellation_passes_through_failed() -> None:
    steps, original = Steps(), Original(raises=asyncio.CancelledError())
    with pytest.raises(asyncio.CancelledError):
        run_coroutine(steps, original)
    assert steps.log[-1] == "failed"


def test_a_returned_that_breaks_gives_the_caller_the_original_result() -> None:
    steps, original = Steps(fail_at="returned"), Original()
    assert run_coroutine(steps, original) == 3
    assert original.calls == 1
    [error] = guard.take_internal_errors()
    assert isinstance(error, Broken)


def test_the_context_is_the_callers_again_after_the_call() -> None:
    steps, original = Steps(), Original()

    async def main() -> None:
        before = otel_context.get_current()
        await guarded_coroutine(steps)(original.coroutine)(1)
        assert otel_context.get_current() is before

    asyncio.run(main())


async def read(stream: AsyncGenerator[int, None]) -> list[int]:
    return [item async for item in stream]


def test_a_traced_stream_is_made_by_the_steps_and_yields_the_originals_items() -> None:
    steps, original = Steps(), Original()
    stream = guarded_stream(steps)(original.stream)(5)
    assert asyncio.run(read(stream)) == [5]
    assert original.calls == 1
    assert steps.log == ["begin (5,) {}", "begin", "traced"]


def test_a_stream_function_that_raises_ends_the_invocation_and_raises_unchanged() -> None:
    raised = UserError("no stream")
    steps, original = Steps(), Original(raises=raised)
    with pytest.raises(UserError) as caught:
        guarded_stream(steps)(original.stream)(5)
    assert caught.value is raised
    assert steps.log[-2:] == [f"failed {raised!r}", "failed"]


def test_a_stream_that_cannot_be_traced_is_returned_untraced_and_its_invocation_ended() -> None:
    steps, original = Steps(fail_at="traced"), Original()
    stream = guarded_stream(steps)(original.stream)(5)
    assert asyncio.run(read(stream)) == [5]
    assert original.calls == 1
    assert steps.log[-3:] == ["traced", "failed None", "failed"]
    [error] = guard.take_internal_errors()
    assert isinstance(error, Broken)


def test_a_suppressed_or_declined_stream_is_the_originals_own() -> None:
    declined, original = Steps(begin_none=True), Original()
    assert asyncio.run(read(guarded_stream(declined)(original.stream)(5))) == [5]
    suppressed = Steps()
    with suppress_instrumentation():
        stream = guarded_stream(suppressed)(original.stream)(6)
    assert asyncio.run(read(stream)) == [6]
    assert (original.calls, suppressed.log) == (2, [])
