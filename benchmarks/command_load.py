"""Commands under load: 200 slash commands a second for 10 s while a poll cycle runs.

    python -m benchmarks.command_load            # about a minute on 2 cores
    python -m benchmarks.command_load --rate 50 --seconds 3 --feeds 10   # a quick look

Three processes, all on 127.0.0.1: the feed farm (benchmarks.farm); the bot, that is the
real SlackApp (bolt over HTTP, signatures checked) and the real Pipeline on one event
loop, as `python -m bot run` has them; and this process, which plays Slack. It sends the
signed slash commands on a fixed schedule (open loop: a slow answer does not slow the
sending) and takes the answers at the response URLs, as Slack does. An answer's time runs
from the moment its request was sent; how far the sender fell behind its schedule on a
busy machine (which lowers the rate actually offered) is reported beside it.

The bot polls the farm cold into a new database each time, alternately alone and under a
flood (--rounds of each, and one more alone), and the medians are compared. As in `python
-m bot run`, the commands are answered from the very store the cycle writes. The
flood's senders are a seeded mix: most people ask a few questions, a few flood, and one
channel is busy; the questions include the hostile ones of tests/test_command_fuzz.py's
corpus. It prints, as JSON: every command's answer time, how many were answered and how
many refused (by whom), and each cycle's time; and whether the goals hold: every command
answered or refused within 3 s, the loaded cycle within 1.5x of the cycles alone.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from benchmarks.ask_latency import QUESTIONS
from benchmarks.measure import ROOT, Latencies, child_env, peak_rss_mib, span
from benchmarks.poll_ours import farm_config

SECRET = "load-test-signing-secret"
BOT_TOKEN = "xoxb-load-test"
WINDOW = 3.0  # seconds: Discord's, and Slack's, patience with an unanswered command
CYCLE_RATIO = 1.5
# The bot's limits in this run (feeds.yaml's rate_limit): what a busy server might set.
RATE_LIMIT = {"per_user": 6, "per_channel": 60, "window": "1m"}
HOSTILE = ("wordword" * 37, "A" * 300, "sanc\u200btions", "@everyone", "'; DROP TABLE feeds; --",
           "²", "99999999999999999999", "1.5", "\u202etreaty", "조약" * 100, "")


def commands(rng: random.Random) -> list[str]:
    """What people type after /treaty, in a realistic mix with hostile arguments."""
    return [
        *(f"ask {q}" for q in QUESTIONS),
        *(f"ask {h}" for h in HOSTILE),
        *(f"article {a}" for a in ("4", "IV", "preamble", "mutual defence", "sanctions",
                                   "99", *HOSTILE)),
        "latest", "latest treaty 5", "latest troops 20", "latest ² 3", "latest weather",
        *(f"story {n}" for n in (1, 2, 3, 10, 99999999999999999999)), "story ²",
        "troops", "timeline", "digest", "help", "dance", "feeds list",
        f"feeds add https://{rng.randrange(10**6)}.example/rss",
    ]


@dataclass
class Sent:
    text: str
    user: str
    channel: str
    at: float  # when the schedule wanted it sent
    sent: float = 0.0  # when it was sent: this process may fall behind on a busy machine
    status: int = 0
    acked: float = 0.0  # the HTTP response: the app's ack
    answered: float | None = None
    answer: str = ""


@dataclass
class FakeSlack:
    """The two Web API methods the app calls, and the response URLs it answers to."""

    sent: dict[str, Sent] = field(default_factory=dict)
    url: str = ""
    rates: list[float] = field(default_factory=list)  # commands a second, as sent, per round

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_route("*", "/api/auth.test", self._auth_test)
        application.router.add_route("*", "/api/users.info", self._users_info)
        application.router.add_post("/response/{key}", self._response)
        return application

    async def _auth_test(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "user_id": "UBOT", "team_id": "T0LOAD"})

    async def _users_info(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "user": {"is_admin": False}})

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        command = self.sent.get(request.match_info["key"])
        if command is not None and command.answered is None:
            command.answered = time.monotonic()
            command.answer = str(body.get("text", ""))
        return web.json_response({"ok": True})


def sign(body: str, stamp: int) -> str:
    base = f"v0:{stamp}:{body}".encode()
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def senders(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(user, channel) per command: 80 % from 400 people in 40 channels, 10 % from five
    people who flood, 10 % in one busy channel."""
    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.1:
            out.append((f"UFLOOD{rng.randrange(5)}", f"C{rng.randrange(40):08d}"))
        elif roll < 0.2:
            out.append((f"U{rng.randrange(400):08d}", "CBUSY0000"))
        else:
            out.append((f"U{rng.randrange(400):08d}", f"C{rng.randrange(40):08d}"))
    return out


async def flood(port: int, fake: FakeSlack, rate: float, seconds: float, seed: int,
                round_no: int) -> None:
    rng = random.Random(seed)
    texts = commands(rng)
    count = int(rate * seconds)
    who = senders(rng, count)
    url = f"http://127.0.0.1:{port}/slack/events"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def send(key: str, command: Sent) -> None:
            body = urlencode({
                "token": "legacy", "team_id": "T0LOAD", "channel_id": command.channel,
                "user_id": command.user, "command": "/treaty", "text": command.text,
                "response_url": f"{fake.url}/response/{key}", "trigger_id": "1.2.3",
            })
            stamp = int(time.time())
            command.sent = time.monotonic()
            async with session.post(url, data=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": str(stamp),
                "X-Slack-Signature": sign(body, stamp)}) as resp:
                await resp.read()
                command.status = resp.status
                command.acked = time.monotonic()

        start = time.monotonic()
        tasks = []
        for n in range(count):
            at = start + n / rate
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            user, channel = who[n]
            key = f"{round_no}-{n}"
            fake.sent[key] = Sent(rng.choice(texts), user, channel, at)
            tasks.append(asyncio.create_task(send(key, fake.sent[key])))
        await asyncio.gather(*tasks, return_exceptions=True)
        sent = [fake.sent[f"{round_no}-{n}"].sent for n in range(count)]
        fake.rates.append(count / max(1e-9, max(sent) - min(sent)) if count > 1 else 0.0)


def summary(fake: FakeSlack) -> dict[str, Any]:
    times, behind, acks = Latencies(), Latencies(), Latencies()
    kinds: Counter[str] = Counter()
    late = 0
    for command in fake.sent.values():
        behind.add(max(0.0, command.sent - command.at))
        if command.acked:
            acks.add(command.acked - command.sent)
        if command.answered is None:
            kinds["unanswered"] += 1
            continue
        took = command.answered - command.sent
        times.add(took)
        late += took > WINDOW
        if command.answer.startswith("Please slow down"):
            kinds["refused: per person"] += 1
        elif command.answer.startswith("This channel is busy"):
            kinds["refused: per channel"] += 1
        elif command.answer.startswith("Something went wrong"):
            kinds["failed"] += 1
        else:
            kinds["answered"] += 1
    statuses = Counter(c.status for c in fake.sent.values())
    return {"sent": len(fake.sent), "outcomes": dict(kinds), "http_status": dict(statuses),
            "ack_time": acks.summary(), "answer_time": times.summary(), "over_3s": late,
            # How far this process fell behind its schedule, which lowers the rate offered.
            "sender_behind": behind.summary()}


async def bot_process(urls: list[str], slack: str) -> Any:
    """Start the bot child; return it with its port."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.command_load", "--bot", stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, env=child_env(), cwd=ROOT)
    assert proc.stdin is not None
    proc.stdin.write((json.dumps({"urls": urls, "slack": slack}) + "\n").encode())
    await proc.stdin.drain()
    return proc


async def read(proc: Any) -> dict[str, Any]:
    line = await asyncio.wait_for(proc.stdout.readline(), 600)
    if not line:
        raise RuntimeError("the bot process ended early")
    return json.loads(line)


async def tell(proc: Any, word: str) -> None:
    proc.stdin.write(f"{word}\n".encode())
    await proc.stdin.drain()


async def measure(urls: list[str], rate: float, seconds: float, seed: int,
                  rounds: int) -> dict[str, Any]:
    fake = FakeSlack()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)  # the bot's answers, in bursts
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    bot = await bot_process(urls, fake.url)
    alone: list[dict[str, Any]] = []
    loaded: list[dict[str, Any]] = []
    try:
        port = (await read(bot))["port"]  # once the first cycle filled the commands' database
        for n in range(rounds):
            await tell(bot, "cycle")
            alone.append(await read(bot))
            sending = asyncio.create_task(flood(port, fake, rate, seconds, seed + n, n))
            await asyncio.sleep(1.0)  # the flood is on before the cycle starts
            await tell(bot, "cycle")
            loaded.append(await read(bot))
            await sending
            await asyncio.sleep(WINDOW)  # the last answers
        await tell(bot, "cycle")
        alone.append(await read(bot))
        await tell(bot, "stop")
        bot_stats = await read(bot)
    finally:
        if bot.returncode is None:
            bot.kill()
        await bot.wait()
        await runner.cleanup()
    alone_s = statistics.median(c["wall_s"] for c in alone)
    loaded_s = statistics.median(c["wall_s"] for c in loaded)
    commands_seen = summary(fake)
    ratio = loaded_s / alone_s
    return {
        "rate_per_s": rate, "rate_sent_per_s": [round(r, 1) for r in fake.rates],
        "seconds": seconds, "rounds": rounds, "feeds": len(urls),
        "rate_limit": RATE_LIMIT, "commands": commands_seen,
        "cycles_alone": alone, "cycles_loaded": loaded,
        "cycle_alone_median_s": round(alone_s, 3), "cycle_loaded_median_s": round(loaded_s, 3),
        "cycle_ratio": round(ratio, 2), "bot": bot_stats, "load_average": os.getloadavg(),
        "goals": {
            "every command answered or refused within 3 s": (
                commands_seen["over_3s"] == 0
                and "unanswered" not in commands_seen["outcomes"]),
            f"poll cycle within {CYCLE_RATIO}x of alone": ratio <= CYCLE_RATIO,
        },
    }


# --- the bot, in its own process ---------------------------------------------------------------


class LoopLag:
    """How late the event loop runs a 10 ms timer: what any slow callback would show as."""

    def __init__(self) -> None:
        self.samples = Latencies()
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            due = time.perf_counter() + 0.01
            await asyncio.sleep(0.01)
            self.samples.add(max(0.0, time.perf_counter() - due))

    def __enter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def serve_bot() -> None:
    from bot.commands.context import Context
    from bot.commands.treaty import Knowledge
    from bot.config import RateLimit
    from bot.fetch import Fetcher
    from bot.pipeline import Pipeline, fetch_limits, utc_now
    from bot.platforms.slack_app import SlackApp
    from bot.runtime import config_subscriptions
    from storage import SQLiteStore

    loop = asyncio.get_running_loop()

    def line() -> str:
        return sys.stdin.readline().strip()

    params = json.loads(await loop.run_in_executor(None, line))
    base = farm_config(params["urls"])
    config = base.model_copy(update={"rate_limit": RateLimit.model_validate(RATE_LIMIT)})
    knowledge = Knowledge.load()
    served: list[SQLiteStore] = []

    async def cycle(db: Path, app: SlackApp | None = None) -> dict[str, Any]:
        store = await SQLiteStore.open(db)
        if app is not None:
            # As in `python -m bot run`: the commands and the poll share one store. It is
            # closed at the end, since a command may still be reading it after the cycle.
            app.ctx = Context(store, knowledge, config, utc_now)
            served.append(store)
        try:
            pipeline = Pipeline(config, store, treaty_index=knowledge.index)
            await pipeline.sync()
            await store.sync_config_subscriptions(config_subscriptions(config))
            with LoopLag() as lag, span() as timed:
                async with Fetcher(fetch_limits(config)) as fetcher:
                    reports = await pipeline.poll(fetcher)
        finally:
            if app is None:
                await store.close()
        return {**timed.as_dict(), "items_new": sum(r.new_items for r in reports),
                "errors": sum(r.status == "error" for r in reports),
                "loop_lag_ms": lag.samples.summary()}

    with tempfile.TemporaryDirectory() as tmp:
        # Each cycle polls cold into a new database, so that every cycle does the same
        # work; the commands are answered from the store the cycle is writing. Between
        # cycles they read one a first cycle filled.
        await cycle(Path(tmp) / "commands.sqlite")
        store = await SQLiteStore.open(Path(tmp) / "commands.sqlite")
        ctx = Context(store, knowledge, config, utc_now)
        app = SlackApp(ctx, bot_token=BOT_TOKEN, signing_secret=SECRET, app_token=None,
                       port=0, api_base=params["slack"] + "/api/", host="127.0.0.1")
        serving = asyncio.create_task(app.start())
        await app.ready.wait()
        print(json.dumps({"port": app.port}), flush=True)
        n = 0
        while await loop.run_in_executor(None, line) == "cycle":
            n += 1
            print(json.dumps(await cycle(Path(tmp) / f"cycle{n}.sqlite", app)), flush=True)
            app.ctx = ctx
        print(json.dumps({"peak_rss_mib": round(peak_rss_mib(), 1)}), flush=True)
        await app.close()
        await serving
        for opened in [store, *served]:
            await opened.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.command_load")
    parser.add_argument("--rate", type=float, default=200.0, help="commands a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--feeds", type=int, default=40, help="feeds in the poll cycle")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3,
                        help="cycles alone and under load, alternately (medians compared)")
    parser.add_argument("--bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bot:
        asyncio.run(serve_bot())
        return
    farm = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.farm"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT)
    assert farm.stdin is not None and farm.stdout is not None
    try:
        farm.stdin.write(json.dumps({"feeds": args.feeds, "items": 20,
                                     "newest": datetime.now(UTC).timestamp()}) + "\n")
        farm.stdin.flush()
        urls = json.loads(farm.stdout.readline())["urls"]
        result = asyncio.run(measure(urls, args.rate, args.seconds, args.seed, args.rounds))
    finally:
        farm.stdin.close()
        farm.wait(10)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
