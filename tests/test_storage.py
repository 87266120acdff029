"""Storage: schema versions, items and stories, the outbox, feed state, subscriptions.

Tests that take `store` run against SQLite and PostgreSQL; those about the file, SQLite only.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import (
    NewItem,
    SchemaTooNewError,
    SQLiteStore,
    StorageError,
    Store,
    Subscription,
    open_store,
)
from storage.schema import LATEST, MIGRATIONS

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
DATABASES = ("sqlite", "postgresql")


def new_item(
    feed_id: int,
    guid: str,
    *,
    link: str = "",
    title: str = "North Korea ratifies treaty with Russia",
    published: datetime = NOW,
    topics: tuple[str, ...] = ("treaty",),
    articles: tuple[int, ...] = (),
    keys: tuple[str, ...] = (),
    story_id: int | None = None,
    alert: bool = True,
    troops: tuple[dict[str, Any], ...] = (),
) -> NewItem:
    return NewItem(
        feed_id=feed_id, guid=guid, link=link, title=title,
        summary=f"{title}, state media said.", published=published, date_from_feed=True,
        first_seen=NOW, language="en", topics=list(topics), articles=list(articles),
        troops=list(troops), why={"test": True}, features={"concepts": {}, "action": None,
                                                           "minhash": []},
        keys=list(keys), story_id=story_id, alert=alert,
    )


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    s = await open_store(database)
    await s.sync_feeds([("wire", "https://wire.example/rss"), ("kcna", "https://kcna.example/rss")],
                       NOW)
    yield s
    await s.close()


async def feed_ids(store: Store) -> dict[str, int]:
    return {f.name: f.id for f in await store.feeds()}


async def subscribe(store: Store, channel: str, topic: str = "treaty") -> None:
    await store.subscribe(Subscription("console", channel, topic, None, "command"))


# --- the file ---------------------------------------------------------------------------------


async def test_a_new_file_is_migrated_to_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    store = await SQLiteStore.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST


async def test_a_new_file_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    store = await SQLiteStore.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_the_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "tw.sqlite"
    store = await SQLiteStore.open(path)
    await store.close()
    assert path.is_file()


async def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises((StorageError, sqlite3.IntegrityError)):
        await store.save_item(new_item(9999, "g1"), NOW)
    assert (await store.stats()).items == 0
    assert (await store.stats()).stories == 0


async def test_an_item_of_an_unknown_feed_is_refused_with_a_storage_error(
    store: Store,
) -> None:
    with pytest.raises(StorageError):
        await store.save_item(new_item(9999, "g1"), NOW)


async def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "tw.sqlite"
    store = await SQLiteStore.open(path)
    await store.sync_feeds([("wire", "https://wire.example/rss")], NOW)
    [feed] = await store.feeds()
    saved = await store.save_item(new_item(feed.id, "g1", link="https://wire.example/1"), NOW)
    await store.close()

    store = await SQLiteStore.open(path)
    try:
        assert [f.name for f in await store.feeds()] == ["wire"]
        assert saved is not None
        story = await store.story(saved.story_id)
        assert story is not None and [i.link for i in story.items] == ["https://wire.example/1"]
    finally:
        await store.close()


def _undo_step_8(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE items DROP COLUMN outlet")
    db.execute("ALTER TABLE troop_claims DROP COLUMN qualifier")
    db.execute("ALTER TABLE troop_claims DROP COLUMN kind")


async def test_a_version_7_file_gets_outlets_and_troop_qualifiers_and_keeps_its_claims(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tw.sqlite"
    store = await SQLiteStore.open(path)
    await store.sync_feeds([("wire", "https://wire.example/rss")], NOW)
    [feed] = await store.feeds()
    troops = [{"figure": 12000, "claimant": "NIS", "sentence": "s", "qualifier": "about",
               "kind": "planned"}]
    await store.save_item(replace(new_item(feed.id, "g1", link="https://wire.example/1"),
                                  troops=troops), NOW)
    await store.close()
    with sqlite3.connect(path) as db:
        _undo_step_8(db)
        db.execute("PRAGMA user_version = 7")

    store = await SQLiteStore.open(path)
    try:
        [claim] = await store.troop_claims(10)
        story = await store.story(claim.story_id)
    finally:
        await store.close()
    assert (claim.figure, claim.claimant, claim.qualifier, claim.kind) == (
        12000, "NIS", None, "deployed")
    assert story is not None and story.outlets == ["wire"]


async def test_a_version_4_file_gets_the_date_indexes_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "tw.sqlite"
    with sqlite3.connect(path) as db:  # a file as version 4 left it
        for step in range(1, 5):
            for statement in MIGRATIONS[step]:
                db.execute(statement)
        db.execute("INSERT INTO feeds (name, config_url, url, added_at) VALUES "
                   "('wire', 'https://wire.example/rss', 'https://wire.example/rss', "
                   "'2025-07-01T00:00:00.000000Z')")
        db.execute("PRAGMA user_version = 4")

    store = await SQLiteStore.open(path)
    try:
        assert [f.name for f in await store.feeds()] == ["wire"]
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 5
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"stories_first_published", "items_published", "outbox_story"} <= indexes


async def test_a_version_5_file_gets_the_vector_column_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tw.sqlite"
    store = await SQLiteStore.open(path)
    await store.sync_feeds([("wire", "https://wire.example/rss")], NOW)
    [feed] = await store.feeds()
    await store.save_item(new_item(feed.id, "g1", link="https://wire.example/1"), NOW)
    await store.close()
    with sqlite3.connect(path) as db:  # back to version 5: steps 8, 7 and 6 undone
        _undo_step_8(db)
        db.execute("DROP TABLE store_probe")
        db.execute("DROP INDEX feeds_due")
        db.execute("ALTER TABLE outbox DROP COLUMN changes")
        db.execute("ALTER TABLE outbox DROP COLUMN sent_at")
        db.execute("DROP INDEX items_embedded")
        db.execute("ALTER TABLE items DROP COLUMN vector")
        db.execute("PRAGMA user_version = 5")
    store = await SQLiteStore.open(path)
    try:
        assert (await store.stats()).items == 1
        assert await store.window(NOW - timedelta(days=1), NOW + timedelta(days=1)) == []
    finally:
        await store.close()


async def test_the_window_lists_the_embedded_items_of_a_time_range_with_their_storys_start(
    store: SQLiteStore,
) -> None:
    feed = (await store.feeds())[0]
    first = await store.save_item(
        replace(new_item(feed.id, "g1", published=NOW - timedelta(hours=5)), vector=b"v1"), NOW)
    assert first is not None
    second = await store.save_item(replace(new_item(feed.id, "g2", story_id=first.story_id),
                                           vector=b"v2"), NOW)
    await store.save_item(new_item(feed.id, "g3"), NOW)  # not embedded
    await store.save_item(replace(new_item(feed.id, "g4", published=NOW - timedelta(days=3)),
                                  vector=b"v4"), NOW)  # outside the range
    assert second is not None
    found = await store.window(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert sorted(w.item_id for w in found) == [first.item_id, second.item_id]
    assert {w.story_first for w in found} == {NOW - timedelta(hours=5)}


async def test_fold_items_come_with_their_features_vectors_and_storys_start(
    store: SQLiteStore,
) -> None:
    feed = (await store.feeds())[0]
    first = await store.save_item(
        replace(new_item(feed.id, "g1", published=NOW - timedelta(hours=5)), vector=b"v1"), NOW)
    plain = await store.save_item(new_item(feed.id, "g2", story_id=None), NOW)
    assert first is not None and plain is not None
    found = await store.fold_items([plain.item_id, first.item_id, first.item_id])
    by_id = {c.item_id: c for c in found}
    assert len(found) == 2
    assert (by_id[first.item_id].vector, by_id[plain.item_id].vector) == (b"v1", None)
    assert by_id[first.item_id].story_first == NOW - timedelta(hours=5)
    assert json.loads(by_id[first.item_id].features_json) == new_item(feed.id, "g1").features


async def test_the_embedded_items_of_a_time_range_are_found_by_an_index(
    store: SQLiteStore,
) -> None:
    if not isinstance(store, SQLiteStore):
        pytest.skip("SQLite's query plan")
    statements: list[str] = []
    await store._db.set_trace_callback(statements.append)
    await store.window(NOW - timedelta(days=2), NOW + timedelta(days=2))
    await store._db.set_trace_callback(None)
    [sql] = [s for s in statements if "items_embedded" in s or "vector IS NOT NULL" in s]
    plan = " ".join(r[-1] for r in await store._rows(f"EXPLAIN QUERY PLAN {sql}"))
    assert "USING INDEX items_embedded" in plan and "SCAN items" not in plan


async def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(SchemaTooNewError) as exc:
        await SQLiteStore.open(path)
    assert "newer" in str(exc.value)
    assert str(path) in str(exc.value)


async def test_a_file_from_a_newer_version_keeps_its_version(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(SchemaTooNewError):
        await SQLiteStore.open(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


async def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    with pytest.raises(StorageError, match="not a treatywatch database"):
        await SQLiteStore.open(path)
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert tables == ["notes"]


async def test_a_file_of_random_bytes_is_a_one_line_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "random.sqlite"
    path.write_bytes(random.Random(7).randbytes(8192))
    with pytest.raises(StorageError) as exc:
        await SQLiteStore.open(path)
    message = str(exc.value)
    assert str(path) in message
    assert "\n" not in message


# --- items and stories ------------------------------------------------------------------------


async def test_an_item_without_a_story_starts_one(store: Store) -> None:
    ids = await feed_ids(store)
    saved = await store.save_item(new_item(ids["wire"], "g1", articles=(4,)), NOW)
    assert saved is not None and saved.new_story
    story = await store.story(saved.story_id)
    assert story is not None
    assert story.title == "North Korea ratifies treaty with Russia"
    assert (story.topics, story.articles) == (["treaty"], [4])
    assert [i.item_id for i in story.items] == [saved.item_id]


async def test_the_same_guid_in_the_same_feed_is_stored_once(store: Store) -> None:
    ids = await feed_ids(store)
    assert await store.save_item(new_item(ids["wire"], "g1"), NOW) is not None
    assert await store.save_item(new_item(ids["wire"], "g1", title="Edited"), NOW) is None
    assert (await store.stats()).items == 1


async def test_the_same_guid_in_another_feed_is_another_item(store: Store) -> None:
    ids = await feed_ids(store)
    assert await store.save_item(new_item(ids["wire"], "g1"), NOW) is not None
    assert await store.save_item(new_item(ids["kcna"], "g1"), NOW) is not None
    assert (await store.stats()).items == 2


async def test_the_same_link_in_another_feed_is_stored_once(store: Store) -> None:
    ids = await feed_ids(store)
    link = "https://wire.example/1"
    assert await store.save_item(new_item(ids["wire"], "g1", link=link), NOW) is not None
    assert await store.save_item(new_item(ids["kcna"], "other", link=link), NOW) is None
    assert await store.find_item(ids["kcna"], "other", link) is not None
    assert (await store.stats()).items == 1


async def test_finding_a_feeds_items_at_once_answers_as_one_by_one(store: Store) -> None:
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["wire"], "g1", link="https://wire.example/1"), NOW)
    await store.save_item(new_item(ids["wire"], "g2", link=""), NOW)
    await store.save_item(new_item(ids["kcna"], "k1", link="https://kcna.example/1"), NOW)
    asked = [
        ("g1", "https://elsewhere.example/x"),  # its guid in this feed
        ("new", "https://kcna.example/1"),  # its link, stored from another feed
        ("k1", ""),  # another feed's guid, no link: new here
        ("g2", ""),
        ("new", ""),
        ("g1", "https://wire.example/1"),  # asked twice
    ]
    one_by_one = [await store.find_item(ids["wire"], guid, link) for guid, link in asked]
    assert await store.find_items(ids["wire"], asked) == one_by_one
    assert [found is None for found in one_by_one] == [False, False, True, False, True, False]


async def test_finding_hundreds_of_items_at_once_splits_the_query(store: Store) -> None:
    ids = await feed_ids(store)
    for n in range(0, 450, 3):
        await store.save_item(new_item(ids["wire"], f"g{n}", link=f"https://wire.example/{n}"),
                              NOW)
    asked = [(f"g{n}", f"https://wire.example/{n}") for n in range(450)]
    found = await store.find_items(ids["wire"], asked)
    assert [n for n, f in enumerate(found) if f is not None] == list(range(0, 450, 3))


async def test_finding_a_feeds_items_searches_the_indexes_not_the_table(
    store: SQLiteStore,
) -> None:
    if not isinstance(store, SQLiteStore):
        pytest.skip("SQLite's query plan")
    ids = await feed_ids(store)
    statements: list[str] = []
    await store._db.set_trace_callback(statements.append)
    await store.find_items(ids["wire"], [("g1", "https://wire.example/1"), ("g2", "")])
    await store._db.set_trace_callback(None)
    [query] = [s for s in statements if s.lstrip().startswith("SELECT")]
    with sqlite3.connect(store.path) as db:
        plan = [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {query}")]
    assert not [step for step in plan if step.startswith("SCAN")], plan


async def test_items_without_a_link_are_not_duplicates_of_each_other(store: Store) -> None:
    ids = await feed_ids(store)
    assert await store.save_item(new_item(ids["wire"], "g1", link=""), NOW) is not None
    assert await store.save_item(new_item(ids["kcna"], "g2", link=""), NOW) is not None
    assert (await store.stats()).items == 2


async def test_an_item_with_a_story_joins_it_and_unites_topics_and_articles(
    store: Store,
) -> None:
    ids = await feed_ids(store)
    first = await store.save_item(
        new_item(ids["wire"], "g1", topics=("treaty",), articles=(4,)), NOW
    )
    assert first is not None
    second = await store.save_item(
        new_item(ids["kcna"], "g2", topics=("kcna", "treaty"), articles=(4, 1),
                 story_id=first.story_id, published=NOW + timedelta(hours=1)),
        NOW,
    )
    assert second is not None
    assert (second.story_id, second.new_story) == (first.story_id, False)
    story = await store.story(first.story_id)
    assert story is not None
    assert story.topics == ["kcna", "treaty"]
    assert story.articles == [4, 1]
    assert [i.feed for i in story.items] == ["wire", "kcna"]
    assert story.outlets == ["wire", "kcna"]
    assert (await store.stats()).stories == 1


async def test_joining_a_story_that_does_not_exist_is_a_storage_error(store: Store) -> None:
    ids = await feed_ids(store)
    with pytest.raises(StorageError):
        await store.save_item(new_item(ids["wire"], "g1", story_id=404), NOW)
    assert (await store.stats()).items == 0


async def test_troop_claims_are_stored_with_the_story(store: Store) -> None:
    ids = await feed_ids(store)
    claim = {"figure": 11000, "claimant": "NIS", "sentence": "NIS says 11,000 troops."}
    saved = await store.save_item(new_item(ids["wire"], "g1", troops=(claim,)), NOW)
    assert saved is not None
    story = await store.story(saved.story_id)
    assert story is not None
    assert [(t.figure, t.claimant) for t in story.troops] == [(11000, "NIS")]


async def test_candidates_are_found_by_key_only_inside_the_time_range(store: Store) -> None:
    ids = await feed_ids(store)
    saved = await store.save_item(
        new_item(ids["wire"], "g1", keys=("c:KURSK", "m:0:123")), NOW
    )
    assert saved is not None
    hour = timedelta(hours=1)

    inside = await store.candidates(["c:KURSK"], NOW - hour, NOW + hour)
    assert [(c.item_id, c.story_id, c.published) for c in inside] == [
        (saved.item_id, saved.story_id, NOW)
    ]
    assert json.loads(inside[0].features_json) == {"concepts": {}, "action": None, "minhash": []}
    assert await store.candidates(["c:KURSK"], NOW + hour, NOW + 2 * hour) == []
    assert await store.candidates(["c:KURSK"], NOW - 2 * hour, NOW - hour) == []


async def test_candidates_need_a_shared_key(store: Store) -> None:
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["wire"], "g1", keys=("c:KURSK",)), NOW)
    hour = timedelta(hours=1)
    assert await store.candidates(["c:PUTIN"], NOW - hour, NOW + hour) == []
    assert await store.candidates([], NOW - hour, NOW + hour) == []


async def test_an_item_found_by_several_keys_is_one_candidate(store: Store) -> None:
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["wire"], "g1", keys=("c:KURSK", "c:PUTIN")), NOW)
    hour = timedelta(hours=1)
    assert len(await store.candidates(["c:KURSK", "c:PUTIN"], NOW - hour, NOW + hour)) == 1


# --- the outbox -------------------------------------------------------------------------------


async def test_an_alerting_item_queues_one_post_per_subscribed_channel(
    store: Store,
) -> None:
    await subscribe(store, "c1")
    await subscribe(store, "c2")
    ids = await feed_ids(store)
    saved = await store.save_item(new_item(ids["wire"], "g1"), NOW)
    assert saved is not None and saved.queued == 2
    pending = await store.pending("console")
    assert sorted((p.channel, p.action, p.story_id) for p in pending) == [
        ("c1", "post", saved.story_id), ("c2", "post", saved.story_id)
    ]
    assert all(p.message_id is None and p.attempts == 0 for p in pending)


async def test_a_channel_subscribed_to_several_matching_topics_gets_one_post(
    store: Store,
) -> None:
    await subscribe(store, "c1", "treaty")
    await subscribe(store, "c1", "kcna")
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["wire"], "g1", topics=("treaty", "kcna")), NOW)
    assert [(p.channel, p.action) for p in await store.pending("console")] == [("c1", "post")]


async def test_an_item_joining_an_undelivered_story_queues_nothing_more(
    store: Store,
) -> None:
    await subscribe(store, "c1")
    ids = await feed_ids(store)
    first = await store.save_item(new_item(ids["wire"], "g1"), NOW)
    assert first is not None
    second = await store.save_item(new_item(ids["kcna"], "g2", story_id=first.story_id), NOW)
    assert second is not None and second.queued == 0
    assert len(await store.pending("console")) == 1


async def test_an_item_joining_a_delivered_story_queues_an_update_of_that_message(
    store: Store,
) -> None:
    await subscribe(store, "c1")
    ids = await feed_ids(store)
    first = await store.save_item(new_item(ids["wire"], "g1"), NOW)
    assert first is not None
    [post] = await store.pending("console")
    await store.mark_delivered(post, "msg-1", NOW)
    assert await store.pending("console") == []

    await store.save_item(new_item(ids["kcna"], "g2", story_id=first.story_id), NOW)
    [update] = await store.pending("console")
    assert (update.action, update.message_id, update.channel) == ("update", "msg-1", "c1")
    assert update.story_id == first.story_id


async def test_a_channel_subscribed_to_another_topic_gets_nothing(store: Store) -> None:
    await subscribe(store, "kcna-only", "kcna")
    ids = await feed_ids(store)
    saved = await store.save_item(new_item(ids["wire"], "g1", topics=("treaty",)), NOW)
    assert saved is not None and saved.queued == 0
    assert await store.pending("console") == []


async def test_an_item_that_does_not_alert_queues_nothing(store: Store) -> None:
    await subscribe(store, "c1")
    ids = await feed_ids(store)
    saved = await store.save_item(new_item(ids["wire"], "g1", alert=False), NOW)
    assert saved is not None and saved.queued == 0
    assert await store.pending("console") == []


async def test_pending_is_per_platform(store: Store) -> None:
    await subscribe(store, "c1")
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["wire"], "g1"), NOW)
    assert await store.pending("discord") == []
    assert len(await store.pending("console")) == 1


async def test_a_failed_delivery_counts_an_attempt_and_stays_pending(store: Store) -> None:
    await subscribe(store, "c1")
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["wire"], "g1"), NOW)
    [entry] = await store.pending("console")
    await store.mark_failed(entry, "HTTP 503")
    await store.mark_failed(entry, "HTTP 503")
    [again] = await store.pending("console")
    assert (again.id, again.attempts, again.action) == (entry.id, 2, "post")


async def test_delivery_counts_show_in_the_stats(store: Store) -> None:
    await subscribe(store, "c1")
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["wire"], "g1"), NOW)
    [entry] = await store.pending("console")
    assert (await store.stats()).pending_deliveries == 1
    await store.mark_delivered(entry, "msg-1", NOW)
    stats = await store.stats()
    assert (stats.pending_deliveries, stats.delivered, stats.alerting_stories) == (0, 1, 1)


# --- feeds ------------------------------------------------------------------------------------


async def feed(store: Store, name: str) -> Any:
    return next(f for f in await store.feeds() if f.name == name)


async def test_sync_feeds_keeps_the_validators_when_the_url_is_unchanged(
    store: Store,
) -> None:
    wire = await feed(store, "wire")
    await store.record_success(wire.id, NOW, NOW + timedelta(minutes=10), etag='"v1"',
                               last_modified="Tue, 01 Jul 2025 11:00:00 GMT")
    await store.sync_feeds([("wire", "https://wire.example/rss")], NOW + timedelta(hours=1))
    again = await feed(store, "wire")
    assert (again.etag, again.last_modified) == ('"v1"', "Tue, 01 Jul 2025 11:00:00 GMT")
    assert again.id == wire.id and again.added_at == NOW


async def test_sync_feeds_clears_the_validators_when_the_configured_url_changes(
    store: Store,
) -> None:
    wire = await feed(store, "wire")
    await store.record_success(wire.id, NOW, NOW, etag='"v1"', last_modified="yesterday",
                               url="https://wire.example/moved")
    await store.sync_feeds([("wire", "https://wire.example/new-rss")], NOW)
    again = await feed(store, "wire")
    assert (again.etag, again.last_modified) == (None, None)
    assert again.url == again.config_url == "https://wire.example/new-rss"


async def test_sync_feeds_keeps_a_redirected_url_while_the_config_is_unchanged(
    store: Store,
) -> None:
    wire = await feed(store, "wire")
    await store.record_success(wire.id, NOW, NOW, etag=None, last_modified=None,
                               url="https://wire.example/moved")
    await store.sync_feeds([("wire", "https://wire.example/rss")], NOW)
    again = await feed(store, "wire")
    assert (again.url, again.config_url) == (
        "https://wire.example/moved", "https://wire.example/rss"
    )


async def test_record_failure_counts_failures_and_keeps_the_error(store: Store) -> None:
    wire = await feed(store, "wire")
    retry = NOW + timedelta(minutes=30)
    await store.record_failure(wire.id, NOW, retry, "HTTP 500")
    await store.record_failure(wire.id, NOW, retry, "timed out")
    failing = await feed(store, "wire")
    assert failing.failures == 2 and not failing.healthy
    assert (failing.last_error, failing.last_error_at) == ("timed out", NOW)
    assert (failing.last_polled, failing.next_poll) == (NOW, retry)
    assert failing.last_success is None
    assert (await store.stats()).unhealthy_feeds == 1


async def test_record_success_resets_failures_and_can_change_the_url(store: Store) -> None:
    wire = await feed(store, "wire")
    await store.record_failure(wire.id, NOW, NOW, "HTTP 500")
    later = NOW + timedelta(hours=1)
    await store.record_success(wire.id, later, later + timedelta(minutes=10), etag='"v2"',
                               last_modified=None, url="https://wire.example/moved")
    ok = await feed(store, "wire")
    assert ok.failures == 0 and ok.healthy
    assert (ok.url, ok.etag, ok.last_success) == ("https://wire.example/moved", '"v2"', later)


async def test_record_success_without_a_url_keeps_the_url(store: Store) -> None:
    wire = await feed(store, "wire")
    await store.record_success(wire.id, NOW, NOW, etag=None, last_modified=None)
    assert (await feed(store, "wire")).url == "https://wire.example/rss"


async def test_record_not_modified_resets_failures_and_keeps_validators(
    store: Store,
) -> None:
    wire = await feed(store, "wire")
    await store.record_success(wire.id, NOW, NOW, etag='"v1"', last_modified=None)
    await store.record_failure(wire.id, NOW, NOW, "HTTP 500")
    await store.record_not_modified([(wire.id, NOW, NOW)])
    again = await feed(store, "wire")
    assert (again.failures, again.etag) == (0, '"v1"')


# --- subscriptions ----------------------------------------------------------------------------


async def test_config_subscriptions_replace_config_rows_and_keep_command_rows(
    store: Store,
) -> None:
    await store.subscribe(Subscription("discord", "d1", "kcna", None, "command"))
    await store.sync_config_subscriptions([
        Subscription("discord", "d1", "treaty", "@here", "config"),
        Subscription("slack", "s1", "troops", None, "config"),
    ])
    await store.sync_config_subscriptions([Subscription("slack", "s2", "treaty", None, "config")])
    rows = {(s.platform, s.channel, s.topic, s.source) for s in await store.subscriptions()}
    assert rows == {("discord", "d1", "kcna", "command"), ("slack", "s2", "treaty", "config")}


async def test_subscribing_again_changes_the_role(store: Store) -> None:
    await store.subscribe(Subscription("discord", "d1", "treaty", None, "command"))
    await store.subscribe(Subscription("discord", "d1", "treaty", "@analysts", "command"))
    [sub] = await store.subscriptions()
    assert sub.role == "@analysts"


# --- concurrency ------------------------------------------------------------------------------


async def test_two_stores_on_one_file_can_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    a = await SQLiteStore.open(path)
    b = await SQLiteStore.open(path)
    try:
        await a.sync_feeds([("wire", "https://wire.example/rss")], NOW)
        [wire] = await a.feeds()
        await a.subscribe(Subscription("console", "c1", "treaty", None, "command"))
        saves = [
            store.save_item(new_item(wire.id, f"{name}-{i}", keys=(f"k{i}",)), NOW)
            for i in range(50)
            for name, store in (("a", a), ("b", b))
        ]
        results = await asyncio.gather(*saves)
        assert all(r is not None for r in results)
        stats = await b.stats()
        assert (stats.items, stats.stories, stats.pending_deliveries) == (100, 100, 100)
    finally:
        await a.close()
        await b.close()


async def test_a_subscribe_command_on_a_config_route_survives_the_next_config_sync(
    store: Store,
) -> None:
    await store.sync_config_subscriptions([Subscription("console", "c1", "treaty", None, "config")])
    await store.subscribe(Subscription("console", "c1", "treaty", None, "command"))
    await store.sync_config_subscriptions([])
    assert [(s.channel, s.source) for s in await store.subscriptions()] == [("c1", "command")]
