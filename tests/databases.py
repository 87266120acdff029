"""Fresh databases for tests: a SQLite file, or a database of its own on the PostgreSQL server
that TREATYWATCH_TEST_POSTGRES_URL names (.ci/run starts one; see the README)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from storage.postgres import PostgresStore

POSTGRES_ENV = "TREATYWATCH_TEST_POSTGRES_URL"
NO_SERVER = (f"no PostgreSQL server: set {POSTGRES_ENV}=postgresql://user@host:port/postgres "
             "(a role that may create databases), or run .ci/run, which starts one")
_template: str | None = None  # a migrated database that each test's database copies


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(NO_SERVER)
    return url


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _template_database(admin: str) -> str:
    """Made once per test run: migrating takes longer than copying."""
    global _template
    if _template is None:
        name = f"tw_template_{os.getpid()}"
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name}")
            await conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        finally:
            await conn.close()
        store = await PostgresStore.open(with_database(admin, name))
        await store.close()
        _template = name
    return _template


async def drop_template() -> None:
    if _template is not None:
        conn = await asyncpg.connect(postgres_admin_url())
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {_template} WITH (FORCE)")
        finally:
            await conn.close()


@asynccontextmanager
async def fresh_postgres(*, migrated: bool = True) -> AsyncIterator[str]:
    """The URL of a new database, dropped afterwards: migrated to the latest schema (a
    copy of the template), or empty."""
    admin = postgres_admin_url()
    template = await _template_database(admin) if migrated else "template0"
    name = f"tw_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await conn.close()
    try:
        yield with_database(admin, name)
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await conn.close()


@asynccontextmanager
async def fresh_database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL of `kind` ("sqlite" or "postgresql") that no other test uses."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tw.sqlite'}"
        return
    async with fresh_postgres() as url:
        yield url
