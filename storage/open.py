"""Which store a database URL names: `sqlite:///path` (the default) or `postgresql://…`."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage.errors import StorageError
from storage.protocol import Store

DATABASE_ENV = "TREATYWATCH_DATABASE_URL"
_POSTGRES = ("postgresql", "postgres")


def database_url(given: str | None, configured: str | None, default_path: Path) -> str:
    """The database to use: the one `given` on the command line, else
    TREATYWATCH_DATABASE_URL, else the config's `database`, else a SQLite file at
    `default_path`. A bare path means a SQLite file."""
    url = given or os.environ.get(DATABASE_ENV) or configured or str(default_path)
    return url if "://" in url else f"sqlite:///{Path(url).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite URL, as SQLAlchemy writes them: sqlite:///relative/file,
    sqlite:////absolute/file (None for any other database)."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        return None
    if parts.netloc:  # sqlite://relative/path is a typo for sqlite:///relative/path
        raise StorageError(f"{url}: a SQLite URL is sqlite:///path/to/file (three slashes)")
    return Path(unquote(parts.path.removeprefix("/")))


async def open_store(url: str, *, init: bool = False) -> Store:
    """Open (creating and migrating as needed) the database a URL names. `init`: a SQLite
    file that is empty or another program's is set aside and started afresh (a PostgreSQL
    database with other tables is always refused: create a new one)."""
    scheme = urlsplit(url).scheme
    path = sqlite_path(url)
    if path is not None:
        from storage.sqlite import SQLiteStore

        return await SQLiteStore.open(path, init=init)
    if scheme in _POSTGRES:
        from storage.postgres import PostgresStore

        return await PostgresStore.open(url)
    raise StorageError(
        f"{url}: unknown database (use sqlite:///path/to/file or postgresql://host/db)"
    )
