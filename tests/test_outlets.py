"""Sources an analyst can trust: the outlet of an aggregator's item, one line per claim with
the outlets that repeat it, and a headline in the channel's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from bot.alerts import group_claims, headline, story_message
from bot.config import Config, Feed
from bot.fetch import Fetcher, FetchLimits
from bot.parse import parse_feed
from bot.pipeline import Pipeline
from storage import SQLiteStore, Story, StoryItem, TroopRecord
from tests.conftest import Clock
from tests.feedserver import started_feed_server

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def news_search(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        '<title>"North Korean troops" - Google News</title><link>https://news.google.com/</link>'
        f"{items}</channel></rss>"
    ).encode()


def parse(body: bytes, *, aggregator: bool = True) -> list[Any]:
    return parse_feed(body, "Google News — troops (EN)", NOW, aggregator=aggregator).items


# --- the outlet of an item --------------------------------------------------------------------


def test_an_items_source_element_names_its_outlet() -> None:
    [item] = parse(news_search(
        "<item><title>N. Korea sends troops - Reuters</title>"
        "<link>https://news.google.com/rss/articles/abc</link>"
        '<source url="https://www.reuters.com">Reuters</source></item>'))
    assert (item.outlet, item.source) == ("Reuters", "Reuters")


def test_the_outlets_signature_leaves_the_headline() -> None:
    [item] = parse(news_search(
        "<item><title>N. Korea sends troops - Reuters</title>"
        "<link>https://news.google.com/rss/articles/abc</link>"
        '<source url="https://www.reuters.com">Reuters</source></item>'))
    assert item.title == "N. Korea sends troops"


def test_an_aggregators_item_without_source_is_its_links_host() -> None:
    [item] = parse(news_search(
        "<item><title>N. Korea sends troops</title>"
        "<link>https://www.apnews.com/article/1</link></item>"))
    assert item.outlet == "apnews.com"


def test_an_aggregators_own_link_falls_back_to_the_feed_title() -> None:
    [item] = parse(news_search(
        "<item><title>N. Korea sends troops</title>"
        "<link>https://news.google.com/rss/articles/abc</link></item>"))
    assert item.outlet == '"North Korean troops" - Google News'


def test_a_feed_that_is_its_own_outlet_is_credited_by_its_name() -> None:
    [item] = parse(news_search(
        "<item><title>N. Korea sends troops</title>"
        "<link>https://www.yna.co.kr/view/1</link></item>"), aggregator=False)
    assert (item.outlet, item.source) == ("", "Google News — troops (EN)")


def test_the_fast_parser_and_feedparser_read_source_alike() -> None:
    import io

    import feedparser

    from bot.fastparse import parse_fast

    body = news_search(
        "<item><title>T - AP</title><link>https://news.google.com/a</link>"
        '<source url="https://apnews.com">AP</source></item>')
    fast = parse_fast(body)
    slow = feedparser.parse(io.BytesIO(body))
    assert fast is not None
    assert fast.entries[0]["source"] == slow.entries[0]["source"]


# --- one claim, its sources ---------------------------------------------------------------------


def record(figure: int, claimant: str, outlet: str, *, hours: int = 0,
           qualifier: str | None = None, kind: str = "deployed") -> TroopRecord:
    return TroopRecord(figure, claimant, "s", hours + 1, 1, NOW + timedelta(hours=hours),
                       f"https://{outlet.lower()}.example/{hours}", qualifier, kind, outlet)


def test_a_claim_repeated_by_outlets_is_one_claim_with_its_sources() -> None:
    claims = group_claims([record(12000, "NIS", "Yonhap"), record(12000, "NIS", "Reuters", hours=1),
                           record(12000, "NIS", "TASS", hours=2)])
    assert [c.text() for c in claims] == [
        "12,000 deployed — NIS · Yonhap, Reuters, TASS · 01 Jul 2025"]


def test_a_claim_line_keeps_the_qualifier_and_the_kind() -> None:
    claims = group_claims([record(3000, "NIS", "Yonhap", qualifier="additional"),
                           record(10000, "NIS", "Yonhap", qualifier="about", kind="planned"),
                           record(300, "NIS", "Yonhap", kind="casualties")])
    assert [c.text() for c in claims] == [
        "additional 3,000 deployed — NIS · Yonhap · 01 Jul 2025",
        "about 10,000 planned — NIS · Yonhap · 01 Jul 2025",
        "300 casualties — NIS · Yonhap · 01 Jul 2025",
    ]


def test_deployed_planned_and_casualties_of_one_figure_stay_apart() -> None:
    claims = group_claims([record(3000, "NIS", "Yonhap"),
                           record(3000, "NIS", "Yonhap", kind="casualties")])
    assert [c.kind for c in claims] == ["deployed", "casualties"]


def test_an_increment_stays_apart_from_a_total() -> None:
    claims = group_claims([record(3000, "NIS", "Yonhap"),
                           record(3000, "NIS", "Dawn", qualifier="additional")])
    assert len(claims) == 2


def test_an_outlet_that_credits_nobody_is_named_once() -> None:
    [claim] = group_claims([record(10000, "Dawn", "Dawn")])
    assert claim.text() == "10,000 deployed — Dawn · 01 Jul 2025"


# --- the headline per channel --------------------------------------------------------------------


def story(*items: StoryItem) -> Story:
    first = items[0]
    return Story(1, first.title, first.link, "Первое сообщение.", NOW, NOW, NOW, ["treaty"],
                 [], list(items))


RU = StoryItem(1, "TASS", "КНДР ратифицировала договор", "https://tass.example/1", NOW, "ru",
               summary="Первое сообщение.")
EN = StoryItem(2, "Wire", "North Korea ratifies the treaty", "https://wire.example/2",
               NOW + timedelta(hours=1), "en", "Reuters", "The English report.")
KO = StoryItem(3, "연합뉴스", "북한, 조약 비준", "https://yna.example/3", NOW + timedelta(hours=2),
               "ko", summary="한국어 기사.")


def test_an_english_channel_gets_the_english_headline_of_a_story() -> None:
    message = story_message(story(RU, EN, KO))
    assert (message.title, message.link, message.body) == (
        "North Korea ratifies the treaty", "https://wire.example/2", "The English report.")


def test_a_channels_language_preference_chooses_its_headline() -> None:
    assert headline(story(RU, EN, KO), ("ko", "en"))[0] == "북한, 조약 비준"


def test_without_a_report_in_the_preferred_language_the_first_report_stands() -> None:
    assert headline(story(RU, KO), ("en",))[0] == "КНДР ратифицировала договор"


def test_the_outlets_of_a_story_are_its_publishers() -> None:
    assert story(RU, EN, KO).outlets == ["TASS", "Reuters", "연합뉴스"]


# --- through the pipeline ----------------------------------------------------------------------


async def test_a_news_searchs_items_are_stored_and_claimed_under_their_outlets(
    config: Config, store: SQLiteStore, clock: Clock
) -> None:
    when = format_datetime(clock.now)
    body = news_search(
        f"<item><title>N. Korea sends 1,500 more troops to Russia - Yonhap</title>"
        f"<link>https://news.google.com/rss/articles/1</link><pubDate>{when}</pubDate>"
        f"<description>North Korea sent an additional 1,500 troops to Russia, the NIS said."
        f'</description><source url="https://en.yna.co.kr">Yonhap</source></item>'
        f"<item><title>North Korea sent another 1,500 soldiers to Russia - Reuters</title>"
        f"<link>https://news.google.com/rss/articles/2</link><pubDate>{when}</pubDate>"
        f"<description>North Korea sent another 1,500 soldiers to Russia, according to the "
        f'NIS.</description><source url="https://www.reuters.com">Reuters</source></item>')
    async with started_feed_server() as server:
        server.add("/search", body)
        feed = Feed(name="Google News — troops", url=f"{server.url}/search", aggregator=True)
        pipeline = Pipeline(config.model_copy(update={"feeds": (feed,)}), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(FetchLimits(total_timeout=1.0, connect_timeout=0.5,
                                       allow_private=True)) as fetcher:
            await pipeline.poll(fetcher)
    [claim] = group_claims(await store.troop_claims(10))
    assert claim.text() == "additional 1,500 deployed — NIS · Yonhap, Reuters · " \
        f"{clock.now:%d %b %Y}"
    story = await store.story(claim.first.story_id)
    assert story is not None and story.outlets == ["Yonhap", "Reuters"]
