"""From raw block timings to the table and the plot.

Every figure is paired within a round: a configuration's added cost in round
r is its CPU per call minus the baseline's CPU per call in the same round of
the same line, so slow minutes of a shared machine raise both sides alike.
Medians and interquartile ranges are taken over those per-round figures.

Three references for the CPU a configuration adds per span:

- the span floor: the same spans made by a bare SDK loop (the issue's target
  is judged against it);
- the telemetry floor: the same spans and the same metric points, made by a
  bare SDK loop;
- ``bare-spans``: the same spans made at the same entry points by wrappers
  with no logic, in the same round (the "in-situ ratio").
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from benchmarks.driver import SCENARIOS, Measurements

# The targets: added cost per span over the span floor's, at most.
TARGETS = {"otelscope": 1.5, "otelscope-content": 3.0}
# The in-situ floor configuration (benchmarks.bare_spans).
BARE = "bare-spans"


@dataclass
class Row:
    line: int
    scenario: str
    configuration: str
    spans_per_call: float
    points_per_call: float  # metric points per call, from the probe call
    cpu_per_call: float  # µs, this configuration alone
    added: list[float]  # µs of CPU per call over the baseline, one per round
    added_wall: list[float]  # µs of wall time per call over the baseline
    floor_per_span: list[float]  # µs of CPU per span of the span floor's replay
    telemetry_floor_per_span: list[float]  # the same for the telemetry floor
    ratio: list[float]  # added µs per span / span floor µs per span, one per round
    telemetry_ratio: list[float]  # added µs per span / telemetry floor µs per span
    in_situ: list[float]  # added µs per span / bare-spans' added µs per span

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "scenario": self.scenario,
            "configuration": self.configuration,
            "spans_per_call": self.spans_per_call,
            "metric_points_per_call": self.points_per_call,
            "cpu_us_per_call": self.cpu_per_call,
            "added_cpu_us_per_call": median_iqr(self.added),
            "added_cpu_us_per_span": self.added_per_span(),
            "added_wall_us_per_call": median_iqr(self.added_wall),
            # The span floor (spans only) and the ratio to it, the target.
            "floor_cpu_us_per_span": median_iqr(self.floor_per_span),
            "ratio_to_floor": median_iqr(self.ratio),
            "telemetry_floor_cpu_us_per_span": median_iqr(self.telemetry_floor_per_span),
            "ratio_to_telemetry_floor": median_iqr(self.telemetry_ratio),
            "in_situ_ratio": median_iqr(self.in_situ),
        }

    def added_per_span(self) -> float | None:
        if not self.spans_per_call:
            return None
        return statistics.median(self.added) / self.spans_per_call


def median_iqr(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    if len(values) < 2:
        return {"median": values[0], "q1": values[0], "q3": values[0]}
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {"median": statistics.median(values), "q1": q1, "q3": q3}


def per_call(answer: dict[str, Any], field: str) -> float:
    return float(answer[field]) / answer["calls"] * 1e6


def build_rows(results: Measurements, configurations: list[tuple[int, str]]) -> list[Row]:
    return [
        _row(results, line, configuration, scenario)
        for line, configuration in configurations
        for scenario in SCENARIOS
    ]


def _row(results: Measurements, line: int, configuration: str, scenario: str) -> Row:
    key = Measurements.key(line, configuration, scenario)
    blocks = results.blocks[key]
    spans_per_call = _spans_per_call(blocks)
    added = _added(results, line, configuration, scenario, "cpu")
    floors = _per_span(results.floors.get(key, []))
    telemetry_floors = _per_span(results.telemetry_floors.get(key, []))
    bare_key = Measurements.key(line, BARE, scenario)
    in_situ: list[float] = []
    if configuration not in ("baseline", BARE) and bare_key in results.blocks and spans_per_call:
        bare_spans = _spans_per_call(results.blocks[bare_key])
        bare_added = _added(results, line, BARE, scenario, "cpu")
        in_situ = [
            cost / spans_per_call / (bare / bare_spans)
            for cost, bare in zip(added, bare_added, strict=True)
            if bare
        ]
    telemetry = results.telemetry_floors.get(key, [])
    return Row(
        line=line,
        scenario=scenario,
        configuration=configuration,
        spans_per_call=spans_per_call,
        points_per_call=statistics.median(f["points"] / f["calls"] for f in telemetry)
        if telemetry
        else 0.0,
        cpu_per_call=statistics.median(per_call(block, "cpu") for block in blocks),
        added=added,
        added_wall=_added(results, line, configuration, scenario, "wall"),
        floor_per_span=floors,
        telemetry_floor_per_span=telemetry_floors,
        ratio=_ratios(added, spans_per_call, floors),
        telemetry_ratio=_ratios(added, spans_per_call, telemetry_floors),
        in_situ=in_situ,
    )


def _spans_per_call(blocks: list[dict[str, Any]]) -> float:
    return float(statistics.median(block["spans"] / block["calls"] for block in blocks))


def _added(
    results: Measurements, line: int, configuration: str, scenario: str, field: str
) -> list[float]:
    """Per round: the configuration's CPU (or wall) µs per call minus the baseline's."""
    baseline = results.blocks[Measurements.key(line, "baseline", scenario)]
    blocks = results.blocks[Measurements.key(line, configuration, scenario)]
    return [per_call(b, field) - per_call(a, field) for b, a in zip(blocks, baseline, strict=True)]


def _per_span(floors: list[dict[str, Any]]) -> list[float]:
    return [f["cpu"] / f["spans"] * 1e6 for f in floors if f["spans"]]


def _ratios(added: list[float], spans_per_call: float, floors: list[float]) -> list[float]:
    if not floors or not spans_per_call:
        return []
    return [cost / spans_per_call / floor for cost, floor in zip(added, floors, strict=True)]


HEADER = (
    "| configuration | spans/call | metric points/call | CPU µs/call "
    "| added CPU µs/call, median [IQR] | added µs/span | span floor µs/span "
    "| telemetry floor µs/span | ratio to span floor [IQR] | ratio to telemetry floor "
    "| in-situ ratio [IQR] | target |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
)

EXPLANATION = (
    "Three references for the CPU a configuration adds per span. The **span floor** is "
    "what the bare OpenTelemetry SDK needs to make the same spans (names, kinds, "
    "attributes, nesting) in a tight loop that does nothing else; the issue's target "
    "is judged against it. The **telemetry floor** is the same loop making the same "
    "spans and also recording the same metric points (the histograms a configuration "
    "records per call: same instruments, values and attributes), so it is the bare "
    "cost of everything the configuration emits; it equals the span floor for "
    "configurations that record no metrics. **bare-spans** is a configuration that "
    "makes the same spans as otelscope at the same places inside AgentScope with no "
    "logic at all (start the span with constant attributes, make it current, end it): "
    "its added CPU per span is what span creation costs in place, with AgentScope's "
    "code, cold caches and coroutine layers between span operations, which a tight "
    "loop does not have. The in-situ ratio divides a configuration's added CPU per span "
    "by bare-spans' in the same round: how much more than the least any instrumentation "
    "at these entry points could cost, metrics and all of its logic included.\n\n"
)


def table(rows: list[Row]) -> str:
    return HEADER + "".join(_table_line(row) for row in rows)


def _table_line(row: Row) -> str:
    if row.configuration == "baseline":
        cells = [f"{row.cpu_per_call:.0f}"] + [""] * 8
    else:
        added = median_iqr(row.added) or {}
        per_span = row.added_per_span()
        cells = [
            f"{row.cpu_per_call:.0f}",
            f"{added['median']:.0f} [{added['q1']:.0f}, {added['q3']:.0f}]",
            "" if per_span is None else f"{per_span:.1f}",
            _median_text(row.floor_per_span, "{:.1f}"),
            _median_text(row.telemetry_floor_per_span, "{:.1f}"),
            _ratio_text(row.ratio),
            _median_text(row.telemetry_ratio, "{:.2f}"),
            _ratio_text(row.in_situ),
            _verdict(row),
        ]
    counts = f"{row.spans_per_call:g} | {row.points_per_call:g}"
    return f"| {row.configuration} | {counts} | " + " | ".join(cells) + " |\n"


# The summary's last columns: otelscope against the two other references.
OTELSCOPE_TO_TELEMETRY_FLOOR = "otelscope ÷ telemetry floor"
OTELSCOPE_IN_SITU = "otelscope ÷ bare-spans"


def summary(rows: list[Row]) -> str:
    """One line per AgentScope line and scenario, one column per configuration
    other than the baseline: the median ratio to the span floor; then
    otelscope's median ratio to its telemetry floor and to bare-spans (for the
    README)."""
    configurations = list(dict.fromkeys(r.configuration for r in rows if r.ratio))
    columns = [*configurations, OTELSCOPE_TO_TELEMETRY_FLOOR, OTELSCOPE_IN_SITU]
    head = "| AgentScope | scenario | " + " | ".join(columns) + " |\n"
    rule = "| --- | --- |" + " ---: |" * len(columns) + "\n"
    cells: dict[tuple[int, str], dict[str, str]] = {}
    for row in rows:
        if row.ratio:
            found = cells.setdefault((row.line, row.scenario), {})
            found[row.configuration] = _median_text(row.ratio, "{:.1f}")
            if row.configuration == "otelscope":
                found[OTELSCOPE_TO_TELEMETRY_FLOOR] = _median_text(row.telemetry_ratio, "{:.1f}")
                found[OTELSCOPE_IN_SITU] = _median_text(row.in_situ, "{:.1f}")
    body = "".join(
        f"| {line}.x | {scenario} | " + " | ".join(found.get(name, "") for name in columns) + " |\n"
        for (line, scenario), found in cells.items()
    )
    return head + rule + body


def _median_text(values: list[float], form: str) -> str:
    return form.format(statistics.median(values)) if values else ""


def _ratio_text(ratio: list[float]) -> str:
    if not ratio:
        return ""
    spread = median_iqr(ratio) or {}
    return f"{spread['median']:.2f} [{spread['q1']:.2f}, {spread['q3']:.2f}]"


def _verdict(row: Row) -> str:
    """The issue's target, judged against the span floor only."""
    target = TARGETS.get(row.configuration)
    if target is None or not row.ratio:
        return ""
    met = statistics.median(row.ratio) <= target
    return f"≤ {target:g}: {'met' if met else 'NOT met'}"


def plot(rows: list[Row], path: str) -> bool:
    """Added CPU per span and the two floors per span, per configuration;
    False when matplotlib is not installed (the test venvs do not have it)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    lines = sorted({row.line for row in rows})
    figure, axes = plt.subplots(len(lines), 1, figsize=(10, 4.2 * len(lines)), squeeze=False)
    for axis, line in zip(axes[:, 0], lines, strict=True):
        _plot_line(axis, [row for row in rows if row.line == line and row.added_per_span()])
        axis.set_title(
            f"AgentScope {line}.x: added CPU per span (bars), span floor (solid line), "
            "telemetry floor (dashed)"
        )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _plot_line(axis: Any, rows: list[Row]) -> None:
    configurations = list(dict.fromkeys(row.configuration for row in rows))
    width = 0.8 / len(SCENARIOS)
    for offset, scenario in enumerate(SCENARIOS):
        chosen = {row.configuration: row for row in rows if row.scenario == scenario}
        xs = [index + (offset - 1) * width for index in range(len(configurations))]
        values = [chosen[name].added_per_span() or 0.0 for name in configurations]
        axis.bar(xs, values, width, label=scenario)
        starts, ends = [x - width / 2 for x in xs], [x + width / 2 for x in xs]
        floors = [statistics.median(chosen[name].floor_per_span) for name in configurations]
        axis.hlines(floors, starts, ends, "black")
        telemetry = [
            statistics.median(chosen[name].telemetry_floor_per_span) for name in configurations
        ]
        axis.hlines(telemetry, starts, ends, "black", linestyles="dashed")
    axis.set_xticks(range(len(configurations)), configurations)
    axis.set_ylabel("CPU µs per span")
    axis.legend()
