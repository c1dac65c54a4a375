"""``otelscope stats``: calls, errors, latency, tokens and cost per agent and
per model, over the store or a time window.

The window holds the spans that started in it: from ``--since`` (or ``--last``
before now) up to, not including, ``--until``. An agent's row counts its
calls (``invoke_agent`` spans, by ``gen_ai.agent.name``); its tokens and cost
are those of the model calls under each call, agents it called included. A
model's row counts the model calls (chat, embeddings, ...) by provider and
model (the response model, else the request model). Latency is a span's
duration; p50 and p95 are nearest-rank percentiles (the smallest duration with
at least that share of the calls at or below it).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from otelscope.cli.show_command import price_table, warn_about_problems
from otelscope.cli.summary import plural
from otelscope.cli.terminal import EXIT_USAGE, error
from otelscope.core import conventions as gen_ai
from otelscope.cost import Cost, Costs, costs_of
from otelscope.cost.pricing import is_model_call, model_of, provider_of
from otelscope.cost.rollup import ancestors
from otelscope.store import SpanRecord, StoreNotFound, read_store
from otelscope.viewer.tree import format_duration

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_NO_AGENT = "(unnamed)"
_NO_MODEL = "(no model)"


class WindowError(ValueError):
    """A time or duration that cannot be read."""


@dataclass(frozen=True)
class Window:
    """Start times from ``since`` (included) to ``until`` (excluded), in Unix ns."""

    since: int | None = None
    until: int | None = None

    def holds(self, span: SpanRecord) -> bool:
        start = span.start_unix_nano
        return (self.since is None or start >= self.since) and (
            self.until is None or start < self.until
        )


def parse_time(text: str) -> int:
    """An ISO 8601 date or date and time (UTC unless it says otherwise), in Unix ns."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise WindowError(
            f"not a time: {text!r} (expected ISO 8601, e.g. 2025-01-02 or 2025-01-02T03:04:05Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _unix_nano(moment)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``1h``, ``7d`` or ``2w``."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise WindowError(
            f"not a duration: {text!r} (expected a whole number and a unit, s, m, h, d or w: "
            "30m, 1h, 7d)"
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def window_of(
    since: str | None, until: str | None, last: str | None, now: datetime | None = None
) -> Window:
    start = parse_time(since) if since is not None else None
    if last is not None:
        moment = now or datetime.now(UTC)
        start = _unix_nano(moment - parse_duration(last))
    end = parse_time(until) if until is not None else None
    return Window(start, end)


@dataclass
class Row:
    """The figures of one agent or one model."""

    name: str
    provider: str = ""
    durations: list[int] = field(default_factory=list)
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Cost = field(default_factory=Cost)

    @property
    def calls(self) -> int:
        return len(self.durations)

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0

    def percentile(self, share: float) -> int:
        ordered = sorted(self.durations)
        return ordered[max(1, math.ceil(share * len(ordered))) - 1] if ordered else 0


@dataclass
class Stats:
    window: Window
    traces: int = 0
    agents: dict[str, Row] = field(default_factory=dict)
    models: dict[tuple[str, str], Row] = field(default_factory=dict)
    cost: Cost = field(default_factory=Cost)


def compute_stats(spans: Sequence[SpanRecord], costs: Costs, window: Window) -> Stats:
    """The figures of the spans that started in ``window``; ``costs`` are those
    of all the spans (an agent call's model calls may lie outside the window)."""
    stats = Stats(window)
    traces: set[str] = set()
    usage_under_agents = _agent_usage(spans)
    for span in spans:
        if not window.holds(span):
            continue
        traces.add(span.trace_id)
        key = (span.trace_id, span.span_id)
        attributes = span.attributes
        if attributes.get(gen_ai.OPERATION_NAME) == gen_ai.OP_INVOKE_AGENT:
            name = attributes.get(gen_ai.AGENT_NAME)
            agent = str(name) if name is not None else _NO_AGENT
            row = stats.agents.setdefault(agent, Row(agent))
            _count(row, span)
            tokens_in, tokens_out = usage_under_agents.get(key, (0, 0))
            row.input_tokens += tokens_in
            row.output_tokens += tokens_out
            row.cost += costs.agent_calls.get(key, Cost())
        elif is_model_call(attributes):
            provider, model = provider_of(attributes), model_of(attributes) or _NO_MODEL
            row = stats.models.setdefault((provider, model), Row(model, provider))
            _count(row, span)
            row.input_tokens += _tokens(attributes.get(gen_ai.USAGE_INPUT_TOKENS))
            row.output_tokens += _tokens(attributes.get(gen_ai.USAGE_OUTPUT_TOKENS))
            call = costs.calls[key].cost
            row.cost += call
            stats.cost += call
    stats.traces = len(traces)
    return stats


def _count(row: Row, span: SpanRecord) -> None:
    row.durations.append(span.duration_nano)
    row.errors += span.is_error


def _agent_usage(spans: Iterable[SpanRecord]) -> dict[tuple[str, str], tuple[int, int]]:
    """Per agent call, the tokens of the model calls under it (nested agents'
    included), as its cost is summed."""
    by_key = {(span.trace_id, span.span_id): span for span in spans}
    usage: dict[tuple[str, str], tuple[int, int]] = {}
    for span in by_key.values():
        if not is_model_call(span.attributes):
            continue
        tokens_in = _tokens(span.attributes.get(gen_ai.USAGE_INPUT_TOKENS))
        tokens_out = _tokens(span.attributes.get(gen_ai.USAGE_OUTPUT_TOKENS))
        for ancestor in ancestors(span, by_key):
            if ancestor.attributes.get(gen_ai.OPERATION_NAME) == gen_ai.OP_INVOKE_AGENT:
                key = (ancestor.trace_id, ancestor.span_id)
                before_in, before_out = usage.get(key, (0, 0))
                usage[key] = (before_in + tokens_in, before_out + tokens_out)
    return usage


def _tokens(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def stats(
    store_dir: Path,
    *,
    since: str | None = None,
    until: str | None = None,
    last: str | None = None,
    as_json: bool = False,
    prices: Path | None = None,
) -> int:
    try:
        window = window_of(since, until, last)
    except WindowError as problem:
        error(str(problem))
        return EXIT_USAGE
    table = price_table(prices)
    if isinstance(table, int):
        return table
    try:
        contents = read_store(store_dir)
    except StoreNotFound as missing:
        return error(str(missing))
    warn_about_problems(contents.problems)
    figures = compute_stats(contents.spans, costs_of(contents.spans, table), window)
    if as_json:
        print(json.dumps(stats_json(figures, store_dir), indent=2))
    else:
        print("\n".join(stats_lines(figures, store_dir)))
    return 0


# -- text ---------------------------------------------------------------------------

_HEADINGS = ("CALLS", "ERRORS", "P50", "P95", "TOKENS IN/OUT", "COST")


def stats_lines(figures: Stats, store_dir: Path) -> list[str]:
    lines = [_scope(figures, store_dir)]
    if not figures.traces:
        return lines
    lines.append(
        f"{plural(figures.traces, 'trace')}, "
        f"{plural(sum(row.calls for row in figures.agents.values()), 'agent call')}, "
        f"{plural(sum(row.calls for row in figures.models.values()), 'model call')}, "
        f"cost {figures.cost.text()}"
    )
    agents = sorted(figures.agents.values(), key=lambda row: row.name)
    models = sorted(figures.models.values(), key=lambda row: (row.provider, row.name))
    for title, rows in (("AGENT", agents), ("MODEL", models)):
        if rows:
            lines.append("")
            lines.extend(_table(title, rows))
    return lines


def _scope(figures: Stats, store_dir: Path) -> str:
    window = figures.window
    since = f"since {_moment(window.since)}" if window.since is not None else ""
    until = f"until {_moment(window.until)}" if window.until is not None else ""
    span = " ".join(part for part in (since, until) if part) or "all spans"
    found = "" if figures.traces else ": no spans"
    return f"{store_dir}, {span}{found}"


def _table(title: str, rows: Sequence[Row]) -> list[str]:
    names = [f"{row.provider} {row.name}" if row.provider else row.name for row in rows]
    cells = [
        [
            str(row.calls),
            f"{row.errors} ({row.error_rate:.0%})",
            format_duration(row.percentile(0.5)),
            format_duration(row.percentile(0.95)),
            f"{row.input_tokens}/{row.output_tokens}",
            row.cost.text() if row.cost.calls else "-",
        ]
        for row in rows
    ]
    name_width = max(len(title), *(len(name) for name in names))
    widths = [
        max(len(heading), *(len(line[i]) for line in cells)) for i, heading in enumerate(_HEADINGS)
    ]

    def line(name: str, values: Sequence[str]) -> str:
        padded = [value.rjust(width) for value, width in zip(values[:-1], widths, strict=False)]
        return "  ".join([name.ljust(name_width), *padded, values[-1]]).rstrip()

    return [
        line(title, _HEADINGS),
        *(line(name, row) for name, row in zip(names, cells, strict=True)),
    ]


def _moment(unix_nano: int) -> str:
    moment = datetime.fromtimestamp(unix_nano / 1e9, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# -- JSON ---------------------------------------------------------------------------


def stats_json(figures: Stats, store_dir: Path) -> dict[str, Any]:
    window = figures.window
    return {
        "store": str(store_dir),
        "since": None if window.since is None else _iso(window.since),
        "until": None if window.until is None else _iso(window.until),
        "traces": figures.traces,
        "cost": _cost_json(figures.cost),
        "agents": [
            {"agent": row.name, **_row_json(row)}
            for row in sorted(figures.agents.values(), key=lambda row: row.name)
        ],
        "models": [
            {"provider": row.provider or None, "model": row.name, **_row_json(row)}
            for row in sorted(figures.models.values(), key=lambda row: (row.provider, row.name))
        ],
    }


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "calls": row.calls,
        "errors": row.errors,
        "error_rate": row.error_rate,
        "p50_ms": row.percentile(0.5) / 1e6,
        "p95_ms": row.percentile(0.95) / 1e6,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "cost": _cost_json(row.cost),
    }


def _cost_json(cost: Cost) -> dict[str, Any]:
    """``usd``: the priced calls' dollars (null when no call could be priced);
    ``unpriced_calls`` > 0 means the true cost is higher."""
    known = cost.known_dollars
    return {
        "usd": None if known is None else float(known),
        "priced_calls": cost.priced,
        "unpriced_calls": cost.unpriced,
        "text": cost.text(),
    }


def _iso(unix_nano: int) -> str:
    seconds, nanoseconds = divmod(unix_nano, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC) + timedelta(microseconds=nanoseconds // 1000)
    return moment.isoformat().replace("+00:00", "Z")


def _unix_nano(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
