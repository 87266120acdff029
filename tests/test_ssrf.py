"""SSRF: a feed URL never reaches loopback, the LAN or cloud metadata, however it is spelled.

Every refusal is checked three ways: the fetch fails with "refused: ..." (one line), the
counting server on 127.0.0.1 accepted no connection, and the tripwire saw no connect at all
(it also stops any connect to an address other than loopback: no test traffic leaves the host).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest

from bot.commands import admin
from bot.commands.context import Caller, Context
from bot.commands.treaty import Knowledge
from bot.config import Config, Feed
from bot.fetch import Fetcher, FetchLimits
from bot.netguard import AddressPolicy, GuardedResolver, address_kind, literal_address
from bot.pipeline import Pipeline, fetch_limits
from storage import SQLiteStore
from tests.feedgen import rss
from tests.feedserver import started_feed_server
from tests.hostile import CountingServer, FakeResolver, connect_tripwire, counting_server

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
FEED = rss([{"title": "Kim meets Putin", "link": "https://wire.example/1"}])
ADMIN = Caller("console", "u1", "c1", True)

# {P} is the counting server's port: were any of these let through, it would count it.
LITERALS = [
    "http://127.0.0.1:{P}/feed",
    "http://127.1:{P}/feed",
    "http://2130706433:{P}/feed",
    "http://0177.0.0.1:{P}/feed",
    "http://017700000001:{P}/feed",
    "http://0x7f.0.0.1:{P}/feed",
    "http://0x7f000001:{P}/feed",
    "http://127.0.0.1.:{P}/feed",
    "http://%31%32%37.0.0.1:{P}/feed",
    "http://①②⑦.0.0.1:{P}/feed",  # IDNA folds these to 127.0.0.1
    "http://127。0。0。1:{P}/feed",
    "http://[::1]:{P}/feed",
    "http://[::ffff:127.0.0.1]:{P}/feed",
    "http://[0:0:0:0:0:ffff:7f00:1]:{P}/feed",
    "http://[::127.0.0.1]:{P}/feed",
    "http://[64:ff9b::7f00:1]:{P}/feed",
    "http://[2002:7f00:1::]:{P}/feed",
    "http://0.0.0.0:{P}/feed",
    "http://0:{P}/feed",
    "http://[::]:{P}/feed",
    "http://localhost:{P}/feed",
    "http://LOCALHOST.:{P}/feed",
    "http://feeds.localhost:{P}/feed",
    "http://10.0.0.1/feed",
    "http://172.16.0.1/feed",
    "http://192.168.1.1/feed",
    "http://100.64.0.1/feed",
    "http://169.254.1.1/feed",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fe80::1]/feed",
    "http://[fc00::1]/feed",
    "http://224.0.0.1/feed",
    "http://[ff02::1]/feed",
    "http://255.255.255.255/feed",
]
# Names only DNS can judge: the fake resolver answers, at fetch time, on the connection.
DNS = {
    "rebind.test": ["127.0.0.1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "internal.test": ["10.1.2.3"],
    "cgnat.test": ["100.64.1.1"],
    "metadata.test": ["169.254.169.254"],
    "all-private.test": ["127.0.0.1", "10.0.0.1", "::1"],
}
NAMES = [f"http://{name}:{{P}}/feed" for name in DNS]
SCHEMES = [
    "ftp://127.0.0.1:{P}/feed",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{P}/_",
    "javascript:alert(1)",
    "data:text/xml,<rss/>",
]
TARGETS = LITERALS + NAMES + SCHEMES


def test_there_are_at_least_twenty_targets_of_each_kind_that_matters() -> None:
    assert len(LITERALS) >= 20 and len(TARGETS) >= 40


@pytest.fixture
def tripwire() -> Iterator[list[Any]]:
    with connect_tripwire() as attempts:
        yield attempts


@pytest.fixture
async def server() -> AsyncIterator[CountingServer]:
    async with counting_server(FEED) as s:
        yield s


def strict(**kwargs: Any) -> Fetcher:
    """The default policy, test-sized timeouts, and DNS from the table only."""
    limits = FetchLimits(connect_timeout=0.3, total_timeout=0.5)
    return Fetcher(limits, now=lambda: NOW, resolver=FakeResolver(DNS), **kwargs)


def port(server: CountingServer) -> str:
    return server.url.rsplit(":", 1)[1]


# --- fetching -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
async def test_a_refused_target_is_never_connected_to(
    target: str, server: CountingServer, tripwire: list[Any]
) -> None:
    url = target.replace("{P}", port(server))
    async with strict() as fetcher:
        result = await fetcher.fetch(url)
    assert result.status == "error"
    assert result.error is not None and "\n" not in result.error
    assert result.error.startswith(("refused: ", "unsupported URL scheme")), result.error
    assert server.connections == 0
    assert tripwire == []


async def test_every_target_is_refused(server: CountingServer, tripwire: list[Any]) -> None:
    async with strict() as fetcher:
        results = [await fetcher.fetch(t.replace("{P}", port(server))) for t in TARGETS]
    refused = [r for r in results if r.status == "error" and r.error and (
        r.error.startswith(("refused: ", "unsupported URL scheme")))]
    assert len(refused) == len(TARGETS)  # 100 %
    assert server.connections == 0 and tripwire == []


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://0177.0.0.1:1/", "refused: 0177.0.0.1 (127.0.0.1) is a loopback address"),
        ("http://[::ffff:169.254.169.254]/",
         "refused: ::ffff:a9fe:a9fe (169.254.169.254) is a cloud metadata address"),
        ("http://rebind.test/", "refused: rebind.test resolves to 127.0.0.1, a loopback address"),
        ("http://internal.test/", "refused: internal.test resolves to 10.1.2.3, a private address"),
    ],
)
async def test_the_refusal_says_what_the_address_is(url: str, error: str) -> None:
    async with strict() as fetcher:
        assert (await fetcher.fetch(url)).error == error


async def test_dns_rebinding_fails_at_the_connection_however_the_name_passed_before(
    server: CountingServer, tripwire: list[Any]
) -> None:
    dns = FakeResolver({"feeds.rebind.test": ["127.0.0.1"]})
    url = f"http://feeds.rebind.test:{port(server)}/feed"
    # A local server is allowed by exact address; the name first resolves to it...
    async with Fetcher(FetchLimits(total_timeout=0.5), resolver=dns,
                       allow_addresses=["127.0.0.1"]) as fetcher:
        assert (await fetcher.fetch(url)).status == "ok"
    # ...then rebinds to another loopback address: every new connection asks and checks again.
    dns.answers["feeds.rebind.test"] = ["127.0.0.2"]
    async with Fetcher(FetchLimits(total_timeout=0.5), resolver=dns,
                       allow_addresses=["127.0.0.1"]) as fetcher:
        result = await fetcher.fetch(url)
    assert result.error == "refused: feeds.rebind.test resolves to 127.0.0.2, a loopback address"
    assert dns.lookups == ["feeds.rebind.test", "feeds.rebind.test"]
    assert server.connections == 1 and len(tripwire) == 1


REDIRECTS = [
    "http://127.0.0.2:{P}/feed",
    "http://[::1]:{P}/feed",
    "http://0.0.0.0:{P}/feed",
    "http://10.0.0.1/feed",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:10.0.0.1]/feed",
    "http://other.rebind.test:{P}/feed",
    "http://0x7f000002:{P}/feed",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("target", REDIRECTS)
async def test_every_redirect_hop_is_checked(target: str, tripwire: list[Any]) -> None:
    dns = FakeResolver({"other.rebind.test": ["127.0.0.2"]})
    async with started_feed_server() as server, Fetcher(
        FetchLimits(total_timeout=0.5), resolver=dns, allow_addresses=["127.0.0.1"]
    ) as fetcher:
        server.redirect("/hop", target.replace("{P}", server.url.rsplit(":", 1)[1]), status=302)
        result = await fetcher.fetch(server.url + "/hop")
        own = ("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    assert result.status == "error"
    assert result.error is not None
    assert result.error.startswith(("refused: ", "unsupported URL scheme")), result.error
    assert server.hits("/hop") == 1
    assert [a[:2] for a in tripwire] == [own]  # the first hop only


async def test_a_resolver_drops_refused_answers_and_keeps_public_ones() -> None:
    # Unit level: the public address is only returned, never connected to.
    inner = FakeResolver({"mixed.test": ["127.0.0.1", "8.8.8.8", "10.0.0.1", "2001:4860::8888"]})
    resolver = GuardedResolver(AddressPolicy(), inner)
    answers = await resolver.resolve("mixed.test", 80)
    assert [a["host"] for a in answers] == ["8.8.8.8", "2001:4860::8888"]


# --- fetch.allow_private ------------------------------------------------------------------


async def test_allow_private_lets_a_self_hosted_feed_through(
    server: CountingServer, tripwire: list[Any]
) -> None:
    async with Fetcher(FetchLimits(total_timeout=0.5, allow_private=True)) as fetcher:
        result = await fetcher.fetch(f"{server.url}/feed")
    assert result.status == "ok" and result.body == FEED
    assert server.connections == 1


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
     "http://metadata.test/", "http://0.0.0.0:{P}/feed", "http://224.0.0.1/"],
)
async def test_allow_private_still_refuses_metadata_unspecified_and_multicast(
    url: str, server: CountingServer, tripwire: list[Any]
) -> None:
    limits = FetchLimits(total_timeout=0.5, allow_private=True)
    async with Fetcher(limits, resolver=FakeResolver(DNS)) as fetcher:
        result = await fetcher.fetch(url.replace("{P}", port(server)))
    assert result.error is not None and result.error.startswith("refused: ")
    assert server.connections == 0 and tripwire == []


def test_fetch_limits_take_allow_private_from_feeds_yaml(config: Config) -> None:
    assert fetch_limits(config).allow_private is False
    opened = config.model_copy(update={
        "fetch": config.fetch.model_copy(update={"allow_private": True})})
    assert fetch_limits(opened).allow_private is True


# --- the poll cycle and /feeds add ----------------------------------------------------------


@pytest.fixture
def ctx(config: Config, store: SQLiteStore) -> Context:
    return Context(store, KNOWLEDGE, config, lambda: NOW)


KNOWLEDGE = Knowledge.load()


@pytest.mark.parametrize("target", LITERALS + SCHEMES)
async def test_feeds_add_refuses_the_target_with_a_clear_message(
    ctx: Context, target: str
) -> None:
    message = await admin.feeds_add(ctx, ADMIN, target.replace("{P}", "8080"), "Sneaky")
    assert message.title.startswith(("Not added: ", "Give an http")), message.title
    assert all(f.name != "Sneaky" for f in await ctx.store.feeds())


async def test_feeds_add_names_the_address_and_the_setting(ctx: Context) -> None:
    message = await admin.feeds_add(ctx, ADMIN, "http://2130706433/rss", None)
    assert message.title == (
        "Not added: 2130706433 (127.0.0.1) is a loopback address; feeds must be on public "
        "addresses (fetch.allow_private in feeds.yaml allows self-hosted ones)."
    )
    metadata = await admin.feeds_add(ctx, ADMIN, "http://169.254.169.254/", None)
    assert "allow_private" not in metadata.title  # no setting opens that one


async def test_feeds_add_with_allow_private_accepts_a_lan_feed_but_not_metadata(
    config: Config, store: SQLiteStore
) -> None:
    opened = config.model_copy(update={
        "fetch": config.fetch.model_copy(update={"allow_private": True})})
    ctx = Context(store, KNOWLEDGE, opened, lambda: NOW)
    added = await admin.feeds_add(ctx, ADMIN, "http://192.168.1.20/rss.xml", "NAS")
    assert added.title.startswith("Added feed 'NAS'")
    refused = await admin.feeds_add(ctx, ADMIN, "http://[fd00:ec2::254]/", "Meta")
    assert refused.title.startswith("Not added: fd00:ec2::254 is a cloud metadata address")


async def test_a_feed_added_by_name_that_rebinds_is_refused_by_the_poll(
    ctx: Context, config: Config, tmp_path: Path, server: CountingServer,
    tripwire: list[Any],
) -> None:
    url = f"http://rebind.test:{port(server)}/feed"
    added = await admin.feeds_add(ctx, ADMIN, url, "Rebind")  # a name: nothing to judge yet
    assert added.title.startswith("Added feed")
    cfg = config.model_copy(update={"feeds": (Feed(name="Other", url="https://x.example/"),)})
    pipeline = Pipeline(cfg, ctx.store, clock=lambda: NOW)
    [feed] = [f for f in await ctx.store.feeds() if f.name == "Rebind"]
    async with Fetcher(fetch_limits(cfg), resolver=FakeResolver(DNS)) as fetcher:
        report = await pipeline.poll_feed(fetcher, feed)
    [row] = [f for f in await ctx.store.feeds() if f.name == "Rebind"]
    assert report.status == "error"
    assert row.last_error == "refused: rebind.test resolves to 127.0.0.1, a loopback address"
    assert server.connections == 0 and tripwire == []


# --- the address rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"), ("0", "0.0.0.0"), ("0x", "0.0.0.0"), ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"), ("[::1]", "::1"), ("%31%30.0.0.1", "10.0.0.1"),
        ("LocalHost.", "127.0.0.1"), ("a.b.localhost", "127.0.0.1"),
        ("fe80::1%25eth0", "fe80::1%eth0"),
    ],
)
def test_literal_addresses_in_every_spelling(host: str, address: str) -> None:
    assert literal_address(host) == ip_address(address)


@pytest.mark.parametrize(
    "host", ["example.org", "256.1.1.1", "1.2.3.4.5", "08.0.0.1", "0x1g", "1..2", "", "[]",
             "9" * 5000, "0x" + "f" * 11],
)
def test_names_and_impossible_numbers_are_not_literal_addresses(host: str) -> None:
    assert literal_address(host) is None


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None), ("2001:4860::8888", None), ("::ffff:8.8.8.8", None),
        ("127.0.0.1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("10.9.8.7", "private"),
        ("100.127.255.255", "carrier-grade NAT"), ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"), ("0.1.2.3", "unspecified"), ("::", "unspecified"),
        ("239.1.1.1", "multicast"), ("ff05::2", "multicast"), ("fe80::1%2", "link-local"),
        ("192.0.2.1", "reserved"), ("2001:db8::1", "reserved"), ("64:ff9b::a00:1", "private"),
        ("2002:a9fe:a9fe::", "cloud metadata"),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ip_address(address)) == kind


def test_an_exact_allowance_opens_one_address_not_the_range() -> None:
    policy = AddressPolicy.build(allow=["127.0.0.1"])
    assert policy.refusal(ip_address("127.0.0.1")) is None
    assert policy.refusal(ip_address("::ffff:127.0.0.1")) is None
    assert policy.refusal(ip_address("127.0.0.2")) == "loopback"
    assert AddressPolicy.build(allow=["169.254.169.254"]).refusal(
        ip_address("169.254.169.254")) == "cloud metadata"
