"""`run` as a user starts it: tokens from the environment, never shown; clear exits."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.secrets import RedactingFilter, Secrets, read_dotenv
from tests.fake_discord import started_fake_discord

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-discord-token-value"
SIGNING = "0123456789abcdef-signing-secret"


async def run_bot(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "-v", "run", "--config", str(ROOT / "feeds.yaml"),
        "--db", str(tmp_path / "bot.sqlite"), *args,
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(60):
        out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_without_a_token_run_says_which_variables_to_set(tmp_path: Path) -> None:
    env = {k: "" for k in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")}
    status, out = await run_bot(tmp_path, env)
    assert status == 2
    assert out.startswith("error: no platform token set: set DISCORD_TOKEN")


async def test_a_refused_token_stops_with_one_line_that_never_shows_it(tmp_path: Path) -> None:
    async with started_fake_discord() as fake:  # its token is another one: login fails
        status, out = await run_bot(tmp_path, {
            "DISCORD_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING,
            "TREATYWATCH_DISCORD_API_BASE": fake.api_base,
        })
    assert status == 1
    assert "error: discord: LoginFailure" in out
    assert TOKEN not in out and TOKEN.split(".")[0] not in out and SIGNING not in out


def test_tokens_come_from_a_dotenv_file_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('DISCORD_TOKEN="from-file-token"\nSLACK_BOT_TOKEN=xoxb-file\nOTHER=x\n')
    secrets = Secrets.load({"SLACK_BOT_TOKEN": "xoxb-env"}, dotenv)
    assert secrets.get("DISCORD_TOKEN") == "from-file-token"
    assert secrets.get("SLACK_BOT_TOKEN") == "xoxb-env"
    assert "OTHER" not in read_dotenv(dotenv)
    assert "from-file-token" not in repr(secrets)


def test_log_records_quoting_a_secret_are_redacted() -> None:
    secrets = Secrets({"DISCORD_TOKEN": TOKEN})
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "auth %s failed", (TOKEN,), None)
    RedactingFilter(secrets).filter(record)
    assert record.getMessage() == "auth [redacted] failed"
