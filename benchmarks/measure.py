"""Timing, resource usage and child processes, shared by the benchmark sections.

Each section runs in a child process of its own, so that one section's memory and caches
never colour another's figures, and peak RSS means that section alone.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of `samples` (which need not be sorted)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def rss_mib() -> float:
    """Current resident set size (for memory deltas), from /proc when there is one."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mib()


@dataclass
class Span:
    wall: float = 0.0
    cpu: float = 0.0  # user + system time of the whole process, every thread included

    def as_dict(self) -> dict[str, float]:
        return {"wall_s": round(self.wall, 4), "cpu_s": round(self.cpu, 4)}


@contextmanager
def span() -> Iterator[Span]:
    result = Span()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield result
    finally:
        result.wall = time.perf_counter() - wall
        result.cpu = time.process_time() - cpu


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    def summary(self, scale: float = 1000.0) -> dict[str, float]:
        """p50, p99 and max, in milliseconds by default."""
        return {
            "n": len(self.samples),
            "p50_ms": round(percentile(self.samples, 50) * scale, 4),
            "p99_ms": round(percentile(self.samples, 99) * scale, 4),
            "max_ms": round(max(self.samples, default=float("nan")) * scale, 4),
        }


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # The sections import `benchmarks` and `bot` from the checkout, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def run_child(module: str, params: dict[str, Any], timeout: float = 3600) -> dict[str, Any]:
    """Run `python -m module` with `params` as JSON on stdin; its last stdout line is the
    JSON result."""
    proc = subprocess.run(
        [sys.executable, "-m", module], input=json.dumps(params), capture_output=True,
        text=True, timeout=timeout, env=child_env(), cwd=ROOT, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def child_main(run: Any) -> None:
    """The entry point of a section module: params from stdin, result on stdout."""
    params = json.loads(sys.stdin.read() or "{}")
    result = run(params)
    print(json.dumps(result))
