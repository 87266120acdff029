"""`python -m benchmarks --quick` runs every section and reports every figure.

Only that: the figures of a tiny run say nothing about speed (docs/performance.md has the
real ones). It needs lemon24/reader for the comparison; without it the poll section runs
treatywatch alone.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HAS_READER = importlib.util.find_spec("reader") is not None


def _numbers(node: Any) -> list[float]:
    if isinstance(node, bool):
        return []
    if isinstance(node, int | float):
        return [float(node)]
    if isinstance(node, dict):
        return [x for v in node.values() for x in _numbers(v)]
    if isinstance(node, list):
        return [x for v in node for x in _numbers(v)]
    return []


def test_the_quick_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)]
    if not HAS_READER:
        command.append("--no-reader")
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())

    poll = next(iter(results["poll"].values()))
    for phase in ("cold", "warm", "steady"):
        ours = poll[f"ours_{phase}"]
        assert {"wall_s", "cpu_s", "peak_rss_mib"} <= ours.keys()
        assert ours["statuses"] == {"not_modified" if phase == "warm" else "ok": ours["feeds"]}
        if HAS_READER:
            assert poll[f"reader_{phase}"]["broken_feeds"] == 0
            assert {"wall", "cpu", "peak_rss"} <= poll[f"ratio_{phase}"].keys()
    assert poll["ours_cold"]["items_new"] == poll["feeds"] * poll["items_per_feed"]
    assert poll["ours_steady"]["items_new"] == poll["feeds"]  # one new report per feed
    if HAS_READER:
        assert poll["reader_steady"]["entries_new"] == poll["feeds"]

    for corpus in ("farm", "corpus"):
        assert {"feedparser_ms_per_doc", "fastfeedparser_ms_per_doc", "fastparse_ms_per_doc",
                "parse_feed_ms_per_doc", "parse_feed_fast_ms_per_doc"} <= results["parsers"][
                    corpus].keys()
    assert results["parsers"]["fastparse_agreement"]["differ"] == 0

    assert results["matching"]["analyse_items_per_s"] > 0
    assert len(results["folding"]) == 2
    for figures in results["folding"].values():
        assert {"p50_ms", "p99_ms", "candidates_mean", "item_keys_mib"} <= figures.keys()
        assert {"p50_ms", "p99_ms"} <= figures["embed"].keys() & figures["fold"].keys()
        assert any("USING INDEX item_keys_lookup" in step for step in figures["plan"])
        assert any("USING INDEX items_embedded" in step for step in figures["plan"])
    offtopic = next(iter(results["poll_offtopic"].values()))
    assert offtopic["ours_cold"]["items_new"] == offtopic["feeds"] * offtopic["items_per_feed"]
    assert poll["ours_cold"]["largest_story"] >= 1 and poll["ours_cold"]["story_sizes"]
    assert results["model"]["install_mib"] > 0 and results["model"]["rss_model_mib"] > 0
    for command_name in ("article", "ask", "digest_build"):
        assert results["commands"][command_name]["p99_ms"] > 0
    assert results["storage"]["per_item_tx_items_per_s"] > 0
    assert results["storage"]["db_mib_per_10k_items"] > 0

    assert all(math.isfinite(x) for x in _numbers(results)), "a figure is missing (NaN)"
    assert {g["goal"] for g in results["goals"]}  # every goal judged
    assert "fold p99" in proc.stdout and "machine:" in proc.stdout  # the table
