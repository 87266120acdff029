from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Config
from bot.samples import bundled_config
from storage import Store, open_store
from tests.databases import drop_template, fresh_database

DATA = Path(__file__).parent / "data"
# A test module that sets `DATABASES = BOTH` runs its tests that take the `database` or
# `store` fixture against SQLite and against PostgreSQL; other modules, against SQLite.
BOTH = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames:
        kinds = getattr(metafunc.module, "DATABASES", ("sqlite",))
        metafunc.parametrize("database", kinds, indirect=True)


@pytest.fixture
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a fresh database (a SQLite file, or a PostgreSQL database of its own)."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def _postgres_template() -> Iterator[None]:
    yield
    asyncio.run(drop_template())


@pytest.fixture(autouse=True)
def _own_data_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                   ) -> None:
    """The default databases (the bot's, the demo's) live in the per-user data directory:
    each test gets its own, never the user's (nor another test's)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))


@pytest.fixture
def config() -> Config:
    return bundled_config()


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    s = await open_store(database)
    yield s
    await s.close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 7, 1, 12, 0, tzinfo=UTC))
