"""A consistent copy of a live database, with SQLite's online backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.errors import StorageError

PAGES_PER_STEP = 1024  # copy in steps, so that writers are never blocked for long


def backup(source: Path, target: Path) -> int:
    """Copy `source` to `target` while the bot may be writing to it; return the pages
    copied. The copy is a snapshot of one moment: SQLite restarts a step that a write
    interrupts. `target` must not exist (a backup never overwrites)."""
    if not source.exists():
        raise StorageError(f"{source}: no such database")
    if target.exists():
        raise StorageError(f"{target}: already exists; choose a new file")
    if not target.parent.is_dir():  # a typo in the path must not grow a directory tree
        raise StorageError(f"{target.parent}: no such directory; create it first")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst, pages=PAGES_PER_STEP)
                pages = dst.execute("PRAGMA page_count").fetchone()[0]
                check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise StorageError(f"{source}: backup failed: {exc}") from None
    if check != "ok":
        target.unlink(missing_ok=True)
        raise StorageError(f"{source}: the copy failed its integrity check ({check})")
    return int(pages)
