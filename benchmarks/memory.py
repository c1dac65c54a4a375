"""``python -m benchmarks.memory [CALLS]``: is memory flat over many calls?

One agent, otelscope instrumented (content off) on the benchmark's pipeline,
CALLS sequential calls (default 100,000). At checkpoints it records the
resident set size, the live objects of otelscope's own classes, and the live
SDK spans. State keyed on agents and calls must be released, so those counts
must not grow; resident size may wander by allocator noise only. Writes
``benchmarks/results/memory-as{line}.md``.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan

from benchmarks import configurations
from benchmarks.pipeline import Pipeline

RESULTS = Path(__file__).resolve().parent / "results"
CHECKPOINTS = (1_000, 10_000, 50_000, 100_000)
# Resident growth from the second checkpoint to the last that still counts as
# flat: allocator arenas and interned strings settle, a leak keeps growing.
RSS_SLACK_MB = 8.0


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def live_objects() -> tuple[Counter[str], int]:
    """otelscope's objects by class, and the number of SDK spans alive."""
    gc.collect()
    own: Counter[str] = Counter()
    spans = 0
    for item in gc.get_objects():
        kind = type(item)
        # Some classes shadow __module__ with a property: read the type's own.
        if str(vars(kind).get("__module__", "")).startswith("otelscope."):
            own[kind.__qualname__] += 1
        elif isinstance(item, ReadableSpan):
            spans += 1
    return own, spans


async def run(total: int, checkpoints: list[int]) -> list[dict[str, object]]:
    workload = configurations.workload_module().Workload(1, False, False)
    samples = []
    done = 0
    started = time.perf_counter()
    for checkpoint in checkpoints:
        while done < checkpoint:
            await workload.call(0)
            done += 1
        own, spans = live_objects()
        samples.append(
            {
                "calls": done,
                "rss_mb": resident_mb(),
                "otelscope_objects": sum(own.values()),
                "by_class": dict(own.most_common(6)),
                "sdk_spans": spans,
                "seconds": time.perf_counter() - started,
            }
        )
        print(f"  {done} calls: {samples[-1]}", file=sys.stderr, flush=True)
    return samples


def verdict(samples: list[dict[str, object]]) -> str:
    first, settled, last = samples[0], samples[min(1, len(samples) - 1)], samples[-1]
    objects_flat = last["otelscope_objects"] == first["otelscope_objects"]
    spans_flat = last["sdk_spans"] == first["sdk_spans"]
    growth = float(last["rss_mb"]) - float(settled["rss_mb"])  # type: ignore[arg-type]
    rss_flat = growth <= RSS_SLACK_MB
    flat = objects_flat and spans_flat and rss_flat
    return (
        f"{'flat' if flat else 'NOT flat'}: otelscope objects {first['otelscope_objects']} -> "
        f"{last['otelscope_objects']}, SDK spans alive {first['sdk_spans']} -> "
        f"{last['sdk_spans']}, resident +{growth:.1f} MB from {settled['calls']} calls on "
        f"(allowed {RSS_SLACK_MB:g} MB)"
    )


def markdown(samples: list[dict[str, object]], line: int) -> str:
    rows = "".join(
        f"| {s['calls']:,} | {s['rss_mb']:.1f} | {s['otelscope_objects']} | {s['sdk_spans']} "
        f"| {s['seconds']:.0f} |\n"
        for s in samples
    )
    return (
        f"# Memory over many calls, AgentScope {line}.x, otelscope instrumented\n\n"
        f"{', '.join(f'{k} {v}' for k, v in configurations.versions().items())}\n\n"
        "| calls | resident MB | live otelscope objects | live SDK spans | seconds |\n"
        "| ---: | ---: | ---: | ---: | ---: |\n"
        f"{rows}\n{verdict(samples)}\n\nLive otelscope objects by class at the end: "
        f"{samples[-1]['by_class']}\n"
    )


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else CHECKPOINTS[-1]
    checkpoints = sorted({point * total // CHECKPOINTS[-1] for point in CHECKPOINTS})
    pipeline = Pipeline()
    pipeline.install_globally()
    configurations.set_up("otelscope", pipeline)
    samples = asyncio.run(run(total, checkpoints))
    line = configurations.major_version()
    text = markdown(samples, line)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"memory-as{line}.md").write_text(text, encoding="utf-8")
    if not verdict(samples).startswith("flat"):
        sys.exit(1)


if __name__ == "__main__":
    main()
