"""`python -m benchmarks.command_load` runs end to end: every command sent gets an answer
or a refusal, and every cycle polls every feed. Only that: a tiny run says nothing about
speed (docs/reliability.md, section 5, has the real figures)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_tiny_load_run_answers_every_command_and_polls_every_feed() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.command_load", "--rate", "20", "--seconds", "1",
         "--feeds", "2", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    commands = result["commands"]
    assert commands["sent"] == 20 and commands["http_status"] == {"200": 20}
    assert sum(commands["outcomes"].values()) == 20
    assert "unanswered" not in commands["outcomes"] and "failed" not in commands["outcomes"]
    cycles = result["cycles_alone"] + result["cycles_loaded"]
    assert len(cycles) == 3
    assert all(c["items_new"] == 2 * 20 and c["errors"] == 0 for c in cycles)
    assert set(result["goals"]) == {"every command answered or refused within 3 s",
                                    "poll cycle within 1.5x of alone"}
