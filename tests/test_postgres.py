"""What only PostgreSQL does: its schema versions, leases that expire, folds that take turns
across workers, and `migrate-db` from a SQLite installation. (Everything the stores share
is tested on both in the other test modules.)"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.cli import main
from storage import (
    DigestPost,
    SchemaTooNewError,
    SQLiteStore,
    StorageError,
    Store,
    Subscription,
    database_url,
    open_store,
)
from storage.migrate import sqlite_to_postgres
from storage.pg_schema import PG_LATEST, PG_MIGRATIONS
from storage.schema import LATEST, MIGRATIONS
from tests.databases import fresh_database, fresh_postgres
from tests.test_storage import new_item

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def empty() -> object:
    async with fresh_postgres(migrated=False) as url:
        yield url


async def test_both_databases_have_the_same_schema_versions() -> None:
    assert sorted(PG_MIGRATIONS) == sorted(MIGRATIONS)
    assert PG_LATEST == LATEST


async def test_a_new_database_is_migrated_and_records_its_version(empty: str) -> None:
    store = await open_store(empty)
    await store.close()
    conn = await asyncpg.connect(empty)
    try:
        assert await conn.fetchval("SELECT version FROM schema_version") == PG_LATEST
    finally:
        await conn.close()


async def test_workers_starting_at_once_migrate_once(empty: str) -> None:
    stores = await asyncio.gather(*(open_store(empty) for _ in range(4)))
    for store in stores:
        await store.close()
    conn = await asyncpg.connect(empty)
    try:
        assert await conn.fetch("SELECT version FROM schema_version") == [(PG_LATEST,)]
    finally:
        await conn.close()


async def test_a_database_from_a_newer_version_is_refused(empty: str) -> None:
    conn = await asyncpg.connect(empty)
    try:
        await conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        await conn.execute("INSERT INTO schema_version VALUES ($1)", PG_LATEST + 1)
    finally:
        await conn.close()
    with pytest.raises(SchemaTooNewError, match="newer"):
        await open_store(empty)


async def test_another_programs_database_is_refused_and_left_alone(empty: str) -> None:
    conn = await asyncpg.connect(empty)
    try:
        await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    finally:
        await conn.close()
    with pytest.raises(StorageError, match="not a treatywatch database"):
        await open_store(empty)
    conn = await asyncpg.connect(empty)
    try:
        tables = {r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    finally:
        await conn.close()
    assert "feeds" not in tables and "notes" in tables


async def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(StorageError) as exc:
        await open_store("postgresql://tw:s3cret@127.0.0.1:9/tw")
    assert "s3cret" not in str(exc.value) and "\n" not in str(exc.value)
    assert "cannot connect" in str(exc.value)


def test_a_database_url_comes_from_the_command_line_then_the_environment_then_the_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.delenv("TREATYWATCH_DATABASE_URL", raising=False)
    default = tmp_path / "tw.sqlite"
    assert database_url(None, None, default) == f"sqlite:///{default}"
    assert database_url(None, "postgresql://h/db", default) == "postgresql://h/db"
    monkeypatch.setenv("TREATYWATCH_DATABASE_URL", "postgresql://env/db")
    assert database_url(None, "postgresql://h/db", default) == "postgresql://env/db"
    assert database_url("postgresql://cli/db", "postgresql://h/db", default) == (
        "postgresql://cli/db")


# --- leases ----------------------------------------------------------------------------------


@pytest.fixture
async def pg() -> object:
    async with fresh_postgres() as url:
        store = await open_store(url)
        await store.sync_feeds([(f"f{n}", f"https://f{n}.example/rss") for n in range(6)], NOW)
        yield store
        await store.close()


async def ids(store: Store) -> list[int]:
    return [f.id for f in await store.due_feeds(NOW, 100, failing=False)]


async def test_two_workers_claim_disjoint_due_feeds(pg: Store) -> None:
    due = await ids(pg)
    a = await pg.claim_feeds("a", due[:4], NOW, timedelta(minutes=5))
    b = await pg.claim_feeds("b", due, NOW, timedelta(minutes=5))
    assert a == due[:4] and sorted(b) == due[4:]
    assert await pg.claim_feeds("c", due, NOW, timedelta(minutes=5)) == []
    assert await ids(pg) == []  # held feeds are not due to anyone else


async def test_a_recorded_poll_ends_the_lease_and_the_feed_waits_for_its_next_poll(
    pg: Store,
) -> None:
    [feed, *_] = await ids(pg)
    assert await pg.claim_feeds("a", [feed], NOW, timedelta(minutes=5)) == [feed]
    await pg.record_success(feed, NOW, NOW + timedelta(minutes=15), etag=None,
                            last_modified=None)
    assert feed not in await ids(pg)
    later = NOW + timedelta(minutes=16)
    assert feed in [f.id for f in await pg.due_feeds(later, 10, failing=False)]
    assert await pg.claim_feeds("b", [feed], later, timedelta(minutes=5)) == [feed]


async def test_a_dead_workers_lease_expires_and_another_takes_the_feed(pg: Store) -> None:
    due = await ids(pg)
    assert await pg.claim_feeds("dead", due, NOW, timedelta(milliseconds=200)) == due
    assert await pg.claim_feeds("alive", due, NOW, timedelta(minutes=5)) == []
    await asyncio.sleep(0.3)
    assert await pg.claim_feeds("alive", due, NOW, timedelta(minutes=5)) == due


async def test_outbox_rows_are_leased_to_one_deliverer_until_marked(pg: Store) -> None:
    [feed, *_] = await pg.feeds()
    await pg.subscribe(Subscription("console", "c1", "treaty", None, "command"))
    await pg.subscribe(Subscription("console", "c2", "treaty", None, "command"))
    await pg.save_item(new_item(feed.id, "g1"), NOW)
    a = await pg.lease_outbox("console", "a", timedelta(minutes=5), 1)
    b = await pg.lease_outbox("console", "b", timedelta(minutes=5), 5)
    assert len(a) == 1 and len(b) == 1 and a[0].id != b[0].id
    assert await pg.lease_outbox("console", "c", timedelta(minutes=5)) == []
    await pg.mark_failed(a[0], "HTTP 503")  # a failure frees the row for the next try
    assert [e.id for e in await pg.lease_outbox("console", "c", timedelta(minutes=5))] == [
        a[0].id]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_an_item_joining_while_its_alert_was_out_queues_an_update(
    kind: str, tmp_path: Path
) -> None:
    """The item found the post pending and queued nothing; the post showed one outlet."""
    async with fresh_database(kind, tmp_path) as url:
        store = await open_store(url)
        await store.sync_feeds([("a", "https://a.example/rss"), ("b", "https://b.example/rss")],
                               NOW)
        a, b = await store.feeds()
        await store.subscribe(Subscription("console", "c1", "treaty", None, "command"))
        first = await store.save_item(new_item(a.id, "g1"), NOW)
        assert first is not None
        [entry] = await store.lease_outbox("console", "w", timedelta(minutes=5))
        joined = await store.save_item(new_item(b.id, "g2", story_id=first.story_id), NOW)
        assert joined is not None and joined.queued == 0
        assert await store.mark_delivered(entry, "m1", NOW)
        [update] = await store.pending("console")
        await store.close()
    assert (update.story_id, update.action, update.message_id) == (first.story_id, "update",
                                                                   "m1")


# --- folding across workers -----------------------------------------------------------------


async def test_a_fold_sharing_a_key_waits_for_the_one_holding_it(pg: Store) -> None:
    order: list[str] = []

    async def fold(name: str, keys: list[str], hold: float) -> None:
        async with pg.fold_lock(keys):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(fold("a", ["k1", "k2"], 0.3))
    await asyncio.sleep(0.1)
    await asyncio.gather(first, fold("b", ["k2", "k3"], 0))
    assert order == ["a in", "a out", "b in", "b out"]


async def test_folds_without_a_shared_key_do_not_wait(pg: Store) -> None:
    order: list[str] = []

    async def fold(name: str, keys: list[str], hold: float) -> None:
        async with pg.fold_lock(keys):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(fold("a", ["k1"], 0.3))
    await asyncio.sleep(0.1)
    await asyncio.gather(first, fold("b", ["k9"], 0))
    assert order == ["a in", "b in", "b out", "a out"]


# --- migrate-db ------------------------------------------------------------------------------


async def _installation(path: Path) -> None:
    store = await SQLiteStore.open(path)
    try:
        await store.sync_feeds([("wire", "https://wire.example/rss"),
                                ("kcna", "https://kcna.example/rss")], NOW)
        wire, kcna = sorted(await store.feeds(), key=lambda f: f.name, reverse=True)
        await store.subscribe(Subscription("discord", "111", "treaty", "42", "command"))
        posted = await store.save_item(
            new_item(wire.id, "g1", link="https://wire.example/1", articles=(4,),
                     troops=({"figure": 10000, "claimant": "NIS", "sentence": "10,000."},)),
            NOW)
        assert posted is not None
        [entry] = await store.pending("discord")
        await store.mark_delivered(entry, "900", NOW)
        await store.save_item(new_item(kcna.id, "g2", link="https://kcna.example/2",
                                       story_id=posted.story_id), NOW)  # an update, pending
        await store.save_item(new_item(kcna.id, "g3", link="https://kcna.example/3",
                                       title="Another event entirely"), NOW)
        await store.record_digest(DigestPost("2025-W26", "discord", "111", "posted", "901",
                                             NOW))
    finally:
        await store.close()


async def test_migrate_db_copies_everything_and_delivery_continues_where_it_was(
    tmp_path: Path,
) -> None:
    source = tmp_path / "old.sqlite"
    await _installation(source)
    async with fresh_postgres() as url:
        copied = await sqlite_to_postgres(source, url)
        assert (copied.stories, copied.deliveries, copied.pending) == (2, 1, 2)
        old, new = await SQLiteStore.open(source), await open_store(url)
        try:
            assert await new.stats() == await old.stats()
            for story in await old.latest_stories(None, 10):
                assert await new.story(story.id) == story
            assert await new.troop_claims(10) == await old.troop_claims(10)
            assert await new.article_news(4, NOW) == await old.article_news(4, NOW)
            assert await new.digest_posts("discord", "111") == await old.digest_posts(
                "discord", "111")
            # The pending update edits the message posted from SQLite: nothing reposted.
            assert await new.pending("discord") == await old.pending("discord")
            assert [(e.action, e.message_id) for e in await new.pending("discord")] == [
                ("update", "900"), ("post", None)]
            # New rows take new ids after the copied ones.
            [wire] = [f for f in await new.feeds() if f.name == "wire"]
            saved = await new.save_item(new_item(wire.id, "g4", link="https://wire.example/4"),
                                        NOW)
            assert saved is not None and saved.story_id > max(
                s.id for s in await old.latest_stories(None, 10))
        finally:
            await old.close()
            await new.close()


async def test_migrate_db_refuses_a_database_with_data_and_changes_nothing(
    tmp_path: Path,
) -> None:
    source = tmp_path / "old.sqlite"
    await _installation(source)
    async with fresh_postgres() as url:
        await sqlite_to_postgres(source, url)
        with pytest.raises(StorageError, match="has data"):
            await sqlite_to_postgres(source, url)
        store = await open_store(url)
        try:
            assert (await store.stats()).items == 3
        finally:
            await store.close()


async def test_migrate_db_from_the_command_line_says_what_it_copied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "old.sqlite"
    await _installation(source)
    async with fresh_postgres() as url:
        status = await asyncio.to_thread(
            main, ["migrate-db", "--from", f"sqlite:///{source}", "--to", url])
        out = capsys.readouterr().out
    assert status == 0
    assert "2 stories and 1 deliveries identical, 2 deliveries still pending" in out


async def test_a_sqlite_file_serves_one_process_only(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--role", "poller", "--config",
        str(ROOT / "feeds.yaml"), "--db", str(tmp_path / "tw.sqlite"), cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(60):
        out, _ = await proc.communicate()
    assert proc.returncode == 1
    assert "several workers need a PostgreSQL database" in out.decode()

