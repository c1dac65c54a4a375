"""From raw blocks to the figures, the targets and the tables.

Every figure is paired within a round: a configuration's added CPU in round r is its CPU per
call minus the baseline's in the same round of the same line, and every ratio is taken in its
round, so slow minutes of a shared machine raise both sides alike. Medians and interquartile
ranges are over the rounds.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

# The targets (ratios, at most) and "today": the figures measured when they were set, per
# AgentScope line (one per line, not per scenario; none for the no-logic alternative).
TARGETS = {"spans": 2.0, "sampled": 3.0, "telemetry": 1.5, "peer": 0.5, "bare": 1.25}
TODAY: dict[int, dict[str, str]] = {
    1: {"spans": "3.2 (484 µs added)", "sampled": "5.3", "telemetry": "2.1 to 3.5"}
    | {"peer": "0.64", "loongsuite": "751 µs added", "agentobs": "766 µs added"},
    2: {"spans": "4.4 (680 µs added)", "sampled": "11.4", "telemetry": "2.1 to 3.5"}
    | {"peer": "0.68", "loongsuite": "998 µs added", "agentobs": "1243 µs added"},
}
PEERS = ("loongsuite", "agentobs")
OTELSCOPE = ("otelscope", "otelscope-sampled-out", "otelscope-metrics")
CONFIGURATIONS = ("baseline", *OTELSCOPE, *PEERS, "bare-spans")
# A table's rows: the ratio, the configuration, its label, the ratio's denominator.
ROWS = (
    ("spans", "otelscope", "otelscope: spans recorded, no meter provider", "span floor"),
    (
        "sampled",
        "otelscope-sampled-out",
        "otelscope: sampled out (ALWAYS_OFF)",
        "sampled-out floor",
    ),
    (
        "telemetry",
        "otelscope-metrics",
        "otelscope: full telemetry (SDK metrics)",
        "telemetry floor",
    ),
    ("bare_floor", "bare-spans", "bare-spans: no logic", "span floor"),
    ("bare", "", "otelscope (spans) ÷ bare-spans", "bare-spans' added"),
    ("", "loongsuite", "loongsuite 0.9.0", ""),
    ("", "agentobs", "Tencent agentobs 0.1.5", ""),
    ("peer", "", "otelscope (spans) ÷ best peer", "best peer's added, per round"),
)


def key(line: int, name: str, scenario: str) -> str:
    return f"{line}|{name}|{scenario}"


def _us(answers: Sequence[dict[str, Any]]) -> list[float]:
    return [answer["cpu"] / answer["calls"] * 1e6 for answer in answers]


def spread(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"median": math.nan, "q1": math.nan, "q3": math.nan}
    if len(values) < 2:
        return {"median": values[0], "q1": values[0], "q3": values[0]}
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {"median": statistics.median(values), "q1": q1, "q3": q3}


def _ratios(top: Sequence[float], bottom: Sequence[float]) -> list[float]:
    return [a / b for a, b in zip(top, bottom, strict=True) if b > 0]


def figures(results: dict[str, list[Any]], lines: Sequence[int], scenarios: Sequence[str]) -> Any:
    """Per line and scenario: every configuration's CPU, added CPU and spans per call, the
    floors per call and the target ratios, each as median and quartiles."""
    found: dict[str, Any] = {}
    for line in lines:
        for scenario in scenarios:
            baseline = _us(results[key(line, "baseline", scenario)])
            added, floors, row = {}, {}, {}
            for name in CONFIGURATIONS:
                blocks = results[key(line, name, scenario)]
                added[name] = [b - a for b, a in zip(_us(blocks), baseline, strict=True)]
                row[name] = {
                    "cpu_us_per_call": spread(_us(blocks)),
                    "added_cpu_us_per_call": spread(added[name]),
                    "spans_per_call": statistics.median(b["spans"] / b["calls"] for b in blocks),
                }
                if f"{key(line, name, scenario)}|floor" in results:
                    replays = results[f"{key(line, name, scenario)}|floor"]
                    floors[name] = _us(replays)
                    row[name]["floor_cpu_us_per_call"] = spread(floors[name])
                    row[name]["floor_spans_per_call"] = replays[0]["spans"] / replays[0]["calls"]
                    row[name]["points_per_call"] = replays[0]["points"] / replays[0]["calls"]
            # Sampled out, spans are made but not recorded: as many as the floor's.
            sampled = row["otelscope-sampled-out"]
            sampled["spans_per_call"] = sampled["floor_spans_per_call"]
            best = [min(values) for values in zip(*(added[name] for name in PEERS), strict=True)]
            pairs = {
                "spans": (added["otelscope"], floors["otelscope"]),
                "sampled": (added["otelscope-sampled-out"], floors["otelscope-sampled-out"]),
                "telemetry": (added["otelscope-metrics"], floors["otelscope-metrics"]),
                "bare_floor": (added["bare-spans"], floors["bare-spans"]),
                "bare": (added["otelscope"], added["bare-spans"]),
                "peer": (added["otelscope"], best),
            }
            row["ratios"] = {name: spread(_ratios(*pair)) for name, pair in pairs.items()}
            row["denominators"] = {name: spread(pair[1]) for name, pair in pairs.items()}
            found[f"{line}|{scenario}"] = row
    return found


def _median_iqr(values: dict[str, float], form: str = "{:.0f}") -> str:
    low, high = form.format(values["q1"]), form.format(values["q3"])
    return f"{form.format(values['median'])} [{low}, {high}]"


def _verdict(row: dict[str, Any], target: str) -> str:
    return "met" if row["ratios"][target]["median"] <= TARGETS[target] else "NOT met"


HEADER = (
    "| configuration | spans/call | CPU µs/call | added µs/call, median [IQR] | compared with "
    "| its µs/call | ratio, median [IQR] | target | today | verdict |\n"
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |\n"
)


def table(row: dict[str, Any], line: int) -> str:
    """One line and scenario: every configuration, what it is compared with, its target."""
    base = row["baseline"]["cpu_us_per_call"]["median"]
    text = HEADER + f"| baseline (AgentScope alone) | 0 | {base:.0f} |" + " |" * 7 + "\n"
    for target, name, label, against in ROWS:
        cells = [label, "", "", ""]
        if name:
            found = row[name]
            points = found.get("points_per_call")
            cells[1] = f"{found['spans_per_call']:g}" + (f" + {points:g} points" if points else "")
            cells[2] = f"{found['cpu_us_per_call']['median']:.0f}"
            cells[3] = _median_iqr(found["added_cpu_us_per_call"])
        if target:
            cells += [against, f"{row['denominators'][target]['median']:.0f}"]
            cells.append(_median_iqr(row["ratios"][target], "{:.2f}"))
            cells.append(f"≤ {TARGETS[target]:g}" if target in TARGETS else "")
        else:
            cells += ["", "", "", ""]
        cells.append(TODAY[line].get(target or name, ""))
        cells.append(_verdict(row, target) if target in TARGETS else "")
        text += "| " + " | ".join(cells) + " |\n"
    return text


SUMMARY = {
    "spans": "spans recorded ÷ span floor",
    "sampled": "sampled out ÷ its floor",
    "telemetry": "full telemetry ÷ its floor",
    "peer": "spans recorded ÷ best peer",
    "bare_floor": "bare-spans ÷ span floor",
    "bare": "spans recorded ÷ bare-spans",
}


def summary(found: dict[str, Any], lines: Sequence[int], scenarios: Sequence[str]) -> str:
    """Every ratio, line and scenario, next to its target and today's figure."""
    rows = [
        ["AgentScope", "scenario", *SUMMARY.values()],
        ["---", "---", *["---:"] * len(SUMMARY)],
        ["target", "", *[f"≤ {TARGETS[n]:g}" if n in TARGETS else "" for n in SUMMARY]],
    ]
    for line in lines:
        rows.append([f"{line}.x today", "", *[TODAY[line].get(n, "") for n in SUMMARY]])
        for scenario in scenarios:
            row = found[f"{line}|{scenario}"]
            cells = [f"{row['ratios'][name]['median']:.2f}" for name in SUMMARY]
            verdicts = [f" {_verdict(row, n)}" if n in TARGETS else "" for n in SUMMARY]
            rows.append([f"{line}.x", scenario, *map(str.__add__, cells, verdicts)])
    return "".join("| " + " | ".join(cells) + " |\n" for cells in rows)


EXPLANATION = """\
Added = CPU per call minus AgentScope alone's in the same round. Spans go to an SDK \
`TracerProvider` with a `BatchSpanProcessor` and a dropping exporter, flushed inside the timing; \
content capture off (agentobs has no switch and records messages). Floors: the bare SDK, in the \
configuration's process, making one call's spans with `start_as_current_span`, each current \
while its children run, same attributes; on an `ALWAYS_OFF` provider for the sampled-out floor, \
plus the same histogram points for the telemetry floor. bare-spans: otelscope's spans and \
attributes at its entry points, no logic. The peers are compared with the first otelscope row; \
"today": the line's figure when the targets were set (benchmarks/README.md).

"""


def markdown(
    results: dict[str, list[Any]],
    lines: Sequence[int],
    scenarios: Sequence[str],
    head: str,
    versions: dict[int, dict[str, str]],
) -> str:
    found = figures(results, lines, scenarios)
    parts = ["# otelscope overhead\n\n", head, "\n\n", EXPLANATION, "## Targets\n\n"]
    parts.append(summary(found, lines, scenarios))
    for line in lines:
        packages = ", ".join(
            f"{name} {version}" for name, version in sorted(versions[line].items())
        )
        parts.append(f"\n## AgentScope {line}.x\n\n{packages}\n")
        for scenario in scenarios:
            parts.append(f"\n### {line}.x {scenario}\n\n{table(found[f'{line}|{scenario}'], line)}")
    return "".join(parts)
