"""SQLite storage through aiosqlite: one file, WAL, explicit write transactions."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.errors import (
    FeedExistsError,
    NotOurDatabaseError,
    SchemaTooNewError,
    StorageError,
    StoryGoneError,
    one_line,
)
from storage.schema import LATEST, MIGRATIONS
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

BUSY_TIMEOUT_MS = 10_000
_T = TypeVar("_T")
_KEYS_PER_QUERY = 100
_IDS_PER_QUERY = 500  # of fold_items: well inside SQLite's bound on parameters


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(value: str | None) -> datetime | None:
    if value is None:
        return None
    return _dt_req(value)


@lru_cache(maxsize=4096)  # consecutive items of a poll share most of their fold candidates
def _dt_req(value: str) -> datetime:
    # fromisoformat reads what _ts writes ten times faster than strptime, which shows when a
    # query returns hundreds of rows; strptime still checks anything else.
    if len(value) == 27 and value[-1] == "Z":
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# SQLite's primary result codes (the low byte of an extended code) that name a fault.
_CAUSES = {
    "SQLITE_FULL": "disk full",
    "SQLITE_READONLY": "read-only",
    "SQLITE_CORRUPT": "damaged",
    "SQLITE_NOTADB": "damaged",
    "SQLITE_IOERR": "I/O error",
    "SQLITE_CANTOPEN": "I/O error",
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
}
_PRIMARY = {getattr(sqlite3, name): name for name in _CAUSES if hasattr(sqlite3, name)}


def _fault(path: Path, exc: sqlite3.Error) -> StorageError:
    """The driver's error as one line that names its cause: "disk full", "read-only",
    "damaged", "I/O error", "locked" (or "error")."""
    code = getattr(exc, "sqlite_errorcode", None)
    cause = _CAUSES.get(_PRIMARY.get(code & 0xFF, "") if isinstance(code, int) else "", "error")
    if cause in ("I/O error", "read-only", "error"):
        # A filesystem remounted read-only or out of space mostly shows as an I/O error.
        cause = _filesystem_state(path) or cause
    return StorageError(f"{path}: {cause} ({one_line(exc)})", cause)


def _filesystem_state(path: Path) -> str | None:
    try:
        fs = os.statvfs(path.parent)
    except OSError:
        return None
    if fs.f_flag & os.ST_RDONLY or _refuses_writes(path):
        return "read-only"
    if fs.f_bavail == 0:
        return "disk full"
    return None


def _refuses_writes(path: Path) -> bool:
    """An ext4 that hit an error turns read-only (errors=remount-ro) without saying so in
    statvfs; opening the file for writing (it changes nothing) tells."""
    try:
        os.close(os.open(path, os.O_WRONLY))
    except OSError as exc:
        return exc.errno == errno.EROFS
    return False


def _empty_file(path: Path) -> bool:
    """An existing 0-byte file with no WAL beside it: a database with content in its WAL
    alone is still a database."""
    try:
        if path.stat().st_size:
            return False
    except FileNotFoundError:
        return False
    wal = Path(f"{path}-wal")
    return not (wal.exists() and wal.stat().st_size)


def _set_aside(path: Path) -> None:
    """Rename a refused file (and its -wal, -shm) out of the way: --init starts afresh but
    never deletes what someone may still want."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.refused-{stamp}")
    for suffix in ("-wal", "-shm", ""):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(f"{aside}{suffix}")


class SQLiteStore:
    """The default store. Writers take the lock up front (BEGIN IMMEDIATE) so that two
    writers queue on the busy timeout instead of failing with "database is locked"."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self.where = str(path)
        # One connection serves all coroutines: their transactions must take turns.
        self._lock = asyncio.Lock()

    # --- lifecycle ------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, *, init: bool = False) -> SQLiteStore:
        """Open (or create) the database. An empty file (a failed copy, say) or another
        program's file is refused in one line: taken as a new database, it would make the bot
        alert again everything still within max_age. With `init`, such a file is set aside
        (renamed, never deleted) and a new database is started in its place."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return await cls._open(path)
        except NotOurDatabaseError:
            if not init:
                raise
        _set_aside(path)
        return await cls._open(path)

    @classmethod
    async def _open(cls, path: Path) -> SQLiteStore:
        if _empty_file(path):
            raise NotOurDatabaseError(
                f"{path}: the file is empty (0 bytes), not a treatywatch database; give "
                "--init to start a new database there (the file is set aside)", "damaged")
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise _fault(path, exc) from None
        store = cls(db, path)
        try:
            await store._prepare()
        except sqlite3.DatabaseError as exc:
            await db.close()
            fault = _fault(path, exc)
            if fault.cause == "damaged":
                raise NotOurDatabaseError(
                    f"{path}: not a treatywatch database, or damaged ({exc}); give --init to "
                    "start a new database there (the file is set aside)", "damaged") from None
            raise fault from None
        except BaseException:
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
            raise StorageError(f"{self.path}: database is damaged ({row[0] if row else '?'})",
                               "damaged")
        version = await self._scalar("PRAGMA user_version")
        if version > LATEST:
            raise SchemaTooNewError(
                f"{self.path}: database schema version {version} is newer than this "
                f"treatywatch understands ({LATEST}); upgrade treatywatch"
            )
        if version == 0 and await self._scalar("SELECT count(*) FROM sqlite_master"):
            raise NotOurDatabaseError(
                f"{self.path}: not a treatywatch database (it has other tables); give --init "
                "to start a new database there (the file is set aside)")
        # Only now that the file is known to be ours may it be changed.
        await db.execute("PRAGMA journal_mode = WAL")
        # NORMAL: in WAL mode a commit reaches the disk at the next checkpoint, or with the
        # next durable commit (each syncs the whole WAL). Durable: what a platform was sent
        # (`mark_sending`, `mark_delivered`, `record_digest`) and the schema. An OS crash or a
        # filesystem gone read-only can then take back the last items (the next poll fetches
        # them again), never a delivery: with NORMAL alone a restart would post it again.
        # FULL everywhere costs about 4 ms more per item saved (benchmarks/inserts.py).
        await db.execute("PRAGMA synchronous = NORMAL")
        await self._migrate(version)

    async def _migrate(self, version: int) -> None:
        for step in range(version + 1, LATEST + 1):
            async with self._write(durable=True):
                for statement in MIGRATIONS[step]:
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {step}")
        async with self._db.execute("PRAGMA foreign_key_check") as cur:
            if await cur.fetchone():
                raise StorageError(f"{self.path}: foreign key check failed after migration")

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def _write(self, *, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; `durable`: on disk when this returns (synchronous FULL)."""
        async with self._lock:
            if durable:
                await self._db.execute("PRAGMA synchronous = FULL")
            try:
                # Inside the try: a task cancelled while BEGIN waits on the busy timeout must
                # not leave the connection in a transaction that no one will end.
                await self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                # Inside the try too: on a full or read-only disk it is COMMIT that fails.
                await self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                await self._rollback()
                raise _fault(self.path, exc) from None
            except BaseException:
                await self._rollback()
                raise
            finally:
                if durable:
                    await self._db.execute("PRAGMA synchronous = NORMAL")

    async def _rollback(self) -> None:
        # aiosqlite runs statements in order on its thread, so a cancelled statement has run
        # (or will) before this ROLLBACK; "no transaction is active" means BEGIN never ran.
        with suppress(sqlite3.OperationalError):
            await self._db.execute("ROLLBACK")

    async def _transaction(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` in a write transaction, whole, on the connection's thread.

        Each statement sent through aiosqlite is a round trip between threads (about 70 µs,
        more on a busy machine); saving an item takes a dozen statements. Here the whole
        transaction is one round trip. It either commits or rolls back on that thread, so a
        cancelled caller never leaves the connection inside a transaction.
        """
        async with self._lock:
            try:
                # aiosqlite's own way to run a function on its thread (every execute() goes
                # through it); tests/test_storage.py checks that it is there.
                return await self._db._execute(_in_transaction, self._db._conn, work)
            except sqlite3.Error as exc:
                raise _fault(self.path, exc) from None

    async def _update(self, sql: str, params: Sequence[Any]) -> None:
        """One statement as its own write transaction, in one round trip."""
        await self._transaction(lambda conn: conn.execute(sql, params))

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._rows(sql, params)
        return rows[0][0] if rows else None

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        # One round trip to aiosqlite's thread; a cursor would take three.
        try:
            return list(await self._db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise _fault(self.path, exc) from None

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it: what frees its space once the
        disk has room again (a WAL only ever grows while a fault stops checkpoints)."""
        await self._rows("PRAGMA wal_checkpoint(TRUNCATE)")

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
        return self._feed_states(await self._rows(f"SELECT * FROM feeds {where} ORDER BY name"))

    @staticmethod
    def _feed_states(rows: list[sqlite3.Row]) -> list[FeedState]:
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

    async def due_feeds(self, now: datetime, limit: int, *, failing: bool) -> list[FeedState]:
        """Active feeds whose next poll is due, the longest overdue (or never polled) first:
        those whose last poll failed, or the others."""
        return self._feed_states(await self._rows(
            f"""SELECT * FROM feeds WHERE active AND (next_poll IS NULL OR next_poll <= ?)
                AND failures {'>' if failing else '='} 0
                ORDER BY next_poll IS NOT NULL, next_poll, id LIMIT ?""",
            (_ts(now), limit),
        ))

    async def probe(self, now: datetime) -> None:
        """A small write, to learn whether writes work again after a fault."""
        await self._update(
            "INSERT INTO store_probe (id, at) VALUES (1, ?) ON CONFLICT DO UPDATE SET at = "
            "excluded.at", (_ts(now),))

    async def claim_feeds(
        self, worker: str, feed_ids: Sequence[int], now: datetime, lease: timedelta
    ) -> list[int]:
        """All of them: one process polls a SQLite file, and its Poller never starts a
        feed twice."""
        return list(feed_ids)

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
        await self._update(
            """UPDATE feeds SET etag = ?, last_modified = ?, url = coalesce(?, url),
               last_polled = ?, last_success = ?, next_poll = ?, failures = 0
               WHERE id = ?""",
            (etag, last_modified, url, _ts(now), _ts(now), _ts(next_poll), feed_id),
        )

    async def record_not_modified(self, feeds: Sequence[tuple[int, datetime, datetime]]) -> None:
        """(feed id, polled at, next poll) of feeds that answered 304, in one transaction: a
        poll's feeds answer 304 by the hundred."""
        await self._transaction(lambda conn: conn.executemany(
            """UPDATE feeds SET last_polled = ?, last_success = ?, next_poll = ?, failures = 0
               WHERE id = ?""",
            [(_ts(now), _ts(now), _ts(next_poll), feed_id) for feed_id, now, next_poll in feeds],
        ))

    async def record_failure(
        self, feed_id: int, now: datetime, next_poll: datetime, error: str
    ) -> None:
        await self._update(
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

    def fold_lock(self, keys: Sequence[str]) -> AbstractAsyncContextManager[None]:
        # One process writes a SQLite file, and its pipeline folds one item at a time.
        return nullcontext()

    async def find_item(self, feed_id: int, guid: str, link: str) -> tuple[int, int] | None:
        """(item id, story id) of the stored item with this guid in this feed, or this
        canonical link in any feed."""
        rows = await self._rows(
            """SELECT id, story_id FROM items
               WHERE (feed_id = ? AND guid = ?) OR (link != '' AND link = ?) LIMIT 1""",
            (feed_id, guid, link),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    async def find_items(
        self, feed_id: int, items: Sequence[tuple[str, str]]
    ) -> list[tuple[int, int] | None]:
        """find_item of each (guid, link), in one query per few hundred: a feed polled again
        holds mostly items stored already."""
        by_guid: dict[str, tuple[int, int]] = {}
        by_link: dict[str, tuple[int, int]] = {}
        for start in range(0, len(items), _KEYS_PER_QUERY):
            chunk = items[start : start + _KEYS_PER_QUERY]
            guids = list({guid for guid, _ in chunk})
            links = list({link for _, link in chunk if link})
            rows = await self._rows(
                f"""SELECT id, story_id, feed_id, guid, link FROM items
                    WHERE (feed_id = ? AND guid IN ({",".join("?" * len(guids))}))
                    OR (link != '' AND link IN ({",".join("?" * len(links))})) ORDER BY id""",
                (feed_id, *guids, *links),
            )
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
        """Stored items that share a key with the item, within [since, until].

        Each key brings at most `per_key` items on either side of the middle of the range,
        the nearest in time: a stock phrase's hash is shared by a few items a day, and over
        years of news would otherwise bring thousands of rows per query. Each part is a
        range search of the item_keys index, so a query costs the same for 1,000 stories as
        for 1,000,000.
        """
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        middle, first, last = _ts(since + (until - since) / 2), _ts(since), _ts(until)
        near = (
            "SELECT item_id FROM (SELECT item_id FROM item_keys WHERE key = ? "
            "AND published > ? AND published <= ? ORDER BY published LIMIT ?) "
            "UNION ALL SELECT item_id FROM (SELECT item_id FROM item_keys WHERE key = ? "
            "AND published >= ? AND published <= ? ORDER BY published DESC LIMIT ?)"
        )
        rows: list[sqlite3.Row] = []
        # SQLite allows 500 terms in a compound SELECT; a hostile text can hold hundreds of
        # troop figures, each a key.
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[start : start + _KEYS_PER_QUERY]
            params: list[Any] = []
            for key in chunk:
                params += [key, middle, last, per_key, key, first, middle, per_key]
            rows += await self._rows(
                f"""SELECT i.id, i.story_id, i.published, i.features FROM items i
                    WHERE i.id IN ({" UNION ALL ".join([near] * len(chunk))})
                    ORDER BY i.published DESC LIMIT ?""",
                (*params, limit),
            )
        if len(keys) > _KEYS_PER_QUERY:
            unique = {r[0]: r for r in rows}.values()
            rows = sorted(unique, key=lambda r: r[2], reverse=True)[:limit]
        return [StoredCandidate(r[0], r[1], _dt_req(r[2]), r[3]) for r in rows]

    async def window(
        self, since: datetime, until: datetime, per_side: int = EMBEDDED_PER_SIDE
    ) -> list[WindowItem]:
        """The embedded items (those with a vector) published within [since, until]: at most
        `per_side` on either side of the middle, the nearest to it.

        A range search of the partial index items_embedded: the cost follows the items of
        those days, not the items stored. The bound keeps a burst (a first poll of a
        thousand feeds, all of one day) from bringing every item of the day into each fold.
        """
        middle, first, last = _ts(since + (until - since) / 2), _ts(since), _ts(until)
        rows = await self._rows(
            """SELECT i.*, s.first_published FROM (
                 SELECT * FROM (SELECT id, story_id, published FROM items
                                WHERE vector IS NOT NULL AND published > ? AND published <= ?
                                ORDER BY published LIMIT ?)
                 UNION ALL
                 SELECT * FROM (SELECT id, story_id, published FROM items
                                WHERE vector IS NOT NULL AND published >= ? AND published <= ?
                                ORDER BY published DESC LIMIT ?)
               ) i JOIN stories s ON s.id = i.story_id""",
            (middle, last, per_side, first, middle, per_side),
        )
        return [WindowItem(r[0], r[1], _dt_req(r[2]), _dt_req(r[3])) for r in rows]

    async def fold_items(self, item_ids: Sequence[int]) -> list[StoredCandidate]:
        """The items of `item_ids` as the fold reads them: features, vector, story's start."""
        ids = list(dict.fromkeys(item_ids))
        rows: list[sqlite3.Row] = []
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            rows += await self._rows(
                f"""SELECT i.id, i.story_id, i.published, i.features, i.vector,
                           s.first_published
                    FROM items i JOIN stories s ON s.id = i.story_id
                    WHERE i.id IN ({", ".join("?" * len(chunk))})""",
                chunk,
            )
        return [StoredCandidate(r[0], r[1], _dt_req(r[2]), r[3], r[4], _dt_req(r[5]))
                for r in rows]

    async def save_item(self, new: NewItem, now: datetime) -> SavedItem | None:
        """Store an item, its story change and the deliveries it causes, all or nothing.

        Returns None when the item is already stored (same guid in the feed, or same link).
        """
        return await self._transaction(partial(_save_item, new=new, now=now))

    async def save_items(
        self, items: Sequence[NewItem], now: datetime
    ) -> list[SavedItem | None]:
        """save_item for several items in one transaction: all of them or none. Each item's
        deliveries are queued in that same transaction, as with save_item. An item may name
        a story an earlier item of the batch created, or merged away (then all fail)."""
        def save_all(conn: sqlite3.Connection) -> list[SavedItem | None]:
            return [_save_item(conn, new=new, now=now) for new in items]

        return await self._transaction(save_all)

    async def story(self, story_id: int) -> Story | None:
        found = await self._rows("SELECT * FROM stories WHERE id = ?", (story_id,))
        if not found:
            return None
        row = found[0]
        items = await self._rows(
            """SELECT i.id, f.name, i.title, i.link, i.published, i.language, i.outlet,
               substr(i.summary, 1, 2000), json_extract(i.why, '$.topics')
               FROM items i JOIN feeds f ON f.id = i.feed_id
               WHERE i.story_id = ?
               ORDER BY i.published, i.id""",
            (story_id,),
        )
        troops = await self._rows(
            f"""SELECT {_TROOP_COLUMNS} FROM troop_claims t JOIN items i ON i.id = t.item_id
               JOIN feeds f ON f.id = i.feed_id WHERE i.story_id = ? ORDER BY i.published, t.id""",
            (story_id,),
        )
        return Story(
            id=row["id"], title=row["title"], link=row["link"], summary=row["summary"],
            created_at=_dt_req(row["created_at"]), updated_at=_dt_req(row["updated_at"]),
            first_published=_dt_req(row["first_published"]),
            topics=json.loads(row["topics"]), articles=json.loads(row["articles"]),
            items=[StoryItem(r[0], r[1], r[2], r[3], _dt_req(r[4]), r[5], r[6], r[7],
                             topic_terms(r[8]))
                   for r in items],
            troops=[_troop_record(r) for r in troops],
        )

    async def story_sizes(self) -> dict[int, int]:
        """How many stories hold each number of items (a benchmark's histogram)."""
        rows = await self._rows("SELECT item_count, count(*) FROM stories GROUP BY item_count")
        return {r[0]: r[1] for r in rows}

    async def article_news(self, article: int, now: datetime, limit: int = 10) -> ArticleNews:
        """The stories that cite an article, newest first, with counts over 7 and 30 days."""
        # The counts are made in SQL and only the shown stories are read: an article of
        # years of news is cited by thousands of stories (timestamps compare as text). Every
        # item's story exists (a foreign key), so the stories are joined after the grouping.
        rows = await self._rows(
            """WITH cited AS (
                 SELECT i.story_id AS story, max(c.published) AS at,
                        min(CASE c.how WHEN 'number' THEN 0 ELSE 1 END) AS how
                 FROM article_citations c JOIN items i ON i.id = c.item_id
                 WHERE c.article = ? GROUP BY i.story_id),
               ranked AS (
                 SELECT story, at, how, count(*) OVER () AS total,
                        sum(at >= ?) OVER () AS week, sum(at >= ?) OVER () AS month
                 FROM cited ORDER BY at DESC, story DESC LIMIT ?)
               SELECT s.id, s.title, s.link, r.at, r.how, r.total, r.week, r.month
               FROM ranked r JOIN stories s ON s.id = r.story ORDER BY r.at DESC, r.story DESC""",
            (article, _ts(now - timedelta(days=7)), _ts(now - timedelta(days=30)), limit),
        )
        stories = [
            CitingStory(r[0], r[1], r[2], _dt_req(r[3]), "number" if r[4] == 0 else "phrasing")
            for r in rows
        ]
        if not rows:
            return ArticleNews(article, [], 0, 0, 0)
        return ArticleNews(article, stories, rows[0][6], rows[0][7], rows[0][5])

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

    async def drop_platform(self, platform: str, now: datetime) -> None:
        """Unsubscribe every channel of a platform and close what is queued for it: for a
        one-off command's own platform (the terminal), once it is done."""
        async with self._write() as db:
            await db.execute("DELETE FROM subscriptions WHERE platform = ?", (platform,))
            await db.execute(
                "UPDATE outbox SET done_at = ?, last_error = 'unsubscribed' "
                "WHERE platform = ? AND done_at IS NULL",
                (_ts(now), platform),
            )

    async def pending(self, platform: str, limit: int = 100) -> list[OutboxEntry]:
        rows = await self._rows(
            """SELECT o.id, o.story_id, o.platform, o.channel, o.action, d.message_id, o.attempts,
                 (SELECT s.role FROM subscriptions s JOIN stories st ON st.id = o.story_id
                  WHERE s.platform = o.platform AND s.channel = o.channel AND s.role IS NOT NULL
                    AND s.topic IN (SELECT value FROM json_each(st.topics))
                  ORDER BY s.topic LIMIT 1), o.sent_at, o.changes
               FROM outbox o LEFT JOIN deliveries d ON d.story_id = o.story_id
                 AND d.platform = o.platform AND d.channel = o.channel
               WHERE o.platform = ? AND o.done_at IS NULL ORDER BY o.id LIMIT ?""",
            (platform, limit),
        )
        return [OutboxEntry(*r[:8], sent_at=_dt(r[8]), changes=r[9]) for r in rows]

    async def lease_outbox(
        self, platform: str, worker: str, lease: timedelta, limit: int = 100
    ) -> list[OutboxEntry]:
        """The pending rows: one process delivers from a SQLite file."""
        return await self.pending(platform, limit)

    async def mark_sending(self, entry: OutboxEntry, now: datetime) -> None:
        """Called just before a post goes out: until it is marked delivered its outcome is
        unknown, and a retry looks for it on the platform first (from the first attempt).
        Durable: lost, the retry would post without looking."""
        async with self._write(durable=True) as db:
            await db.execute("UPDATE outbox SET sent_at = coalesce(sent_at, ?) WHERE id = ?",
                             (_ts(now), entry.id))

    async def mark_delivered(self, entry: OutboxEntry, message_id: str, now: datetime) -> bool:
        """Called only after the platform accepted the message; keeps its id for edits.

        When the story changed after `entry` was read (a source joined while the message
        was on its way, or while the bot was down with the post's outcome unknown), the
        message shows the older story: an update is queued in the same transaction. True
        then. Durable, as every record of what a platform shows."""
        async with self._write(durable=True) as db:
            await db.execute(
                """INSERT INTO deliveries (story_id, platform, channel, message_id, posted_at,
                   updated_at) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO UPDATE SET updated_at = excluded.updated_at""",
                (entry.story_id, entry.platform, entry.channel, message_id, _ts(now), _ts(now)),
            )
            await db.execute("UPDATE outbox SET done_at = ? WHERE id = ?", (_ts(now), entry.id))
            cur = await db.execute(
                """INSERT INTO outbox (story_id, platform, channel, action, created_at)
                   SELECT story_id, platform, channel, 'update', ? FROM outbox
                   WHERE id = ? AND changes > ?""",
                (_ts(now), entry.id, entry.changes),
            )
            return cur.rowcount > 0

    async def mark_failed(self, entry: OutboxEntry, error: str) -> None:
        async with self._write() as db:
            await db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, entry.id),
            )

    # --- summaries ------------------------------------------------------------------------

    async def stats(self) -> Stats:
        [row] = await self._rows(
            """SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM feeds WHERE failures > 0),
                      (SELECT count(*) FROM items), (SELECT count(*) FROM stories),
                      (SELECT count(*) FROM stories WHERE alerted),
                      (SELECT count(*) FROM outbox WHERE done_at IS NULL),
                      (SELECT count(*) FROM deliveries)"""
        )
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

    async def troop_claims(
        self, limit: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[TroopRecord]:
        """Troop figures claimed, newest first."""
        rows = await self._rows(
            f"""SELECT {_TROOP_COLUMNS} FROM troop_claims t JOIN items i ON i.id = t.item_id
               JOIN feeds f ON f.id = i.feed_id
               WHERE i.published >= coalesce(?, '') AND i.published < coalesce(?, '~')
               ORDER BY i.published DESC, t.id LIMIT ?""",
            (_ts(since), _ts(until), limit),
        )
        return [_troop_record(r) for r in rows]

    async def item_rows(self, item_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Title, link, feed and (current) story of items, for explaining decisions."""
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        rows = await self._rows(
            f"""SELECT i.id, i.title, i.link, f.name, i.story_id FROM items i
                JOIN feeds f ON f.id = i.feed_id WHERE i.id IN ({marks})""",
            list(item_ids),
        )
        return {r[0]: {"title": r[1], "link": r[2], "feed": r[3], "story": r[4]} for r in rows}

    async def item_story_ids(self) -> dict[int, int]:
        """Every stored item's story, as folding and merging left it (the quality scorer)."""
        rows = await self._rows("SELECT id, story_id FROM items")
        return {r[0]: r[1] for r in rows}

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
        the week already has a row for that channel: the first record stands. Durable."""
        async with self._write(durable=True) as db:
            cur = await db.execute(
                """INSERT INTO digest_posts (week, platform, channel, status, message_id, at)
                   VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (post.week, post.platform, post.channel, post.status, post.message_id,
                 _ts(post.at)),
            )
            return cur.rowcount > 0


_TROOP_COLUMNS = """t.figure, t.claimant, t.sentence, i.id, i.story_id, i.published, i.link,
    t.qualifier, t.kind, CASE WHEN i.outlet != '' THEN i.outlet ELSE f.name END"""


def _troop_record(r: Sequence[Any]) -> TroopRecord:
    return TroopRecord(r[0], r[1], r[2], r[3], r[4], _dt_req(r[5]), r[6], r[7], r[8], r[9])


# --- writing items: whole transactions on the connection's thread ------------------------------


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], _T]) -> _T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.OperationalError):  # BEGIN failed, or SQLite rolled back already
            conn.execute("ROLLBACK")
        raise
    return result


def _save_item(conn: sqlite3.Connection, *, new: NewItem, now: datetime) -> SavedItem | None:
    dup = conn.execute(
        """SELECT id FROM items WHERE (feed_id = ? AND guid = ?)
           OR (link != '' AND link = ?) LIMIT 1""",
        (new.feed_id, new.guid, new.link),
    ).fetchone()
    if dup is not None:
        return None
    story_id, created = _story_for(conn, new, now)
    merged = tuple([m for m in new.merge if _merge(conn, story_id, m)])
    published = _ts(new.published)
    cur = conn.execute(
        """INSERT INTO items (feed_id, story_id, guid, link, title, summary, published,
           date_from_feed, first_seen, language, topics, articles, why, features, alerted,
           vector, outlet)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (new.feed_id, story_id, new.guid, new.link, new.title, new.summary,
         published, int(new.date_from_feed), _ts(new.first_seen), new.language,
         json.dumps(new.topics), json.dumps(new.articles),
         json.dumps(new.why, ensure_ascii=False), json.dumps(new.features), int(new.alert),
         new.vector, new.outlet),
    )
    item_id = cur.lastrowid
    assert item_id is not None
    conn.executemany(
        "INSERT INTO item_keys (key, item_id, published) VALUES (?, ?, ?)",
        [(key, item_id, published) for key in dict.fromkeys(new.keys)],
    )
    citations = [(item_id, n, "number", published) for n in new.articles]
    citations += [
        (item_id, n, "phrasing", published)
        for n in new.phrased_articles if n not in new.articles
    ]
    if citations:
        conn.executemany(
            """INSERT OR IGNORE INTO article_citations (item_id, article, how, published)
               VALUES (?, ?, ?, ?)""",
            citations,
        )
    if new.troops:
        conn.executemany(
            """INSERT INTO troop_claims (item_id, figure, claimant, sentence, qualifier, kind)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [(item_id, t["figure"], t["claimant"], t["sentence"], t.get("qualifier"),
              t.get("kind") or "deployed") for t in new.troops],
        )
    queued = _queue(conn, story_id, now) if new.alert and new.topics else 0
    return SavedItem(item_id, story_id, created, queued, merged)


def _story_for(conn: sqlite3.Connection, new: NewItem, now: datetime) -> tuple[int, bool]:
    if new.story_id is None:
        cur = conn.execute(
            """INSERT INTO stories (title, link, summary, created_at, updated_at,
               first_published, last_published, topics, articles, item_count, alerted)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)""",
            (new.title, new.link, new.summary[:2000], _ts(now), _ts(now), _ts(new.published),
             _ts(new.published), json.dumps(sorted(new.topics)), json.dumps(new.articles),
             int(new.alert and bool(new.topics))),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid, True
    row = conn.execute(
        "SELECT topics, articles, first_published, last_published FROM stories WHERE id = ?",
        (new.story_id,),
    ).fetchone()
    if row is None:
        raise StoryGoneError(f"story {new.story_id} does not exist")
    topics = sorted(set(json.loads(row[0])) | set(new.topics))
    articles = list(dict.fromkeys([*json.loads(row[1]), *new.articles]))
    first = min(_dt_req(row[2]), new.published)
    last = max(_dt_req(row[3]), new.published)
    conn.execute(
        """UPDATE stories SET topics = ?, articles = ?, first_published = ?,
           last_published = ?, updated_at = ?, item_count = item_count + 1,
           alerted = max(alerted, ?) WHERE id = ?""",
        (json.dumps(topics), json.dumps(articles), _ts(first), _ts(last), _ts(now),
         int(new.alert and bool(new.topics)), new.story_id),
    )
    return new.story_id, False


def _merge(conn: sqlite3.Connection, keep: int, drop: int) -> bool:
    """Fold story `drop` into `keep`, unless a platform already shows `drop` (or may: a post
    whose outcome is unknown): a posted message stays the story it was."""
    row = conn.execute(
        "SELECT topics, articles, first_published, last_published, alerted FROM stories "
        "WHERE id = ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE story_id = ?) "
        "AND NOT EXISTS (SELECT 1 FROM outbox WHERE story_id = ? AND sent_at IS NOT NULL)",
        (drop, drop, drop),
    ).fetchone()
    if row is None or keep == drop:
        return False
    conn.execute("UPDATE items SET story_id = ? WHERE story_id = ?", (keep, drop))
    conn.execute(
        """UPDATE outbox SET story_id = ? WHERE story_id = ? AND done_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.story_id = ? AND o.done_at IS NULL
                           AND o.platform = outbox.platform AND o.channel = outbox.channel)""",
        (keep, drop, keep),
    )
    conn.execute("DELETE FROM outbox WHERE story_id = ?", (drop,))
    kept = conn.execute(
        "SELECT topics, articles, first_published, last_published FROM stories WHERE id = ?",
        (keep,),
    ).fetchone()
    assert kept is not None
    conn.execute(
        """UPDATE stories SET topics = ?, articles = ?, first_published = ?,
           last_published = ?, item_count = (SELECT count(*) FROM items WHERE story_id = ?),
           alerted = max(alerted, ?) WHERE id = ?""",
        (json.dumps(sorted(set(json.loads(kept[0])) | set(json.loads(row[0])))),
         json.dumps(list(dict.fromkeys([*json.loads(kept[1]), *json.loads(row[1])]))),
         min(kept[2], row[2]), max(kept[3], row[3]), keep, row[4], keep),
    )
    conn.execute("DELETE FROM stories WHERE id = ?", (drop,))
    return True


def _queue(conn: sqlite3.Connection, story_id: int, now: datetime) -> int:
    """One outbox row per subscribed channel: a post if the channel never got the story,
    else an update; never two pending rows for one story and channel. A row already
    pending is marked changed: what it sends may have been read before this change."""
    conn.execute(
        "UPDATE outbox SET changes = changes + 1 WHERE story_id = ? AND done_at IS NULL",
        (story_id,),
    )
    cur = conn.execute(
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
