"""SQLite storage through aiosqlite: one file, WAL, explicit write transactions."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from storage.errors import FeedExistsError, SchemaTooNewError, StorageError
from storage.schema import LATEST, MIGRATIONS
from storage.types import (
    ArticleNews,
    CitingStory,
    DigestPost,
    FeedState,
    NewItem,
    OutboxEntry,
    SavedItem,
    Stats,
    StoredCandidate,
    Story,
    StoryItem,
    Subscription,
    TroopRecord,
)

BUSY_TIMEOUT_MS = 10_000


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _dt_req(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SQLiteStore:
    """The default store. Writers take the lock up front (BEGIN IMMEDIATE) so that two
    writers queue on the busy timeout instead of failing with "database is locked"."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # One connection serves all coroutines: their transactions must take turns.
        self._lock = asyncio.Lock()

    # --- lifecycle ------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str) -> SQLiteStore:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        store = cls(db, path)
        try:
            await store._prepare()
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise StorageError(f"{path}: not a treatywatch database, or damaged: {exc}") from None
        except StorageError:
            await db.close()
            raise
        return store

    async def _prepare(self) -> None:
        db = self._db
        db.row_factory = sqlite3.Row
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA foreign_keys = ON")
        async with db.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        if row is None or row[0] != "ok":
            raise StorageError(f"{self.path}: database is damaged ({row[0] if row else '?'})")
        version = await self._scalar("PRAGMA user_version")
        if version > LATEST:
            raise SchemaTooNewError(
                f"{self.path}: database schema version {version} is newer than this "
                f"treatywatch understands ({LATEST}); upgrade treatywatch"
            )
        if version == 0 and await self._scalar("SELECT count(*) FROM sqlite_master"):
            raise StorageError(f"{self.path}: not a treatywatch database (it has other tables)")
        # Only now that the file is known to be ours may it be changed.
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = NORMAL")
        await self._migrate(version)

    async def _migrate(self, version: int) -> None:
        for step in range(version + 1, LATEST + 1):
            async with self._write():
                for statement in MIGRATIONS[step]:
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {step}")
        async with self._db.execute("PRAGMA foreign_key_check") as cur:
            if await cur.fetchone():
                raise StorageError(f"{self.path}: foreign key check failed after migration")

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                # Inside the try: a task cancelled while BEGIN waits on the busy timeout must
                # not leave the connection in a transaction that no one will end.
                await self._db.execute("BEGIN IMMEDIATE")
                yield self._db
            except sqlite3.Error as exc:
                await self._rollback()
                raise StorageError(f"{self.path}: {exc}") from exc
            except BaseException:
                await self._rollback()
                raise
            await self._db.execute("COMMIT")

    async def _rollback(self) -> None:
        # aiosqlite runs statements in order on its thread, so a cancelled statement has run
        # (or will) before this ROLLBACK; "no transaction is active" means BEGIN never ran.
        with suppress(sqlite3.OperationalError):
            await self._db.execute("ROLLBACK")

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._db.execute(sql, params) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # --- feeds --------------------------------------------------------------------------

    async def sync_feeds(
        self, feeds: Iterable[tuple[str, str]], now: datetime, *, exclusive: bool = False
    ) -> None:
        """Store the config's feeds (name, URL), keeping their state.

        A feed whose configured URL changed starts from that URL again, without validators.
        With `exclusive`, config feeds no longer listed stop being polled (kept, with items).
        """
        feeds = list(feeds)
        async with self._write() as db:
            if exclusive:
                await db.execute("UPDATE feeds SET active = 0 WHERE source = 'config'")
            for name, url in feeds:
                await db.execute(
                    """INSERT INTO feeds (name, config_url, url, added_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (name) DO UPDATE SET
                         active = 1, source = 'config',
                         url = CASE WHEN feeds.config_url = excluded.config_url
                                    THEN feeds.url ELSE excluded.url END,
                         etag = CASE WHEN feeds.config_url = excluded.config_url
                                     THEN feeds.etag END,
                         last_modified = CASE WHEN feeds.config_url = excluded.config_url
                                              THEN feeds.last_modified END,
                         config_url = excluded.config_url""",
                    (name, url, url, _ts(now)),
                )

    async def add_feed(self, name: str, url: str, now: datetime, language: str = "") -> None:
        """A feed added at run time (/feeds add); raises FeedExistsError for a taken
        name or URL."""
        async with self._write() as db:
            async with db.execute(
                "SELECT name, active FROM feeds WHERE name = ? OR config_url = ? OR url = ?",
                (name, url, url),
            ) as cur:
                row = await cur.fetchone()
            if row is not None and (row[1] or row[0] != name):
                raise FeedExistsError(f"already watched as {row[0]!r}")
            await db.execute(
                """INSERT INTO feeds (name, config_url, url, added_at, source, language)
                   VALUES (?, ?, ?, ?, 'command', ?)
                   ON CONFLICT (name) DO UPDATE SET active = 1, source = 'command',
                     config_url = excluded.config_url, url = excluded.url, etag = NULL,
                     last_modified = NULL, failures = 0, language = excluded.language""",
                (name, url, url, _ts(now), language),
            )

    async def deactivate_feed(self, name: str) -> bool:
        """Stop polling a feed added by command; its items stay. False if there is none."""
        async with self._write() as db:
            cur = await db.execute(
                "UPDATE feeds SET active = 0 WHERE name = ? AND source = 'command' AND active",
                (name,),
            )
            return cur.rowcount > 0

    async def feeds(self, *, active_only: bool = True) -> list[FeedState]:
        where = "WHERE active" if active_only else ""
        rows = await self._rows(f"SELECT * FROM feeds {where} ORDER BY name")
        return [
            FeedState(
                id=r["id"], name=r["name"], url=r["url"], config_url=r["config_url"],
                etag=r["etag"], last_modified=r["last_modified"],
                added_at=_dt_req(r["added_at"]), last_polled=_dt(r["last_polled"]),
                next_poll=_dt(r["next_poll"]), last_success=_dt(r["last_success"]),
                last_error=r["last_error"], last_error_at=_dt(r["last_error_at"]),
                failures=r["failures"], source=r["source"], active=bool(r["active"]),
                language=r["language"], failure_reported_at=_dt(r["failure_reported_at"]),
            )
            for r in rows
        ]

    async def record_success(
        self,
        feed_id: int,
        now: datetime,
        next_poll: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        url: str | None = None,
    ) -> None:
        async with self._write() as db:
            await db.execute(
                """UPDATE feeds SET etag = ?, last_modified = ?, url = coalesce(?, url),
                   last_polled = ?, last_success = ?, next_poll = ?, failures = 0
                   WHERE id = ?""",
                (etag, last_modified, url, _ts(now), _ts(now), _ts(next_poll), feed_id),
            )

    async def record_not_modified(self, feed_id: int, now: datetime, next_poll: datetime) -> None:
        async with self._write() as db:
            await db.execute(
                """UPDATE feeds SET last_polled = ?, last_success = ?, next_poll = ?, failures = 0
                   WHERE id = ?""",
                (_ts(now), _ts(now), _ts(next_poll), feed_id),
            )

    async def record_failure(
        self, feed_id: int, now: datetime, next_poll: datetime, error: str
    ) -> None:
        async with self._write() as db:
            await db.execute(
                """UPDATE feeds SET last_polled = ?, last_error = ?, last_error_at = ?,
                   next_poll = ?, failures = failures + 1 WHERE id = ?""",
                (_ts(now), error, _ts(now), _ts(next_poll), feed_id),
            )

    async def mark_failure_reported(self, feed_id: int, when: datetime | None) -> None:
        """Remember that the admins were told the feed fails (None: told it recovered)."""
        async with self._write() as db:
            await db.execute(
                "UPDATE feeds SET failure_reported_at = ? WHERE id = ?", (_ts(when), feed_id)
            )

    # --- items and stories ------------------------------------------------------------------

    async def find_item(self, feed_id: int, guid: str, link: str) -> tuple[int, int] | None:
        """(item id, story id) of the stored item with this guid in this feed, or this
        canonical link in any feed."""
        async with self._db.execute(
            """SELECT id, story_id FROM items
               WHERE (feed_id = ? AND guid = ?) OR (link != '' AND link = ?) LIMIT 1""",
            (feed_id, guid, link),
        ) as cur:
            row = await cur.fetchone()
        return (row[0], row[1]) if row else None

    async def candidates(
        self, keys: Sequence[str], since: datetime, until: datetime, limit: int = 500
    ) -> list[StoredCandidate]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = await self._rows(
            f"""SELECT i.id, i.story_id, i.published, i.features FROM items i
                WHERE i.id IN (SELECT item_id FROM item_keys
                               WHERE key IN ({marks}) AND published BETWEEN ? AND ?)
                ORDER BY i.published DESC LIMIT ?""",
            (*keys, _ts(since), _ts(until), limit),
        )
        return [
            StoredCandidate(r[0], r[1], _dt_req(r[2]), json.loads(r[3])) for r in rows
        ]

    async def save_item(self, new: NewItem, now: datetime) -> SavedItem | None:
        """Store an item, its story change and the deliveries it causes, all or nothing.

        Returns None when the item is already stored (same guid in the feed, or same link).
        """
        async with self._write() as db:
            dup = await self._scalar(
                """SELECT id FROM items WHERE (feed_id = ? AND guid = ?)
                   OR (link != '' AND link = ?) LIMIT 1""",
                (new.feed_id, new.guid, new.link),
            )
            if dup is not None:
                return None
            story_id, created = await self._story_for(db, new, now)
            merged = tuple([m for m in new.merge if await self._merge(db, story_id, m)])
            cur = await db.execute(
                """INSERT INTO items (feed_id, story_id, guid, link, title, summary, published,
                   date_from_feed, first_seen, language, topics, articles, why, features, alerted)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (new.feed_id, story_id, new.guid, new.link, new.title, new.summary,
                 _ts(new.published), int(new.date_from_feed), _ts(new.first_seen), new.language,
                 json.dumps(new.topics), json.dumps(new.articles),
                 json.dumps(new.why, ensure_ascii=False), json.dumps(new.features), int(new.alert)),
            )
            item_id = cur.lastrowid
            assert item_id is not None
            await db.executemany(
                "INSERT INTO item_keys (key, item_id, published) VALUES (?, ?, ?)",
                [(key, item_id, _ts(new.published)) for key in dict.fromkeys(new.keys)],
            )
            citations = [(item_id, n, "number", _ts(new.published)) for n in new.articles]
            citations += [
                (item_id, n, "phrasing", _ts(new.published))
                for n in new.phrased_articles if n not in new.articles
            ]
            await db.executemany(
                """INSERT OR IGNORE INTO article_citations (item_id, article, how, published)
                   VALUES (?, ?, ?, ?)""",
                citations,
            )
            await db.executemany(
                """INSERT INTO troop_claims (item_id, figure, claimant, sentence)
                   VALUES (?, ?, ?, ?)""",
                [(item_id, t["figure"], t["claimant"], t["sentence"]) for t in new.troops],
            )
            queued = await self._queue(db, story_id, now) if new.alert and new.topics else 0
            return SavedItem(item_id, story_id, created, queued, merged)

    async def _story_for(
        self, db: aiosqlite.Connection, new: NewItem, now: datetime
    ) -> tuple[int, bool]:
        if new.story_id is None:
            cur = await db.execute(
                """INSERT INTO stories (title, link, summary, created_at, updated_at,
                   first_published, last_published, topics, articles, item_count, alerted)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)""",
                (new.title, new.link, new.summary[:2000], _ts(now), _ts(now), _ts(new.published),
                 _ts(new.published), json.dumps(sorted(new.topics)), json.dumps(new.articles),
                 int(new.alert and bool(new.topics))),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid, True
        async with db.execute(
            "SELECT topics, articles, first_published, last_published FROM stories WHERE id = ?",
            (new.story_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise StorageError(f"story {new.story_id} does not exist")
        topics = sorted(set(json.loads(row[0])) | set(new.topics))
        articles = list(dict.fromkeys([*json.loads(row[1]), *new.articles]))
        first = min(_dt_req(row[2]), new.published)
        last = max(_dt_req(row[3]), new.published)
        await db.execute(
            """UPDATE stories SET topics = ?, articles = ?, first_published = ?,
               last_published = ?, updated_at = ?, item_count = item_count + 1,
               alerted = max(alerted, ?) WHERE id = ?""",
            (json.dumps(topics), json.dumps(articles), _ts(first), _ts(last), _ts(now),
             int(new.alert and bool(new.topics)), new.story_id),
        )
        return new.story_id, False

    async def _merge(self, db: aiosqlite.Connection, keep: int, drop: int) -> bool:
        """Fold story `drop` into `keep`, unless a platform already shows `drop`:
        a posted message stays the story it was."""
        async with db.execute(
            "SELECT topics, articles, first_published, last_published, alerted FROM stories "
            "WHERE id = ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE story_id = ?)",
            (drop, drop),
        ) as cur:
            row = await cur.fetchone()
        if row is None or keep == drop:
            return False
        await db.execute("UPDATE items SET story_id = ? WHERE story_id = ?", (keep, drop))
        await db.execute(
            """UPDATE outbox SET story_id = ? WHERE story_id = ? AND done_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.story_id = ? AND o.done_at IS NULL
                               AND o.platform = outbox.platform AND o.channel = outbox.channel)""",
            (keep, drop, keep),
        )
        await db.execute("DELETE FROM outbox WHERE story_id = ?", (drop,))
        async with db.execute(
            "SELECT topics, articles, first_published, last_published FROM stories WHERE id = ?",
            (keep,),
        ) as cur:
            kept = await cur.fetchone()
        assert kept is not None
        await db.execute(
            """UPDATE stories SET topics = ?, articles = ?, first_published = ?,
               last_published = ?, item_count = (SELECT count(*) FROM items WHERE story_id = ?),
               alerted = max(alerted, ?) WHERE id = ?""",
            (json.dumps(sorted(set(json.loads(kept[0])) | set(json.loads(row[0])))),
             json.dumps(list(dict.fromkeys([*json.loads(kept[1]), *json.loads(row[1])]))),
             min(kept[2], row[2]), max(kept[3], row[3]), keep, row[4], keep),
        )
        await db.execute("DELETE FROM stories WHERE id = ?", (drop,))
        return True

    async def _queue(self, db: aiosqlite.Connection, story_id: int, now: datetime) -> int:
        """One outbox row per subscribed channel: a post if the channel never got the story,
        else an update; never two pending rows for one story and channel."""
        cur = await db.execute(
            """INSERT INTO outbox (story_id, platform, channel, action, created_at)
               SELECT DISTINCT ?, s.platform, s.channel,
                      CASE WHEN d.message_id IS NULL THEN 'post' ELSE 'update' END, ?
               FROM subscriptions s
               JOIN stories st ON st.id = ?
               LEFT JOIN deliveries d ON d.story_id = st.id AND d.platform = s.platform
                                      AND d.channel = s.channel
               WHERE s.broken_at IS NULL
                 AND EXISTS (SELECT 1 FROM json_each(st.topics) t WHERE t.value = s.topic)
                 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.story_id = st.id
                                 AND o.platform = s.platform AND o.channel = s.channel
                                 AND o.done_at IS NULL)""",
            (story_id, _ts(now), story_id),
        )
        return cur.rowcount

    async def story(self, story_id: int) -> Story | None:
        async with self._db.execute("SELECT * FROM stories WHERE id = ?", (story_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        items = await self._rows(
            """SELECT i.id, f.name, i.title, i.link, i.published, i.language FROM items i
               JOIN feeds f ON f.id = i.feed_id WHERE i.story_id = ? ORDER BY i.published, i.id""",
            (story_id,),
        )
        troops = await self._rows(
            """SELECT t.figure, t.claimant, t.sentence, i.id, i.story_id, i.published, i.link
               FROM troop_claims t JOIN items i ON i.id = t.item_id
               WHERE i.story_id = ? ORDER BY i.published, t.id""",
            (story_id,),
        )
        return Story(
            id=row["id"], title=row["title"], link=row["link"], summary=row["summary"],
            created_at=_dt_req(row["created_at"]), updated_at=_dt_req(row["updated_at"]),
            first_published=_dt_req(row["first_published"]),
            topics=json.loads(row["topics"]), articles=json.loads(row["articles"]),
            items=[StoryItem(r[0], r[1], r[2], r[3], _dt_req(r[4]), r[5]) for r in items],
            troops=[TroopRecord(r[0], r[1], r[2], r[3], r[4], _dt_req(r[5]), r[6]) for r in troops],
        )

    async def article_news(self, article: int, now: datetime, limit: int = 10) -> ArticleNews:
        """The stories that cite an article, newest first, with counts over 7 and 30 days."""
        rows = await self._rows(
            """SELECT s.id, s.title, s.link, max(c.published),
                      min(CASE c.how WHEN 'number' THEN 0 ELSE 1 END)
               FROM article_citations c JOIN items i ON i.id = c.item_id
               JOIN stories s ON s.id = i.story_id
               WHERE c.article = ? GROUP BY s.id ORDER BY max(c.published) DESC, s.id DESC""",
            (article,),
        )
        stories = [
            CitingStory(r[0], r[1], r[2], _dt_req(r[3]), "number" if r[4] == 0 else "phrasing")
            for r in rows
        ]
        def since(days: int) -> int:
            return sum(s.cited_at >= now - timedelta(days=days) for s in stories)

        return ArticleNews(article, stories[:limit], since(7), since(30), len(stories))

    # --- subscriptions and delivery ----------------------------------------------------------

    async def sync_config_subscriptions(self, subs: Iterable[Subscription]) -> None:
        """Config routes replace the config-sourced rows; /subscribe rows stay."""
        subs = list(subs)
        async with self._write() as db:
            await db.execute("DELETE FROM subscriptions WHERE source = 'config'")
            await db.executemany(
                """INSERT INTO subscriptions (platform, channel, topic, role, source)
                   VALUES (?, ?, ?, ?, 'config') ON CONFLICT DO NOTHING""",
                [(s.platform, s.channel, s.topic, s.role) for s in subs],
            )

    async def subscribe(self, sub: Subscription) -> None:
        async with self._write() as db:
            await db.execute(
                """INSERT INTO subscriptions (platform, channel, topic, role, source)
                   VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, channel, topic)
                   DO UPDATE SET role = excluded.role, source = excluded.source,
                                 broken_at = NULL""",
                (sub.platform, sub.channel, sub.topic, sub.role, sub.source),
            )

    async def subscriptions(self) -> list[Subscription]:
        rows = await self._rows("SELECT * FROM subscriptions ORDER BY platform, channel, topic")
        return [
            Subscription(r["platform"], r["channel"], r["topic"], r["role"], r["source"],
                         _dt(r["broken_at"]))
            for r in rows
        ]

    async def unsubscribe(self, platform: str, channel: str, topic: str) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "DELETE FROM subscriptions WHERE platform = ? AND channel = ? AND topic = ?",
                (platform, channel, topic),
            )
            return cur.rowcount > 0

    async def mark_broken(self, platform: str, channel: str, now: datetime) -> bool:
        """A channel that is gone or forbids us: stop queueing for it, and drop what is
        queued. True the first time, so that it is logged once."""
        async with self._write() as db:
            cur = await db.execute(
                """UPDATE subscriptions SET broken_at = ?
                   WHERE platform = ? AND channel = ? AND broken_at IS NULL""",
                (_ts(now), platform, channel),
            )
            await db.execute(
                "UPDATE outbox SET done_at = ?, last_error = 'channel unavailable' "
                "WHERE platform = ? AND channel = ? AND done_at IS NULL",
                (_ts(now), platform, channel),
            )
            return cur.rowcount > 0

    async def pending(self, platform: str, limit: int = 100) -> list[OutboxEntry]:
        rows = await self._rows(
            """SELECT o.id, o.story_id, o.platform, o.channel, o.action, d.message_id, o.attempts,
                 (SELECT s.role FROM subscriptions s JOIN stories st ON st.id = o.story_id
                  WHERE s.platform = o.platform AND s.channel = o.channel AND s.role IS NOT NULL
                    AND s.topic IN (SELECT value FROM json_each(st.topics))
                  ORDER BY s.topic LIMIT 1)
               FROM outbox o LEFT JOIN deliveries d ON d.story_id = o.story_id
                 AND d.platform = o.platform AND d.channel = o.channel
               WHERE o.platform = ? AND o.done_at IS NULL ORDER BY o.id LIMIT ?""",
            (platform, limit),
        )
        return [OutboxEntry(*r) for r in rows]

    async def mark_delivered(self, entry: OutboxEntry, message_id: str, now: datetime) -> None:
        """Called only after the platform accepted the message; keeps its id for edits."""
        async with self._write() as db:
            await db.execute(
                """INSERT INTO deliveries (story_id, platform, channel, message_id, posted_at,
                   updated_at) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO UPDATE SET updated_at = excluded.updated_at""",
                (entry.story_id, entry.platform, entry.channel, message_id, _ts(now), _ts(now)),
            )
            await db.execute("UPDATE outbox SET done_at = ? WHERE id = ?", (_ts(now), entry.id))

    async def mark_failed(self, entry: OutboxEntry, error: str) -> None:
        async with self._write() as db:
            await db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, entry.id),
            )

    # --- summaries ------------------------------------------------------------------------

    async def stats(self) -> Stats:
        row = await (await self._db.execute(
            """SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM feeds WHERE failures > 0),
                      (SELECT count(*) FROM items), (SELECT count(*) FROM stories),
                      (SELECT count(*) FROM stories WHERE alerted),
                      (SELECT count(*) FROM outbox WHERE done_at IS NULL),
                      (SELECT count(*) FROM deliveries)"""
        )).fetchone()
        assert row is not None
        by_topic = await self._rows(
            """SELECT t.value, count(*) FROM stories s, json_each(s.topics) t GROUP BY t.value
               ORDER BY t.value"""
        )
        return Stats(*row, stories_by_topic={r[0]: r[1] for r in by_topic})

    async def latest_stories(self, topic: str | None, limit: int) -> list[Story]:
        """Stories with a topic, most recently published first."""
        rows = await self._rows(
            """SELECT s.id FROM stories s WHERE s.topics != '[]'
                 AND (? IS NULL OR EXISTS (SELECT 1 FROM json_each(s.topics) t WHERE t.value = ?))
               ORDER BY s.last_published DESC, s.id DESC LIMIT ?""",
            (topic, topic, limit),
        )
        stories = [await self.story(r[0]) for r in rows]
        return [s for s in stories if s is not None]

    async def stories_between(self, since: datetime, until: datetime) -> list[Story]:
        """Stories with a topic whose first report falls in [since, until)."""
        rows = await self._rows(
            """SELECT id FROM stories WHERE topics != '[]'
               AND first_published >= ? AND first_published < ? ORDER BY first_published""",
            (_ts(since), _ts(until)),
        )
        stories = [await self.story(r[0]) for r in rows]
        return [s for s in stories if s is not None]

    async def story_days(
        self, since: datetime, until: datetime
    ) -> list[tuple[datetime, list[str]]]:
        """(first report, topics) of the stories with a topic first reported in [since, until):
        enough to count stories per day without loading them."""
        rows = await self._rows(
            """SELECT first_published, topics FROM stories WHERE topics != '[]'
               AND first_published >= ? AND first_published < ? ORDER BY first_published""",
            (_ts(since), _ts(until)),
        )
        return [(_dt_req(r[0]), json.loads(r[1])) for r in rows]

    async def article_counts(self, since: datetime, until: datetime) -> dict[int, int]:
        """For each treaty article, how many stories cited it in [since, until)."""
        rows = await self._rows(
            """SELECT c.article, count(DISTINCT i.story_id) FROM article_citations c
               JOIN items i ON i.id = c.item_id
               WHERE c.published >= ? AND c.published < ? GROUP BY c.article
               ORDER BY count(DISTINCT i.story_id) DESC, c.article""",
            (_ts(since), _ts(until)),
        )
        return {r[0]: r[1] for r in rows}

    async def troop_claims(
        self, limit: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[TroopRecord]:
        """Troop figures claimed, newest first."""
        rows = await self._rows(
            """SELECT t.figure, t.claimant, t.sentence, i.id, i.story_id, i.published, i.link
               FROM troop_claims t JOIN items i ON i.id = t.item_id
               WHERE i.published >= coalesce(?, '') AND i.published < coalesce(?, '~')
               ORDER BY i.published DESC, t.id LIMIT ?""",
            (_ts(since), _ts(until), limit),
        )
        return [TroopRecord(r[0], r[1], r[2], r[3], r[4], _dt_req(r[5]), r[6]) for r in rows]

    async def item_rows(self, item_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Title, link and feed of items, for explaining decisions."""
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        rows = await self._rows(
            f"""SELECT i.id, i.title, i.link, f.name FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE i.id IN ({marks})""",
            list(item_ids),
        )
        return {r[0]: {"title": r[1], "link": r[2], "feed": r[3]} for r in rows}

    # --- weekly digests -----------------------------------------------------------------------

    async def digest_posts(self, platform: str, channel: str) -> list[DigestPost]:
        """The digests a channel got (or missed), oldest week first."""
        rows = await self._rows(
            """SELECT week, platform, channel, status, message_id, at FROM digest_posts
               WHERE platform = ? AND channel = ? ORDER BY week""",
            (platform, channel),
        )
        return [DigestPost(r[0], r[1], r[2], r[3], r[4], _dt_req(r[5])) for r in rows]

    async def record_digest(self, post: DigestPost) -> bool:
        """Record a posted (only once the platform accepted it) or missed digest. False when
        the week already has a row for that channel: the first record stands."""
        async with self._write() as db:
            cur = await db.execute(
                """INSERT INTO digest_posts (week, platform, channel, status, message_id, at)
                   VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (post.week, post.platform, post.channel, post.status, post.message_id,
                 _ts(post.at)),
            )
            return cur.rowcount > 0
