"""`python -m bot demo`: the whole pipeline on the bundled samples, with no token."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.demo import run_demo

ROOT = Path(__file__).resolve().parent.parent


async def demo(db: Path, fresh: bool = False) -> str:
    out = io.StringIO()
    assert await run_demo(db, fresh=fresh, out=out) == 0
    return out.getvalue()


async def test_the_demo_prints_each_story_alert_once_with_its_details(tmp_path: Path) -> None:
    text = await demo(tmp_path / "demo.sqlite")
    alerts = [line for line in text.splitlines() if line.startswith("■ ")]
    assert len(alerts) == len(set(alerts)) >= 10
    assert "North Korea ratifies defence treaty with Russia" in text
    assert "Article 4 (" in text  # cited articles come with their titles
    assert "about 11,000 deployed — Zelensky" in text
    assert "Stored: 10 feeds (0 unhealthy), 45 items" in text


async def test_a_second_run_prints_no_new_alerts(tmp_path: Path) -> None:
    await demo(tmp_path / "demo.sqlite")
    again = await demo(tmp_path / "demo.sqlite")
    assert "■ " not in again
    assert "No new alerts" in again
    assert "45 items" in again


async def test_fresh_starts_over(tmp_path: Path) -> None:
    first = await demo(tmp_path / "demo.sqlite")
    fresh = await demo(tmp_path / "demo.sqlite", fresh=True)
    assert fresh.count("■ ") == first.count("■ ")


def test_the_demo_runs_from_any_directory_as_a_module(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "d.sqlite")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "■ " in proc.stdout and "Stored:" in proc.stdout
    assert proc.stderr == ""
