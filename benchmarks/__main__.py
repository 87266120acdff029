"""`python -m benchmarks`: every figure of docs/performance.md, as a table and as JSON.

Run it from a checkout (`pip install ".[bench]"` or the packages it names first):

    python -m benchmarks                      # the full run (about 13 minutes on 2 cores)
    python -m benchmarks --quick              # tiny sizes: checks that everything runs
    python -m benchmarks --only poll,matching --json out.json
    python -m benchmarks --only poll --set poll.sizes=[100] --set poll.phases='["cold"]'

Each section runs in its own child process; the poll cycle runs each side (and each of cold
and warm) in a process of its own, so that peak RSS is that side's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.measure import run_child
from benchmarks.report import goals, table

SECTIONS = ("poll", "poll_offtopic", "parsers", "matching", "folding", "commands", "storage",
            "model")

FULL: dict[str, Any] = {
    "poll": {"sizes": [100, 1000], "items": 20},
    "parsers": {"farm_feeds": 100, "corpus_farm_feeds": 5},
    "matching": {"items": 100_000},
    "folding": {"sizes": [1_000, 10_000, 100_000], "queries": 1_000},
    "commands": {"stories": 100_000, "rounds": 20},
    "storage": {"items": 10_000},
    # The cold cycle of a farm where 5 % of the reports are on a topic (the rest: other news).
    "poll_offtopic": {"sizes": [100], "items": 20, "topical_share": 0.05, "phases": ["cold"]},
    "model": {"items": 400},
}
QUICK: dict[str, Any] = {
    "poll": {"sizes": [3], "items": 20},
    "parsers": {"farm_feeds": 2, "corpus_farm_feeds": 1},
    "matching": {"items": 200},
    "folding": {"sizes": [100, 200], "queries": 10},
    "commands": {"stories": 200, "rounds": 1},
    "storage": {"items": 100},
    "poll_offtopic": {"sizes": [3], "items": 20, "topical_share": 0.05, "phases": ["cold"]},
    "model": {"items": 40},
}


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    versions = {}
    for package in ("feedparser", "fastfeedparser", "reader", "aiohttp", "aiosqlite"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
        "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
        "load_avg": [round(x, 2) for x in os.getloadavg()], "packages": versions,
    }


def _datasets(sizes: list[int], queries: int, tmp: Path) -> dict[int, dict[str, Any]]:
    out = {}
    for n in sorted(set(sizes)):
        path = tmp / f"stories-{n}.sqlite"
        t0 = time.perf_counter()
        built = run_child("benchmarks.dataset", {"path": str(path), "stories": n,
                                                 "queries": queries})
        built["build_s"] = round(time.perf_counter() - t0, 1)
        built["path"] = str(path)
        out[n] = built
    return out


def run(sections: list[str], params: dict[str, Any], log: Any) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(),
                               "started": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        sizes = list(params["folding"]["sizes"]) if "folding" in sections else []
        if "commands" in sections:
            sizes.append(params["commands"]["stories"])
        datasets = _datasets(sizes, params["folding"]["queries"], Path(tmp)) if sizes else {}
        if datasets:
            results["datasets"] = {n: {k: v for k, v in d.items() if k not in ("queries", "path")}
                                   for n, d in datasets.items()}
        for section in sections:
            print(f"… {section}", file=log, flush=True)
            t0 = time.perf_counter()
            if section == "folding":
                results["folding"] = {
                    str(n): run_child("benchmarks.folding", {"db": datasets[n]["path"],
                                                             "queries": datasets[n]["queries"]})
                    for n in params["folding"]["sizes"]
                }
            elif section == "commands":
                data = datasets[params["commands"]["stories"]]
                results["commands"] = run_child("benchmarks.commands", {
                    "db": data["path"], "now": data["last"].replace("Z", "+00:00"),
                    "rounds": params["commands"]["rounds"],
                })
                results["commands"]["stories"] = params["commands"]["stories"]
            else:
                module = {"poll": "benchmarks.poll", "poll_offtopic": "benchmarks.poll",
                          "parsers": "benchmarks.parsers", "matching": "benchmarks.matching",
                          "storage": "benchmarks.inserts", "model": "benchmarks.model"}
                results[section] = run_child(module[section], params[section])
            results.setdefault("section_s", {})[section] = round(time.perf_counter() - t0, 1)
    results["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["goals"] = goals(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    parser.add_argument("--json", default="benchmark-results.json", help="where to write JSON")
    parser.add_argument("--no-reader", action="store_true",
                        help="skip lemon24/reader in the poll section")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=JSON",
                        help="override one parameter, e.g. folding.sizes=[1000,10000]")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    params = json.loads(json.dumps(QUICK if args.quick else FULL))
    params["poll"]["reader"] = params["poll_offtopic"]["reader"] = not args.no_reader
    for setting in args.set:
        name, _, value = setting.partition("=")
        section, _, key = name.partition(".")
        if section not in params or not key:
            parser.error(f"--set {setting}: expected SECTION.KEY=JSON")
        params[section][key] = json.loads(value)
    results = run(sections, params, sys.stderr)
    results["command"] = "python -m benchmarks " + " ".join(argv if argv is not None
                                                              else sys.argv[1:])
    Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(table(results))
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
