"""PostgreSQL storage through asyncpg, for several workers on several machines.

The same behaviour as SQLiteStore (the same tests run against both). What several workers
need on top: feeds and outbox rows are leased (`FOR UPDATE SKIP LOCKED` and an expiry, so a
dead worker's share is taken over), folds of items that share a key take turns (advisory
locks), and a story's row lock orders the workers that queue its deliveries.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage.errors import (
    FeedExistsError,
    NotOurDatabaseError,
    SchemaTooNewError,
    StorageError,
    StoryGoneError,
    one_line,
)
from storage.pg_schema import PG_LATEST, PG_MIGRATIONS
from storage.types import (
    CANDIDATES_PER_KEY,
    EMBEDDED_PER_SIDE,
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
    WindowItem,
    topic_terms,
)

POOL_SIZE = 8
# Any number of processes may open the store at once; the first migrates, under this lock.
_MIGRATION_LOCK = 7_413_001
_TROOP_COLUMNS = """t.figure, t.claimant, t.sentence, i.id, i.story_id, i.published, i.link,
    t.qualifier, t.kind, CASE WHEN i.outlet <> '' THEN i.outlet ELSE f.name END"""
_FEED_COLUMNS = """id, name, url, config_url, etag, last_modified, added_at, last_polled,
    next_poll, last_success, last_error, last_error_at, failures, source, active, language,
    failure_reported_at"""


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.where = redacted(url)

    # --- lifecycle ------------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str, *, pool_size: int = POOL_SIZE) -> PostgresStore:
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=pool_size, command_timeout=60,
                server_settings={"application_name": "treatywatch", "timezone": "UTC"},
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(f"{redacted(url)}: cannot connect: {one_line(exc)}",
                               "unreachable") from None
        store = cls(pool, url)
        try:
            await store._migrate()
        except BaseException:
            await pool.close()
            raise
        return store

    async def _migrate(self) -> None:
        async with self._conn() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
                )
                version = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
                if version > PG_LATEST:
                    raise SchemaTooNewError(
                        f"{self.where}: database schema version {version} is newer than this "
                        f"treatywatch understands ({PG_LATEST}); upgrade treatywatch"
                    )
                if version == 0 and await conn.fetchval(
                    """SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()
                       AND tablename <> 'schema_version'"""
                ):
                    raise NotOurDatabaseError(
                        f"{self.where}: not a treatywatch database (it has other tables)"
                    )
                for step in range(version + 1, PG_LATEST + 1):
                    async with conn.transaction():
                        for statement in PG_MIGRATIONS[step]:
                            await conn.execute(statement)
                        await conn.execute("DELETE FROM schema_version")
                        await conn.execute("INSERT INTO schema_version VALUES ($1)", step)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; the driver's errors become one-line StorageErrors."""
        try:
            async with self._pool.acquire() as conn:
                yield conn
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise StorageError(f"{self.where}: {one_line(exc)}", _cause(exc)) from exc

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._conn() as conn, conn.transaction():
            yield conn

    async def _rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self._conn() as conn:
            return list(await conn.fetch(sql, *args))

    async def _execute(self, sql: str, *args: Any) -> str:
        async with self._conn() as conn:
            return str(await conn.execute(sql, *args))

    # --- feeds --------------------------------------------------------------------------

    async def sync_feeds(
        self, feeds: Iterable[tuple[str, str]], now: datetime, *, exclusive: bool = False
    ) -> None:
        """As SQLiteStore.sync_feeds. Only rows that change are written: every worker syncs
        at its start, and rewriting all rows would lock them against the polling ones."""
        feeds = list(feeds)
        async with self._tx() as conn:
            stored = {r[0]: (r[1], r[2], r[3]) for r in await conn.fetch(
                "SELECT name, config_url, active, source FROM feeds")}
            if exclusive:
                listed = {name for name, _ in feeds}
                gone = [name for name, (_, active, source) in stored.items()
                        if source == "config" and active and name not in listed]
                await conn.execute(
                    "UPDATE feeds SET active = false WHERE name = ANY($1::text[])", sorted(gone)
                )
            changed = [(name, url, now) for name, url in sorted(feeds)
                       if stored.get(name) != (url, True, "config")]
            await conn.executemany(
                """INSERT INTO feeds (name, config_url, url, added_at) VALUES ($1, $2, $2, $3)
                   ON CONFLICT (name) DO UPDATE SET
                     active = true, source = 'config',
                     url = CASE WHEN feeds.config_url = excluded.config_url
                                THEN feeds.url ELSE excluded.url END,
                     etag = CASE WHEN feeds.config_url = excluded.config_url
                                 THEN feeds.etag END,
                     last_modified = CASE WHEN feeds.config_url = excluded.config_url
                                          THEN feeds.last_modified END,
                     config_url = excluded.config_url""",
                changed,
            )

    async def add_feed(self, name: str, url: str, now: datetime, language: str = "") -> None:
        async with self._tx() as conn:
            row = await conn.fetchrow(
                "SELECT name, active FROM feeds WHERE name = $1 OR config_url = $2 OR url = $2 "
                "LIMIT 1",
                name, url,
            )
            if row is not None and (row[1] or row[0] != name):
                raise FeedExistsError(f"already watched as {row[0]!r}")
            await conn.execute(
                """INSERT INTO feeds (name, config_url, url, added_at, source, language)
                   VALUES ($1, $2, $2, $3, 'command', $4)
                   ON CONFLICT (name) DO UPDATE SET active = true, source = 'command',
                     config_url = excluded.config_url, url = excluded.url, etag = NULL,
                     last_modified = NULL, failures = 0, language = excluded.language""",
                name, url, now, language,
            )

    async def deactivate_feed(self, name: str) -> bool:
        status = await self._execute(
            "UPDATE feeds SET active = false WHERE name = $1 AND source = 'command' AND active",
            name,
        )
        return _count(status) > 0

    async def feeds(self, *, active_only: bool = True) -> list[FeedState]:
        where = "WHERE active" if active_only else ""
        rows = await self._rows(f"SELECT {_FEED_COLUMNS} FROM feeds {where} ORDER BY name")
        return [FeedState(**dict(r)) for r in rows]

    async def due_feeds(self, now: datetime, limit: int, *, failing: bool) -> list[FeedState]:
        """Active feeds whose next poll is due and that no worker holds, the longest overdue
        (or never polled) first: those whose last poll failed, or the others."""
        rows = await self._rows(
            f"""SELECT {_FEED_COLUMNS} FROM feeds
                WHERE active AND (next_poll IS NULL OR next_poll <= $1)
                  AND (lease_until IS NULL OR lease_until < clock_timestamp())
                  AND {'failures > 0' if failing else 'failures = 0'}
                ORDER BY next_poll NULLS FIRST, id LIMIT $2""",
            now, limit,
        )
        return [FeedState(**dict(r)) for r in rows]

    async def claim_feeds(
        self, worker: str, feed_ids: Sequence[int], now: datetime, lease: timedelta
    ) -> list[int]:
        """Of `feed_ids`, those still due that no other worker holds, now held by `worker`
        until their poll is recorded or `lease` ends (a worker that dies holds them that
        long). A row another worker is claiming at this moment is skipped, not waited for.
        The lease runs on the database's clock, which every worker shares; whether a feed
        is due, on the caller's, which wrote next_poll."""
        if not feed_ids:
            return []
        rows = await self._rows(
            """UPDATE feeds SET lease_owner = $1, lease_until = clock_timestamp() + $2
               WHERE id IN (
                 SELECT id FROM feeds WHERE id = ANY($3::bigint[])
                   AND (next_poll IS NULL OR next_poll <= $4)
                   AND (lease_until IS NULL OR lease_until < clock_timestamp())
                 ORDER BY id FOR UPDATE SKIP LOCKED)
               RETURNING id""",
            worker, lease, list(feed_ids), now,
        )
        claimed = {r[0] for r in rows}
        return [feed_id for feed_id in feed_ids if feed_id in claimed]

    async def probe(self, now: datetime) -> None:
        """A small write, to learn whether writes work again after a fault."""
        await self._execute(
            """INSERT INTO store_probe (id, at) VALUES (1, $1)
               ON CONFLICT (id) DO UPDATE SET at = excluded.at""", now)

    async def checkpoint(self) -> None:
        """Nothing to do: the server manages its WAL (SQLite's store truncates its own)."""

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
        await self._execute(
            """UPDATE feeds SET etag = $1, last_modified = $2, url = coalesce($3, url),
               last_polled = $4, last_success = $4, next_poll = $5, failures = 0,
               lease_owner = NULL, lease_until = NULL WHERE id = $6""",
            etag, last_modified, url, now, next_poll, feed_id,
        )

    async def record_not_modified(self, feeds: Sequence[tuple[int, datetime, datetime]]) -> None:
        async with self._tx() as conn:
            await conn.executemany(
                """UPDATE feeds SET last_polled = $2, last_success = $2, next_poll = $3,
                   failures = 0, lease_owner = NULL, lease_until = NULL WHERE id = $1""",
                sorted(feeds),  # rows locked in one order by every worker: no deadlock
            )

    async def record_failure(
        self, feed_id: int, now: datetime, next_poll: datetime, error: str
    ) -> None:
        await self._execute(
            """UPDATE feeds SET last_polled = $1, last_error = $2, last_error_at = $1,
               next_poll = $3, failures = failures + 1, lease_owner = NULL, lease_until = NULL
               WHERE id = $4""",
            now, error, next_poll, feed_id,
        )

    async def mark_failure_reported(self, feed_id: int, when: datetime | None) -> None:
        await self._execute(
            "UPDATE feeds SET failure_reported_at = $1 WHERE id = $2", when, feed_id
        )

    # --- items and stories ------------------------------------------------------------------

    @asynccontextmanager
    async def fold_lock(self, keys: Sequence[str]) -> AsyncIterator[None]:
        # Session-level advisory locks on a connection of its own, held while the caller
        # reads candidates and saves on other connections; a worker that dies drops its
        # connection and so its locks. Taken in one order (sorted), so two folds never
        # deadlock; a key's lock is a 64-bit hash of it (a collision only costs a wait).
        if not keys:
            yield
            return
        async with self._conn() as conn:
            await conn.execute(
                """SELECT pg_advisory_lock(h) FROM (
                     SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) k
                     ORDER BY h) locks""",
                list(keys),
            )
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock_all()")

    async def find_item(self, feed_id: int, guid: str, link: str) -> tuple[int, int] | None:
        rows = await self._rows(
            """SELECT id, story_id FROM items
               WHERE (feed_id = $1 AND guid = $2) OR (link <> '' AND link = $3)
               ORDER BY id LIMIT 1""",
            feed_id, guid, link,
        )
        return (rows[0][0], rows[0][1]) if rows else None

    async def find_items(
        self, feed_id: int, items: Sequence[tuple[str, str]]
    ) -> list[tuple[int, int] | None]:
        if not items:
            return []
        guids = list({guid for guid, _ in items})
        links = list({link for _, link in items if link})
        rows = await self._rows(
            """SELECT id, story_id, feed_id, guid, link FROM items
               WHERE (feed_id = $1 AND guid = ANY($2::text[]))
                  OR (link <> '' AND link = ANY($3::text[])) ORDER BY id""",
            feed_id, guids, links,
        )
        by_guid: dict[str, tuple[int, int]] = {}
        by_link: dict[str, tuple[int, int]] = {}
        for item_id, story_id, feed, guid, link in rows:
            if feed == feed_id:
                by_guid.setdefault(guid, (item_id, story_id))
            if link:
                by_link.setdefault(link, (item_id, story_id))
        return [by_guid.get(guid) or (by_link.get(link) if link else None)
                for guid, link in items]

    async def candidates(
        self, keys: Sequence[str], since: datetime, until: datetime, limit: int = 500,
        per_key: int = CANDIDATES_PER_KEY,
    ) -> list[StoredCandidate]:
        """As SQLiteStore.candidates: per key, the `per_key` nearest in time on either side
        of the middle of [since, until]; one query whatever the number of keys."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        middle = since + (until - since) / 2
        rows = await self._rows(
            """SELECT i.id, i.story_id, i.published, i.features FROM items i
               WHERE i.id IN (
                 SELECT n.item_id FROM unnest($1::text[]) k(key), LATERAL (
                   (SELECT item_id FROM item_keys WHERE key = k.key
                      AND published > $2 AND published <= $3 ORDER BY published LIMIT $5)
                   UNION ALL
                   (SELECT item_id FROM item_keys WHERE key = k.key
                      AND published >= $4 AND published <= $2
                      ORDER BY published DESC LIMIT $5)) n)
               ORDER BY i.published DESC, i.id LIMIT $6""",
            keys, middle, until, since, per_key, limit,
        )
        return [StoredCandidate(r[0], r[1], r[2], r[3]) for r in rows]

    async def window(
        self, since: datetime, until: datetime, per_side: int = EMBEDDED_PER_SIDE
    ) -> list[WindowItem]:
        """As SQLiteStore.window: the embedded items of [since, until], at most `per_side`
        on either side of the middle, the nearest to it."""
        middle = since + (until - since) / 2
        rows = await self._rows(
            """SELECT i.id, i.story_id, i.published, s.first_published
               FROM (
                 (SELECT id, story_id, published FROM items
                  WHERE vector IS NOT NULL AND published > $1 AND published <= $2
                  ORDER BY published LIMIT $4)
                 UNION ALL
                 (SELECT id, story_id, published FROM items
                  WHERE vector IS NOT NULL AND published >= $3 AND published <= $1
                  ORDER BY published DESC LIMIT $4)
               ) i JOIN stories s ON s.id = i.story_id""",
            middle, until, since, per_side,
        )
        return [WindowItem(*r) for r in rows]

    async def fold_items(self, item_ids: Sequence[int]) -> list[StoredCandidate]:
        """As SQLiteStore.fold_items."""
        rows = await self._rows(
            """SELECT i.id, i.story_id, i.published, i.features, i.vector, s.first_published
               FROM items i JOIN stories s ON s.id = i.story_id
               WHERE i.id = ANY($1::bigint[])""",
            list(dict.fromkeys(item_ids)),
        )
        return [StoredCandidate(*r) for r in rows]

    async def save_item(self, new: NewItem, now: datetime) -> SavedItem | None:
        """Store an item, its story change and the deliveries it causes, all or nothing.
        None when the item is stored already, by this worker or, a moment ago, another."""
        try:
            async with self._tx() as conn:
                return await _save_item(conn, new, now)
        except StorageError as exc:
            if isinstance(exc.__cause__, asyncpg.UniqueViolationError):
                return None
            raise

    async def save_items(
        self, items: Sequence[NewItem], now: datetime
    ) -> list[SavedItem | None]:
        async with self._tx() as conn:
            return [await _save_item(conn, new, now) for new in items]

    async def story(self, story_id: int) -> Story | None:
        async with self._conn() as conn, conn.transaction(readonly=True,
                                                           isolation="repeatable_read"):
            row = await conn.fetchrow("SELECT * FROM stories WHERE id = $1", story_id)
            if row is None:
                return None
            items = await conn.fetch(
                """SELECT i.id, f.name, i.title, i.link, i.published, i.language, i.outlet,
                          substr(i.summary, 1, 2000), (i.why::json -> 'topics')::text
                   FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.story_id = $1
                   ORDER BY i.published, i.id""",
                story_id,
            )
            troops = await conn.fetch(
                f"""SELECT {_TROOP_COLUMNS} FROM troop_claims t JOIN items i ON i.id = t.item_id
                    JOIN feeds f ON f.id = i.feed_id
                    WHERE i.story_id = $1 ORDER BY i.published, t.id""",
                story_id,
            )
        return Story(
            id=row["id"], title=row["title"], link=row["link"], summary=row["summary"],
            created_at=row["created_at"], updated_at=row["updated_at"],
            first_published=row["first_published"],
            topics=json.loads(row["topics"]), articles=json.loads(row["articles"]),
            items=[StoryItem(*r[:8], topic_terms(r[8])) for r in items],
            troops=[TroopRecord(*r) for r in troops],
        )

    async def story_sizes(self) -> dict[int, int]:
        """How many stories hold each number of items (a benchmark's histogram)."""
        rows = await self._rows("SELECT item_count, count(*) FROM stories GROUP BY item_count")
        return {r[0]: r[1] for r in rows}

    async def item_story_ids(self) -> dict[int, int]:
        """Every stored item's story, as folding and merging left it (the quality scorer)."""
        rows = await self._rows("SELECT id, story_id FROM items")
        return {r[0]: r[1] for r in rows}

    async def article_news(self, article: int, now: datetime, limit: int = 10) -> ArticleNews:
        rows = await self._rows(
            """WITH cited AS (
                 SELECT i.story_id AS story, max(c.published) AS at,
                        min(CASE c.how WHEN 'number' THEN 0 ELSE 1 END) AS how
                 FROM article_citations c JOIN items i ON i.id = c.item_id
                 WHERE c.article = $1 GROUP BY i.story_id),
               ranked AS (
                 SELECT story, at, how, count(*) OVER () AS total,
                        sum(CASE WHEN at >= $2 THEN 1 ELSE 0 END) OVER () AS week,
                        sum(CASE WHEN at >= $3 THEN 1 ELSE 0 END) OVER () AS month
                 FROM cited ORDER BY at DESC, story DESC LIMIT $4)
               SELECT s.id, s.title, s.link, r.at, r.how, r.total, r.week, r.month
               FROM ranked r JOIN stories s ON s.id = r.story ORDER BY r.at DESC, r.story DESC""",
            article, now - timedelta(days=7), now - timedelta(days=30), limit,
        )
        if not rows:
            return ArticleNews(article, [], 0, 0, 0)
        stories = [
            CitingStory(r[0], r[1], r[2], r[3], "number" if r[4] == 0 else "phrasing")
            for r in rows
        ]
        return ArticleNews(article, stories, int(rows[0][6]), int(rows[0][7]), int(rows[0][5]))

    # --- subscriptions and delivery ----------------------------------------------------------

    async def sync_config_subscriptions(self, subs: Iterable[Subscription]) -> None:
        subs = list(subs)
        async with self._tx() as conn:
            await conn.execute("DELETE FROM subscriptions WHERE source = 'config'")
            await conn.executemany(
                """INSERT INTO subscriptions (platform, channel, topic, role, source)
                   VALUES ($1, $2, $3, $4, 'config') ON CONFLICT DO NOTHING""",
                [(s.platform, s.channel, s.topic, s.role) for s in subs],
            )

    async def subscribe(self, sub: Subscription) -> None:
        await self._execute(
            """INSERT INTO subscriptions (platform, channel, topic, role, source)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (platform, channel, topic)
               DO UPDATE SET role = excluded.role, source = excluded.source, broken_at = NULL""",
            sub.platform, sub.channel, sub.topic, sub.role, sub.source,
        )

    async def subscriptions(self) -> list[Subscription]:
        rows = await self._rows(
            """SELECT platform, channel, topic, role, source, broken_at FROM subscriptions
               ORDER BY platform, channel, topic"""
        )
        return [Subscription(*r) for r in rows]

    async def unsubscribe(self, platform: str, channel: str, topic: str) -> bool:
        status = await self._execute(
            "DELETE FROM subscriptions WHERE platform = $1 AND channel = $2 AND topic = $3",
            platform, channel, topic,
        )
        return _count(status) > 0

    async def mark_broken(self, platform: str, channel: str, now: datetime) -> bool:
        async with self._tx() as conn:
            status = await conn.execute(
                """UPDATE subscriptions SET broken_at = $1
                   WHERE platform = $2 AND channel = $3 AND broken_at IS NULL""",
                now, platform, channel,
            )
            await conn.execute(
                """UPDATE outbox SET done_at = $1, last_error = 'channel unavailable',
                   lease_owner = NULL, lease_until = NULL
                   WHERE platform = $2 AND channel = $3 AND done_at IS NULL""",
                now, platform, channel,
            )
        return _count(status) > 0

    _OUTBOX_ENTRY = """o.id, o.story_id, o.platform, o.channel, o.action, d.message_id,
        o.attempts,
        (SELECT s.role FROM subscriptions s JOIN stories st ON st.id = o.story_id
         WHERE s.platform = o.platform AND s.channel = o.channel AND s.role IS NOT NULL
           AND st.topics ? s.topic ORDER BY s.topic LIMIT 1), o.sent_at, o.changes"""

    async def pending(self, platform: str, limit: int = 100) -> list[OutboxEntry]:
        rows = await self._rows(
            f"""SELECT {self._OUTBOX_ENTRY}
                FROM outbox o LEFT JOIN deliveries d ON d.story_id = o.story_id
                  AND d.platform = o.platform AND d.channel = o.channel
                WHERE o.platform = $1 AND o.done_at IS NULL ORDER BY o.id LIMIT $2""",
            platform, limit,
        )
        return [OutboxEntry(*r) for r in rows]

    async def lease_outbox(
        self, platform: str, worker: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxEntry]:
        async with self._tx() as conn:
            ids = await conn.fetch(
                """UPDATE outbox SET lease_owner = $2, lease_until = clock_timestamp() + $3
                   WHERE id IN (
                     SELECT id FROM outbox WHERE platform = $1 AND done_at IS NULL
                       AND (lease_until IS NULL OR lease_until < clock_timestamp())
                     ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
                   RETURNING id""",
                platform, worker, lease, limit,
            )
            rows = await conn.fetch(
                f"""SELECT {self._OUTBOX_ENTRY}
                    FROM outbox o LEFT JOIN deliveries d ON d.story_id = o.story_id
                      AND d.platform = o.platform AND d.channel = o.channel
                    WHERE o.id = ANY($1::bigint[]) ORDER BY o.id""",
                [r[0] for r in ids],
            )
        return [OutboxEntry(*r) for r in rows]

    async def drop_platform(self, platform: str, now: datetime) -> None:
        """As SQLiteStore.drop_platform: unsubscribe a platform's channels, close its rows."""
        async with self._tx() as conn:
            await conn.execute("DELETE FROM subscriptions WHERE platform = $1", platform)
            await conn.execute(
                """UPDATE outbox SET done_at = $1, last_error = 'unsubscribed',
                   lease_owner = NULL, lease_until = NULL
                   WHERE platform = $2 AND done_at IS NULL""",
                now, platform,
            )

    async def mark_sending(self, entry: OutboxEntry, now: datetime) -> None:
        """As SQLiteStore.mark_sending: a post is going out; until it is marked delivered
        its outcome is unknown (a commit here is durable: synchronous_commit is on)."""
        await self._execute(
            "UPDATE outbox SET sent_at = coalesce(sent_at, $1) WHERE id = $2", now, entry.id
        )

    async def mark_delivered(self, entry: OutboxEntry, message_id: str, now: datetime) -> bool:
        """As SQLiteStore.mark_delivered: the platform accepted it; when the story changed
        after `entry` was read, an update is queued in the same transaction (True)."""
        async with self._tx() as conn:
            await conn.execute(
                """INSERT INTO deliveries (story_id, platform, channel, message_id, posted_at,
                   updated_at) VALUES ($1, $2, $3, $4, $5, $5)
                   ON CONFLICT (story_id, platform, channel)
                   DO UPDATE SET updated_at = excluded.updated_at""",
                entry.story_id, entry.platform, entry.channel, message_id, now,
            )
            changes = await conn.fetchval(
                """UPDATE outbox SET done_at = $1, lease_owner = NULL, lease_until = NULL
                   WHERE id = $2 RETURNING changes""",
                now, entry.id,
            )
            if changes is None or changes <= entry.changes:
                return False
            status = await conn.execute(
                """INSERT INTO outbox (story_id, platform, channel, action, created_at)
                   VALUES ($1, $2, $3, 'update', $4) ON CONFLICT DO NOTHING""",
                entry.story_id, entry.platform, entry.channel, now,
            )
            return _count(status) > 0

    async def mark_failed(self, entry: OutboxEntry, error: str) -> None:
        await self._execute(
            """UPDATE outbox SET attempts = attempts + 1, last_error = $1,
               lease_owner = NULL, lease_until = NULL WHERE id = $2""",
            error, entry.id,
        )

    # --- summaries ------------------------------------------------------------------------

    async def stats(self) -> Stats:
        async with self._conn() as conn:
            row = await conn.fetchrow(
                """SELECT (SELECT count(*) FROM feeds),
                          (SELECT count(*) FROM feeds WHERE failures > 0),
                          (SELECT count(*) FROM items), (SELECT count(*) FROM stories),
                          (SELECT count(*) FROM stories WHERE alerted),
                          (SELECT count(*) FROM outbox WHERE done_at IS NULL),
                          (SELECT count(*) FROM deliveries)"""
            )
            by_topic = await conn.fetch(
                """SELECT t, count(*) FROM stories s, jsonb_array_elements_text(s.topics) t
                   GROUP BY t ORDER BY t"""
            )
        assert row is not None
        return Stats(*(int(v) for v in row), stories_by_topic={r[0]: r[1] for r in by_topic})

    async def latest_stories(self, topic: str | None, limit: int) -> list[Story]:
        rows = await self._rows(
            """SELECT id FROM stories WHERE topics <> '[]'::jsonb
                 AND ($1::text IS NULL OR topics ? $1)
               ORDER BY last_published DESC, id DESC LIMIT $2""",
            topic, limit,
        )
        stories = [await self.story(r[0]) for r in rows]
        return [s for s in stories if s is not None]

    async def stories_between(self, since: datetime, until: datetime) -> list[Story]:
        rows = await self._rows(
            """SELECT id FROM stories WHERE topics <> '[]'::jsonb
               AND first_published >= $1 AND first_published < $2
               ORDER BY first_published, id""",
            since, until,
        )
        stories = [await self.story(r[0]) for r in rows]
        return [s for s in stories if s is not None]

    async def story_days(
        self, since: datetime, until: datetime
    ) -> list[tuple[datetime, list[str]]]:
        rows = await self._rows(
            """SELECT first_published, topics FROM stories WHERE topics <> '[]'::jsonb
               AND first_published >= $1 AND first_published < $2
               ORDER BY first_published, id""",
            since, until,
        )
        return [(r[0], json.loads(r[1])) for r in rows]

    async def troop_claims(
        self, limit: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[TroopRecord]:
        rows = await self._rows(
            f"""SELECT {_TROOP_COLUMNS} FROM troop_claims t JOIN items i ON i.id = t.item_id
               JOIN feeds f ON f.id = i.feed_id
               WHERE ($1::timestamptz IS NULL OR i.published >= $1)
                 AND ($2::timestamptz IS NULL OR i.published < $2)
               ORDER BY i.published DESC, t.id LIMIT $3""",
            since, until, limit,
        )
        return [TroopRecord(*r) for r in rows]

    async def item_rows(self, item_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        if not item_ids:
            return {}
        rows = await self._rows(
            """SELECT i.id, i.title, i.link, f.name, i.story_id FROM items i
               JOIN feeds f ON f.id = i.feed_id WHERE i.id = ANY($1::bigint[])""",
            list(item_ids),
        )
        return {r[0]: {"title": r[1], "link": r[2], "feed": r[3], "story": r[4]} for r in rows}

    # --- weekly digests -----------------------------------------------------------------------

    async def digest_posts(self, platform: str, channel: str) -> list[DigestPost]:
        rows = await self._rows(
            """SELECT week, platform, channel, status, message_id, at FROM digest_posts
               WHERE platform = $1 AND channel = $2 ORDER BY week""",
            platform, channel,
        )
        return [DigestPost(*r) for r in rows]

    async def record_digest(self, post: DigestPost) -> bool:
        status = await self._execute(
            """INSERT INTO digest_posts (week, platform, channel, status, message_id, at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
            post.week, post.platform, post.channel, post.status, post.message_id, post.at,
        )
        return _count(status) > 0


# --- writing items ------------------------------------------------------------------------------


async def _save_item(conn: asyncpg.Connection, new: NewItem, now: datetime) -> SavedItem | None:
    dup = await conn.fetchval(
        """SELECT id FROM items WHERE (feed_id = $1 AND guid = $2)
           OR (link <> '' AND link = $3) LIMIT 1""",
        new.feed_id, new.guid, new.link,
    )
    if dup is not None:
        return None
    story_id, created = await _story_for(conn, new, now)
    merged = tuple([m for m in new.merge if await _merge(conn, story_id, m)])
    item_id = await conn.fetchval(
        """INSERT INTO items (feed_id, story_id, guid, link, title, summary, published,
           date_from_feed, first_seen, language, topics, articles, why, features, alerted,
           vector, outlet)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13, $14,
                   $15, $16, $17)
           RETURNING id""",
        new.feed_id, story_id, new.guid, new.link, new.title, new.summary, new.published,
        new.date_from_feed, new.first_seen, new.language, json.dumps(new.topics),
        json.dumps(new.articles), json.dumps(new.why, ensure_ascii=False),
        json.dumps(new.features), new.alert, new.vector, new.outlet,
    )
    keys = list(dict.fromkeys(new.keys))
    if keys:
        await conn.execute(
            """INSERT INTO item_keys (key, item_id, published)
               SELECT k, $2, $3 FROM unnest($1::text[]) k""",
            keys, item_id, new.published,
        )
    citations = [(n, "number") for n in new.articles]
    citations += [(n, "phrasing") for n in new.phrased_articles if n not in new.articles]
    if citations:
        await conn.execute(
            """INSERT INTO article_citations (item_id, article, how, published)
               SELECT $1, a, h, $2 FROM unnest($3::int[], $4::text[]) c(a, h)
               ON CONFLICT DO NOTHING""",
            item_id, new.published, [c[0] for c in citations], [c[1] for c in citations],
        )
    if new.troops:
        await conn.executemany(
            """INSERT INTO troop_claims (item_id, figure, claimant, sentence, qualifier, kind)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            [(item_id, t["figure"], t["claimant"], t["sentence"], t.get("qualifier"),
              t.get("kind") or "deployed") for t in new.troops],
        )
    queued = await _queue(conn, story_id, now) if new.alert and new.topics else 0
    return SavedItem(item_id, story_id, created, queued, merged)


async def _story_for(conn: asyncpg.Connection, new: NewItem, now: datetime) -> tuple[int, bool]:
    alerted = new.alert and bool(new.topics)
    if new.story_id is None:
        story_id = await conn.fetchval(
            """INSERT INTO stories (title, link, summary, created_at, updated_at,
               first_published, last_published, topics, articles, item_count, alerted)
               VALUES ($1, $2, $3, $4, $4, $5, $5, $6::jsonb, $7::jsonb, 1, $8) RETURNING id""",
            new.title, new.link, new.summary[:2000], now, new.published,
            json.dumps(sorted(new.topics)), json.dumps(new.articles), alerted,
        )
        return story_id, True
    # The row lock orders the workers adding to one story: the second one's outbox check
    # (in `_queue`) then sees the first one's pending row.
    row = await conn.fetchrow(
        """SELECT topics, articles, first_published, last_published FROM stories
           WHERE id = $1 FOR UPDATE""",
        new.story_id,
    )
    if row is None:
        raise StoryGoneError(f"story {new.story_id} does not exist")
    topics = sorted(set(json.loads(row[0])) | set(new.topics))
    articles = list(dict.fromkeys([*json.loads(row[1]), *new.articles]))
    await conn.execute(
        """UPDATE stories SET topics = $1::jsonb, articles = $2::jsonb, first_published = $3,
           last_published = $4, updated_at = $5, item_count = item_count + 1,
           alerted = alerted OR $6 WHERE id = $7""",
        json.dumps(topics), json.dumps(articles), min(row[2], new.published),
        max(row[3], new.published), now, alerted, new.story_id,
    )
    return new.story_id, False


async def _merge(conn: asyncpg.Connection, keep: int, drop: int) -> bool:
    """Fold story `drop` into `keep`, unless a platform already shows `drop` (or may: a post
    whose outcome is unknown)."""
    row = await conn.fetchrow(
        """SELECT topics, articles, first_published, last_published, alerted FROM stories
           WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE story_id = $1)
             AND NOT EXISTS (SELECT 1 FROM outbox WHERE story_id = $1 AND sent_at IS NOT NULL)
           FOR UPDATE""",
        drop,
    )
    if row is None or keep == drop:
        return False
    await conn.execute("UPDATE items SET story_id = $1 WHERE story_id = $2", keep, drop)
    await conn.execute(
        """UPDATE outbox SET story_id = $1 WHERE story_id = $2 AND done_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.story_id = $1 AND o.done_at IS NULL
                           AND o.platform = outbox.platform AND o.channel = outbox.channel)""",
        keep, drop,
    )
    await conn.execute("DELETE FROM outbox WHERE story_id = $1", drop)
    kept = await conn.fetchrow(
        "SELECT topics, articles, first_published, last_published FROM stories WHERE id = $1",
        keep,
    )
    assert kept is not None
    await conn.execute(
        """UPDATE stories SET topics = $1::jsonb, articles = $2::jsonb, first_published = $3,
           last_published = $4, item_count = (SELECT count(*) FROM items WHERE story_id = $6),
           alerted = alerted OR $5 WHERE id = $6""",
        json.dumps(sorted(set(json.loads(kept[0])) | set(json.loads(row[0])))),
        json.dumps(list(dict.fromkeys([*json.loads(kept[1]), *json.loads(row[1])]))),
        min(kept[2], row[2]), max(kept[3], row[3]), row[4], keep,
    )
    await conn.execute("DELETE FROM stories WHERE id = $1", drop)
    return True


async def _queue(conn: asyncpg.Connection, story_id: int, now: datetime) -> int:
    """One outbox row per subscribed channel: a post if the channel never got the story,
    else an update; never two pending rows for one story and channel (a unique index). A
    row already pending is marked changed: what it sends may have been read before this."""
    await conn.execute(
        "UPDATE outbox SET changes = changes + 1 WHERE story_id = $1 AND done_at IS NULL",
        story_id,
    )
    status = await conn.execute(
        """INSERT INTO outbox (story_id, platform, channel, action, created_at)
           SELECT DISTINCT $1::bigint, s.platform, s.channel,
                  CASE WHEN d.message_id IS NULL THEN 'post' ELSE 'update' END, $2::timestamptz
           FROM subscriptions s
           JOIN stories st ON st.id = $1
           LEFT JOIN deliveries d ON d.story_id = st.id AND d.platform = s.platform
                                  AND d.channel = s.channel
           WHERE s.broken_at IS NULL AND st.topics ? s.topic
           ON CONFLICT DO NOTHING""",
        story_id, now,
    )
    return _count(status)


def _count(status: str) -> int:
    """The row count of a command status ("UPDATE 3", "INSERT 0 2")."""
    return int(status.rsplit(" ", 1)[-1])


# The causes StorageError names (see storage/errors.py), by PostgreSQL's SQLSTATE class
# or code: the scheduler says a fault once per change of cause.
_CAUSES = {"53100": "disk full", "25006": "read-only", "XX001": "damaged", "XX002": "damaged",
           "58030": "I/O error", "40P01": "locked", "55P03": "locked", "08": "unreachable",
           "57P": "unreachable"}


def _cause(exc: BaseException) -> str:
    if isinstance(exc, OSError | asyncpg.InterfaceError):
        return "unreachable"  # the server is down, or the connection was cut
    code = str(getattr(exc, "sqlstate", "") or "")
    return _CAUSES.get(code) or _CAUSES.get(code[:3]) or _CAUSES.get(code[:2]) or "error"
