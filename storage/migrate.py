"""`migrate-db`: a SQLite installation's data copied into PostgreSQL, whole and checked.

The copy reads one snapshot of the SQLite file (a read transaction: the bot may keep
running), writes every table in one PostgreSQL transaction, and compares before it
commits: row counts, each story (its items and topics) and each delivery (the platform's
message id, so edits still reach the message already posted). Pending outbox rows come
along, so nothing is lost; deliveries come along, so nothing is posted again.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from storage.errors import StorageError
from storage.postgres import PostgresStore
from storage.schema import LATEST
from storage.sqlite import SQLiteStore, _dt_req

# Parents before children (foreign keys).
TABLES = ("feeds", "stories", "items", "item_keys", "troop_claims", "article_citations",
          "subscriptions", "deliveries", "outbox", "digest_posts")


@dataclass(frozen=True, slots=True)
class Copied:
    rows: dict[str, int]  # per table
    stories: int
    deliveries: int
    pending: int  # outbox rows not yet delivered


async def sqlite_to_postgres(source: Path, target_url: str) -> Copied:
    if not await asyncio.to_thread(source.exists):
        raise StorageError(f"{source}: no such database")
    # Brought to this version's schema first, as the bot would on its next start.
    await (await SQLiteStore.open(source)).close()
    target = await PostgresStore.open(target_url)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
        try:
            src.execute("BEGIN")  # one snapshot for every table, however the bot writes
            if src.execute("PRAGMA user_version").fetchone()[0] != LATEST:
                raise StorageError(f"{source}: schema is not at version {LATEST}")
            async with target._tx() as conn:
                await _refuse_data(conn, target.where)
                for table in TABLES:
                    await _copy_table(src, conn, table)
                copied = await _check(src, conn, source, target.where)
        finally:
            src.close()
    finally:
        await target.close()
    return copied


async def _refuse_data(conn: asyncpg.Connection, where: str) -> None:
    for table in TABLES:
        if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
            raise StorageError(f"{where}: table {table} has data; migrate into a new database")


async def _copy_table(src: sqlite3.Connection, conn: asyncpg.Connection, table: str) -> None:
    types = {r[0]: r[1] for r in await conn.fetch(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = $1""", table)}
    cursor = src.execute(f"SELECT * FROM {table}")
    columns = [d[0] for d in cursor.description]
    missing = [c for c in columns if c not in types]
    if missing:
        raise StorageError(f"{table}: columns {missing} have no place in PostgreSQL")
    convert = [_converter(types[c]) for c in columns]
    while rows := cursor.fetchmany(5000):
        await conn.copy_records_to_table(
            table, columns=columns,
            records=[tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows],
        )
    if types.get("id") == "bigint":  # identity columns continue after the copied ids
        await conn.execute(
            f"""SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                   coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"""
        )


def _converter(pg_type: str) -> Any:
    if pg_type == "timestamp with time zone":
        return lambda v: None if v is None else _dt_req(v)
    if pg_type == "boolean":
        return lambda v: None if v is None else bool(v)
    return lambda v: v


async def _check(
    src: sqlite3.Connection, conn: asyncpg.Connection, source: Path, where: str
) -> Copied:
    rows: dict[str, int] = {}
    for table in TABLES:
        before = src.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        after = await conn.fetchval(f"SELECT count(*) FROM {table}")
        if before != after:
            raise StorageError(f"{where}: {table} has {after} rows, {source} {before}")
        rows[table] = after
    stories = _same(
        [(r[0], r[1], tuple(json.loads(r[2]))) for r in src.execute(
            """SELECT s.id, (SELECT count(*) FROM items i WHERE i.story_id = s.id), s.topics
               FROM stories s ORDER BY s.id""")],
        [(r[0], r[1], tuple(json.loads(r[2]))) for r in await conn.fetch(
            """SELECT s.id, (SELECT count(*) FROM items i WHERE i.story_id = s.id), s.topics
               FROM stories s ORDER BY s.id""")],
        "stories", where,
    )
    deliveries = _same(
        src.execute("""SELECT story_id, platform, channel, message_id FROM deliveries
                       ORDER BY 1, 2, 3""").fetchall(),
        [tuple(r) for r in await conn.fetch(
            """SELECT story_id, platform, channel, message_id FROM deliveries
               ORDER BY 1, 2, 3""")],
        "deliveries", where,
    )
    pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE done_at IS NULL")
    return Copied(rows, stories, deliveries, pending)


def _same(before: Sequence[Any], after: Sequence[Any], what: str, where: str) -> int:
    if list(before) != list(after):
        differ = next(i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b)
        raise StorageError(f"{where}: {what} differ from the source (first at row {differ})")
    return len(after)
