"""From raw block timings to the table and the plot.

Every figure is paired within a round: a configuration's added cost in round
r is its CPU per call minus the baseline's CPU per call in the same round of
the same line, so slow minutes of a shared machine raise both sides alike.
Medians and interquartile ranges are taken over those per-round figures.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from benchmarks.driver import SCENARIOS, Measurements

# The targets: added cost per span over the bare SDK's, at most.
TARGETS = {"otelscope": 1.5, "otelscope-content": 3.0}


@dataclass
class Row:
    line: int
    scenario: str
    configuration: str
    spans_per_call: float
    cpu_per_call: float  # µs, this configuration alone
    added: list[float]  # µs of CPU per call over the baseline, one per round
    added_wall: list[float]  # µs of wall time per call over the baseline
    floor_per_span: list[float]  # µs of CPU per span of the bare-SDK replay
    ratio: list[float]  # added µs per span / floor µs per span, one per round

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "scenario": self.scenario,
            "configuration": self.configuration,
            "spans_per_call": self.spans_per_call,
            "cpu_us_per_call": self.cpu_per_call,
            "added_cpu_us_per_call": median_iqr(self.added),
            "added_cpu_us_per_span": self.added_per_span(),
            "added_wall_us_per_call": median_iqr(self.added_wall),
            "floor_cpu_us_per_span": median_iqr(self.floor_per_span),
            "ratio_to_floor": median_iqr(self.ratio),
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
    baseline = results.blocks[Measurements.key(line, "baseline", scenario)]
    key = Measurements.key(line, configuration, scenario)
    blocks = results.blocks[key]
    spans_per_call = statistics.median(block["spans"] / block["calls"] for block in blocks)
    added = [per_call(b, "cpu") - per_call(a, "cpu") for b, a in zip(blocks, baseline, strict=True)]
    added_wall = [
        per_call(b, "wall") - per_call(a, "wall") for b, a in zip(blocks, baseline, strict=True)
    ]
    floors = [f["cpu"] / f["spans"] * 1e6 for f in results.floors.get(key, [])]
    ratio = (
        [cost / spans_per_call / floor for cost, floor in zip(added, floors, strict=True)]
        if floors and spans_per_call
        else []
    )
    return Row(
        line=line,
        scenario=scenario,
        configuration=configuration,
        spans_per_call=spans_per_call,
        cpu_per_call=statistics.median(per_call(block, "cpu") for block in blocks),
        added=added,
        added_wall=added_wall,
        floor_per_span=floors,
        ratio=ratio,
    )


HEADER = (
    "| configuration | spans/call | CPU µs/call | added CPU µs/call, median [IQR] "
    "| added µs/span | floor µs/span | ratio to floor [IQR] | target | added wall µs/call |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n"
)


def table(rows: list[Row]) -> str:
    return HEADER + "".join(_table_line(row) for row in rows)


def _table_line(row: Row) -> str:
    if row.configuration == "baseline":
        cells = [f"{row.cpu_per_call:.0f}", "", "", "", "", "", ""]
    else:
        added = median_iqr(row.added) or {}
        per_span = row.added_per_span()
        cells = [
            f"{row.cpu_per_call:.0f}",
            f"{added['median']:.0f} [{added['q1']:.0f}, {added['q3']:.0f}]",
            "" if per_span is None else f"{per_span:.1f}",
            _median_text(row.floor_per_span, "{:.1f}"),
            _ratio_text(row.ratio),
            _verdict(row),
            f"{statistics.median(row.added_wall):.0f}",
        ]
    spans = f"{row.spans_per_call:g}"
    return f"| {row.configuration} | {spans} | " + " | ".join(cells) + " |\n"


def summary(rows: list[Row]) -> str:
    """One line per AgentScope line and scenario, one column per configuration
    other than the baseline: the median ratio to the floor (for the README)."""
    configurations = list(dict.fromkeys(r.configuration for r in rows if r.ratio))
    head = "| AgentScope | scenario | " + " | ".join(configurations) + " |\n"
    rule = "| --- | --- |" + " ---: |" * len(configurations) + "\n"
    cells: dict[tuple[int, str], dict[str, str]] = {}
    for row in rows:
        if row.ratio:
            ratio = f"{statistics.median(row.ratio):.1f}"
            cells.setdefault((row.line, row.scenario), {})[row.configuration] = ratio
    body = "".join(
        f"| {line}.x | {scenario} | "
        + " | ".join(found.get(name, "") for name in configurations)
        + " |\n"
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
    target = TARGETS.get(row.configuration)
    if target is None or not row.ratio:
        return ""
    met = statistics.median(row.ratio) <= target
    return f"≤ {target:g}: {'met' if met else 'NOT met'}"


def plot(rows: list[Row], path: str) -> bool:
    """Added CPU per span and the floor per span, per configuration; False
    when matplotlib is not installed (the test venvs do not have it)."""
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
        axis.set_title(f"AgentScope {line}.x: added CPU per span (bar) and bare-SDK floor (line)")
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
        floors = [statistics.median(chosen[name].floor_per_span) for name in configurations]
        axis.hlines(floors, [x - width / 2 for x in xs], [x + width / 2 for x in xs], "black")
    axis.set_xticks(range(len(configurations)), configurations)
    axis.set_ylabel("CPU µs per span")
    axis.legend()
