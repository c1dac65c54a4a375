"""The few lines ``otelscope run`` prints to stderr when the program ends.

They say only what happened, as the processes saw it: the counts of those
that reported them (none of a killed program's, which are lost with it), and
for each destination what it took and what it refused.
"""

from __future__ import annotations

import os
import shlex
import signal
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from otelscope.cli.export_plan import ExportPlan
from otelscope.cli.run_report import CONSOLE, OTLP, STORE, Delivery, RunReport, SpanCounts

PREFIX = "otelscope: "

NO_TELEMETRY = (
    "the program reported no telemetry: it did not start otelscope "
    "(is it a Python program run by an interpreter with otelscope installed?)"
)


@dataclass(frozen=True)
class Ending:
    """How the program ended, as its parent saw it."""

    # The signal that killed it, None if it exited.
    signal: int | None = None
    # The command line that shows the store again (``otelscope show ...``).
    show_command: str = "otelscope show"


def summary_lines(report: RunReport | None, plan: ExportPlan, ending: Ending) -> list[str]:
    """What the run produced and where it went."""
    lines: list[str] = []
    if ending.signal is not None:
        lines.append(_killed(ending.signal, report))
    if report is None:
        if ending.signal is None:
            lines.append(NO_TELEMETRY)
        return [PREFIX + line for line in lines]
    complete = not report.unfinished
    if not complete and ending.signal is None:
        lines.append(_unfinished(len(report.unfinished)))
    # The counts of a killed program are lost with it: the others' alone would mislead.
    if complete or ending.signal is None:
        lines.append(counts_line(report.counts))
        lines.extend(_prices_problem(report.counts))
    lines.extend(_destinations(report, plan, ending.show_command, complete=complete))
    return [PREFIX + line for line in lines]


def counts_line(counts: SpanCounts) -> str:
    return ", ".join(
        (
            plural(counts.traces, "trace"),
            plural(counts.agent_calls, "agent call"),
            plural(counts.model_calls, "model call"),
            f"{counts.input_tokens} tokens in / {counts.output_tokens} out" + _cost(counts),
            plural(counts.errors, "error") + _other_failures(counts),
        )
    )


def _cost(counts: SpanCounts) -> str:
    """The run's cost when a model call had a known price: `` ($0.0123)``, or
    `` ($0.0123 + unknown)`` when others had none."""
    if not counts.priced_model_calls:
        return ""
    from otelscope.cost import Cost

    unpriced = max(0, counts.model_calls - counts.priced_model_calls)
    cost = Cost(Decimal(repr(counts.cost_usd)), counts.priced_model_calls, unpriced)
    return f" ({cost.text()})"


def _prices_problem(counts: SpanCounts) -> list[str]:
    """Why no model call was priced, when the price file named is at fault."""
    from otelscope.cost import PRICES_ENV, PricesError, load_prices

    if not counts.model_calls or not os.environ.get(PRICES_ENV, "").strip():
        return []
    try:
        load_prices()
    except PricesError as problem:
        return [f"cost unknown: {problem}"]
    return []


def _other_failures(counts: SpanCounts) -> str:
    """Failed model and tool calls, beside the failed agent calls (the errors)."""
    failed = {"model": counts.failed_model_calls, "tool": counts.failed_tool_calls}
    failures = [plural(count, f"failed {what} call") for what, count in failed.items() if count]
    return f" ({', '.join(failures)})" if failures else ""


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def show_command(store_dir: Path, default_dir: Path) -> str:
    """``otelscope show``, with ``--store DIR`` when the store is not the default one."""
    if store_dir.resolve() == default_dir.resolve():
        return "otelscope show"
    return f"otelscope show --store {shlex.quote(str(store_dir))}"


def _killed(signum: int, report: RunReport | None) -> str:
    line = f"the program was killed by signal {signum} ({_signal_name(signum)})"
    if report is None:
        return line + " and reported no telemetry"
    if report.unfinished:
        return line + " before it could report its counts; what reached each destination:"
    return line


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return "unknown signal"


def _unfinished(count: int) -> str:
    """Processes that started otelscope and never reported their exit: still
    running (a server the program left behind), or killed."""
    processes, their = ("process", "its") if count == 1 else ("processes", "their")
    return (
        f"{count} {processes} of the run did not report {their} counts (still running, or "
        "killed): the figures leave them out"
    )


@dataclass(frozen=True)
class _Wording:
    """How a destination's line speaks of it."""

    verb: str  # "save"
    done: str  # "saved"
    place: str  # "in /path/.otelscope"
    # Where to look, when something is there.
    hint: str = ""


def _destinations(report: RunReport, plan: ExportPlan, show: str, *, complete: bool) -> list[str]:
    if not plan.exports_traces:
        return ["traces were not exported (OTEL_TRACES_EXPORTER=none)"]
    if complete and report.counts.spans == 0 and not report.deliveries:
        return ["no spans were recorded: nothing was saved or exported"]
    lines: list[str] = []
    if plan.store_dir is not None:
        hint = f"; view them with `{show}` or `{show} --html trace.html`"
        store = _Wording("save", "saved", f"in {plan.store_dir}", hint)
        delivery = report.delivery(STORE, str(plan.store_dir))
        lines.append(_destination_line(delivery, store, complete=complete))
    if plan.otlp is not None:
        otlp = _Wording("export", "exported", f"to {plan.otlp.description}")
        delivery = report.delivery(OTLP, plan.otlp.description)
        lines.append(_destination_line(delivery, otlp, complete=complete))
    if plan.console:
        console = _Wording("print", "printed", "to stdout (OTEL_TRACES_EXPORTER=console)")
        lines.append(_destination_line(_console_delivery(report), console, complete=complete))
    return lines


def _console_delivery(report: RunReport) -> Delivery:
    """Every console added up: an MCP server of the run prints to stderr."""
    total = Delivery(CONSOLE, "")
    for delivery in report.deliveries.values():
        if delivery.kind == CONSOLE:
            total.add(delivery)
    return total


def _destination_line(delivery: Delivery, wording: _Wording, *, complete: bool) -> str:
    """What reached one destination: all of it, part, or nothing."""
    exported, failed = delivery.exported, delivery.failed
    reason = f": {delivery.error}" if delivery.error else ""
    hint = wording.hint if exported else ""
    if failed and not exported:
        return f"could not {wording.verb} {plural(failed, 'span')} {wording.place}{reason}"
    if failed:
        total = plural(exported + failed, "span")
        return (
            f"{wording.done} {exported} of {total} {wording.place}; "
            f"{failed} could not be {wording.done}{reason}{hint}"
        )
    if not exported:
        return f"no spans were {wording.done} {wording.place}"
    # With every process's counts above, they say what was sent; else, say it here.
    sent = "traces" if complete else _amount(delivery)
    return f"{sent} {wording.done} {wording.place}{hint}"


def _amount(delivery: Delivery) -> str:
    spans = plural(delivery.exported, "span")
    return f"{plural(len(delivery.trace_ids), 'trace')} ({spans}) of this run"
