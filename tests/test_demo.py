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


async def test_poll_on_the_bots_database_keeps_its_routes_and_leaves_nothing_queued(
    tmp_path: Path,
) -> None:
    """`poll` prints to the terminal from the database `run` uses: run's Discord routes stay,
    and no terminal delivery is left pending for ever, nor queued by run later."""
    from bot.commands.treaty import Knowledge
    from bot.demo import run_poll
    from bot.samples import bundled_config, demo_config, samples_dir
    from bot.sampleserver import serve_folder
    from storage import SQLiteStore, Subscription

    db = tmp_path / "tw.sqlite"
    store = await SQLiteStore.open(db)
    route = Subscription("discord", "800000000000000001", "treaty", None, "config")
    await store.sync_config_subscriptions([route])
    await store.close()
    async with serve_folder(samples_dir()) as base_url:
        config = demo_config(bundled_config(), base_url, 3650)
        out = io.StringIO()
        assert await run_poll(config, Knowledge.load(), db, out=out) == 0
    assert out.getvalue().count("■ ") >= 10
    store = await SQLiteStore.open(db)
    try:
        assert [s for s in await store.subscriptions()] == [route]
        assert await store.pending("console") == []
    finally:
        await store.close()
