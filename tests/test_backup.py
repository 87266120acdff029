"""`backup`: a consistent copy of the database while the bot writes to it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from storage import NewItem, SQLiteStore

NOW = datetime(2025, 5, 1, tzinfo=UTC)


def new_item(feed_id: int, n: int) -> NewItem:
    return NewItem(
        feed_id=feed_id, guid=f"g{n}", link=f"https://x.example/{n}", title=f"item {n}",
        summary="text " * 50, published=NOW, date_from_feed=True, first_seen=NOW,
        language="en", topics=["treaty"], articles=[], troops=[], why={}, features={},
        keys=[], story_id=None, alert=False,
    )


async def test_a_backup_taken_during_writes_is_a_consistent_treatywatch_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = await SQLiteStore.open(tmp_path / "live.sqlite")
    await store.sync_feeds([("wire", "https://wire.example/rss")], NOW)
    [feed] = await store.feeds()

    async def keep_writing() -> None:
        for n in range(400):
            await store.save_item(new_item(feed.id, n), NOW)

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    status = await asyncio.to_thread(
        main, ["backup", str(tmp_path / "copy.sqlite"), "--db", str(tmp_path / "live.sqlite")]
    )
    await writer
    await store.close()
    assert status == 0 and "integrity ok" in capsys.readouterr().out
    copy = await SQLiteStore.open(tmp_path / "copy.sqlite")
    try:
        stats = await copy.stats()
    finally:
        await copy.close()
    assert 0 < stats.items <= 400
    assert stats.stories == stats.items  # every item came with its story: no half write


def test_a_backup_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "live.sqlite").write_bytes(b"")
    (tmp_path / "copy.sqlite").write_text("precious")
    status = main(["backup", str(tmp_path / "copy.sqlite"), "--db", str(tmp_path / "live.sqlite")])
    assert status == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "copy.sqlite").read_text() == "precious"


def test_a_missing_database_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["backup", str(tmp_path / "c.sqlite"), "--db", str(tmp_path / "none.sqlite")])
    assert status == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'none.sqlite'}: no such database\n"
