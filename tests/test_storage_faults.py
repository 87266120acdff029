"""Storage faults: a full disk, a filesystem gone read-only, an empty or foreign file.

Each is one StorageError whose one line names the cause; the scheduler says it once (not
once per job and tick), pauses, and resumes by itself once the disk takes writes again;
nothing stored before is lost, and nothing is posted twice.

The disk tests mount a small tmpfs (to fill) or a loop-device ext4 (to fail), which needs
root (CI runs as root); elsewhere they are skipped, saying so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Config
from bot.fetch import Fetcher
from bot.pipeline import Pipeline, fetch_limits
from bot.scheduler import STORAGE_RETRY_MAX, build_scheduler
from storage import SQLiteStore, StorageError, Subscription
from storage.errors import NotOurDatabaseError
from tests.conftest import Clock
from tests.test_samples import KNOWLEDGE
from tests.test_scheduler import SLOT, RecordingSender
from tests.test_storage import new_item

ROOT = Path(__file__).resolve().parent.parent
FS_SIZE = "4m"


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs of our own, to fill up and to remount read-only."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill up or make read-only needs root")
    mount = tmp_path / "fs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_SIZE}", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem has no byte left; return it."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def ext4_fs(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An 8 MiB ext4 on a loop device, mounted with errors=remount-ro: an ext4 error makes
    it read-only at once, open files or not, as a failing disk does. (The mount point, the
    loop device's name.)"""
    if os.geteuid() != 0:
        pytest.skip("mounting a loop-device ext4 to turn read-only needs root")
    image, mount = tmp_path / "disk.img", tmp_path / "ext4"
    mount.mkdir()
    with image.open("wb") as f:
        f.truncate(8 * 2**20)
    steps = [["mkfs.ext4", "-q", str(image)], ["losetup", "--find", "--show", str(image)]]
    done = [subprocess.run(step, capture_output=True, text=True) for step in steps[:1]]
    if done[0].returncode != 0:
        pytest.skip(f"cannot make an ext4 image here: {done[0].stderr.strip()}")
    loop = subprocess.run(steps[1], capture_output=True, text=True)
    if loop.returncode != 0:
        pytest.skip(f"no loop device here: {loop.stderr.strip()}")
    device = loop.stdout.strip()
    try:
        subprocess.run(["mount", "-o", "errors=remount-ro", device, str(mount)], check=True)
        yield mount, Path(device).name
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        subprocess.run(["losetup", "-d", device], check=False)


def fail_the_filesystem(device: str) -> None:
    """An ext4 error, as a bad sector gives: with errors=remount-ro the fs turns read-only."""
    Path(f"/sys/fs/ext4/{device}/trigger_fs_error").write_text("treatywatch test\n")


def remount_repaired(mount: Path, device: str) -> None:
    """What an operator does after such a fault: unmount, check, mount again."""
    subprocess.run(["umount", str(mount)], check=True)
    subprocess.run(["e2fsck", "-fy", f"/dev/{device}"], capture_output=True, check=False)
    subprocess.run(["mount", f"/dev/{device}", str(mount)], check=True)


async def ready_store(path: Path) -> tuple[SQLiteStore, int]:
    store = await SQLiteStore.open(path)
    await store.sync_feeds([("Yonhap", "https://yonhap.example/rss")], SLOT)
    await store.subscribe(Subscription("discord", "c1", "treaty", None, "command"))
    [feed] = await store.feeds()
    assert await store.save_item(new_item(feed.id, "before"), SLOT) is not None
    await store.checkpoint()  # an empty WAL: the next write must grow a file
    return store, feed.id


async def test_a_full_disk_is_one_line_that_says_so_and_writes_resume_when_space_returns(
    small_fs: Path,
) -> None:
    store, feed = await ready_store(small_fs / "tw.sqlite")
    try:
        filler = fill(small_fs)
        with pytest.raises(StorageError) as caught:
            for n in range(50):  # until a write needs a page the disk does not have
                await store.save_item(new_item(feed, f"full-{n}", title="x" * 3000), SLOT)
        assert caught.value.cause == "disk full"
        line = str(caught.value)
        assert "disk full" in line and "\n" not in line and str(small_fs) in line
        assert (await store.stats()).items >= 1  # reads go on
        filler.unlink()
        assert await store.save_item(new_item(feed, "after"), SLOT) is not None
        await store.checkpoint()
    finally:
        await store.close()
    reopened = await SQLiteStore.open(small_fs / "tw.sqlite")
    try:
        stored = await reopened.find_items(feed, [("before", ""), ("after", "")])
        assert all(found is not None for found in stored)
    finally:
        await reopened.close()


async def test_a_filesystem_gone_read_only_is_one_line_and_keeps_every_committed_write(
    ext4_fs: tuple[Path, str],
) -> None:
    """The items and the delivery committed before the fault are still there after it, the
    WAL never checkpointed: a delivery record is committed durably (synchronous FULL), which
    syncs the WAL with everything before it. (With NORMAL alone, all of it vanishes.)"""
    mount, device = ext4_fs
    store = await SQLiteStore.open(mount / "tw.sqlite")
    try:
        await store.sync_feeds([("Yonhap", "https://yonhap.example/rss")], SLOT)
        await store.subscribe(Subscription("discord", "c1", "treaty", None, "command"))
        [feed] = await store.feeds()
        for n in range(20):
            await store.save_item(new_item(feed.id, f"before-{n}"), SLOT)
        [entry, *_] = await store.pending("discord")
        await store.mark_delivered(entry, "m1", SLOT)
        fail_the_filesystem(device)
        with pytest.raises(StorageError) as caught:
            await store.save_item(new_item(feed.id, "while-ro"), SLOT)
        assert caught.value.cause == "read-only"
        assert "read-only" in str(caught.value) and "\n" not in str(caught.value)
    finally:
        await store.close()
    remount_repaired(mount, device)
    reopened = await SQLiteStore.open(mount / "tw.sqlite")
    try:
        stats = await reopened.stats()
        assert (stats.items, stats.delivered) == (20, 1)
        assert await reopened.save_item(new_item(feed.id, "after"), SLOT) is not None
    finally:
        await reopened.close()


async def test_the_scheduler_says_a_disk_fault_once_waits_it_out_and_delivers_after(
    small_fs: Path, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    """Forty ticks of every job on a full disk give one error line; once space returns,
    the next retry checkpoints, says so once, and the queued story is posted once."""
    store, _ = await ready_store(small_fs / "tw.sqlite")
    clock = Clock(SLOT)
    sender = RecordingSender()
    try:
        filler = fill(small_fs)
        async with Fetcher(fetch_limits(config)) as fetcher:
            scheduler = build_scheduler(Pipeline(config, store, clock=clock), fetcher,
                                        [sender], KNOWLEDGE.titles)
            jobs = [scheduler.get_job(name).func for name in ("deliver", "feed-health")]
            caplog.set_level(logging.INFO, logger="bot.scheduler")
            for _ in range(40):
                for job in jobs:
                    await job()
                clock.now += timedelta(seconds=5)
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            assert len(errors) == 1, [r.getMessage() for r in errors]
            assert "disk full" in errors[0].getMessage() and errors[0].exc_info is None
            assert sender.posts == []  # the post waits: its going out could not be recorded
            filler.unlink()
            clock.now += STORAGE_RETRY_MAX
            await jobs[0]()
        recovered = [r.getMessage() for r in caplog.records if "works again" in r.getMessage()]
        assert len(recovered) == 1
        assert [marker for _, _, marker in sender.posts] == ["Story #1"]
        assert (await store.stats()).pending_deliveries == 0
    finally:
        await store.close()


def test_run_on_a_full_disk_stops_with_one_line_that_says_so(small_fs: Path) -> None:
    fill(small_fs)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--db", str(small_fs / "new.sqlite")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "unused"},
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "disk full" in lines[0], done.stderr


# --- files that are not a treatywatch database ---------------------------------------------


async def test_an_empty_file_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "copy.sqlite"
    path.touch()  # a copy that failed
    with pytest.raises(NotOurDatabaseError) as caught:
        await SQLiteStore.open(path)
    assert "empty" in str(caught.value) and "--init" in str(caught.value)
    assert path.stat().st_size == 0  # untouched


async def test_another_programs_file_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 200)
    with pytest.raises(NotOurDatabaseError) as caught:
        await SQLiteStore.open(path)
    assert "not a treatywatch database" in str(caught.value) and "\n" not in str(caught.value)


async def test_init_sets_a_refused_file_aside_and_starts_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "tw.sqlite"
    path.write_text("shopping list\n" * 200)
    store = await SQLiteStore.open(path, init=True)
    try:
        assert (await store.stats()).items == 0
    finally:
        await store.close()
    [aside] = [p for p in os.listdir(tmp_path) if p.startswith("tw.sqlite.refused-")]
    assert (tmp_path / aside).read_text().startswith("shopping list")


def test_run_refuses_an_empty_database_file_unless_init(tmp_path: Path) -> None:
    path = tmp_path / "tw.sqlite"
    path.touch()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--db", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "unused"},
    )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "empty" in line and "--init" in line
