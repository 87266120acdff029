"""Section 1: a poll cycle, treatywatch against lemon24/reader, on the same feed farm.

For each farm size: cold (first poll, every item new), warm (every feed answers 304), and
steady (every feed has one new report: the cycle a running bot repeats all day), each side
in its own child process, the two sides interleaved so that the machine's noise falls on
both alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.measure import ROOT, child_env, run_child


@contextmanager
def farm(
    feeds: int, items: int, topical_share: float | None = None
) -> Iterator[tuple[dict[str, Any], Callable[[], None]]]:
    """Start the farm process; yield its {"urls", "bytes"} and a function that publishes one
    more report in every feed; stop it."""
    # Items dated up to 30 hours before now: new to the bot and within max_age, so they alert.
    newest = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.farm"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        params = {"feeds": feeds, "items": items, "newest": newest.timestamp()}
        if topical_share is not None:
            params["topical_share"] = topical_share
        proc.stdin.write(json.dumps(params) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the feed farm did not start")

        def advance() -> None:
            proc.stdin.write("next\n")
            proc.stdin.flush()
            if proc.stdout.readline().strip() != "ok":
                raise RuntimeError("the feed farm did not publish the next reports")

        yield json.loads(line), advance
    finally:
        proc.stdin.close()  # the farm's signal to stop
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ratio(ours: float, theirs: float) -> float:
    return round(ours / theirs, 3) if theirs else float("nan")


def run(params: dict[str, Any]) -> dict[str, Any]:
    sizes: list[int] = list(params.get("sizes", [100, 1000]))
    items: int = int(params.get("items", 20))
    with_reader = bool(params.get("reader", True))
    share = params.get("topical_share")  # None: the farm's usual share of topical reports
    phases = params.get("phases", ["cold", "warm", "steady"])
    out: dict[str, Any] = {}
    for n in sizes:
        with (tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp,
              farm(n, items, share) as (served, advance)):
            urls = served["urls"]
            ours_db, reader_db = Path(tmp) / "ours.sqlite", Path(tmp) / "reader.sqlite"
            result: dict[str, Any] = {"feeds": n, "items_per_feed": items,
                                      "topical_share": share,
                                      "farm_mib": round(served["bytes"] / 2**20, 2)}
            for phase in phases:
                if phase == "steady":
                    advance()
                ours = run_child("benchmarks.poll_ours", {"urls": urls, "db": str(ours_db)})
                result[f"ours_{phase}"] = ours
                if with_reader:
                    theirs = run_child("benchmarks.poll_reader",
                                       {"urls": urls, "db": str(reader_db), "workers": 16})
                    result[f"reader_{phase}"] = theirs
                    result[f"ratio_{phase}"] = {
                        "wall": _ratio(ours["wall_s"], theirs["wall_s"]),
                        "cpu": _ratio(ours["cpu_s"], theirs["cpu_s"]),
                        "peak_rss": _ratio(ours["peak_rss_mib"], theirs["peak_rss_mib"]),
                    }
                time.sleep(0.5)  # let the farm's sockets settle between phases
            result["db_mib"] = {
                "ours": round(ours_db.stat().st_size / 2**20, 2),
                "reader": round(reader_db.stat().st_size / 2**20, 2) if with_reader else None,
            }
            out[str(n)] = result
    return out


if __name__ == "__main__":
    from benchmarks.measure import child_main

    child_main(run)
