"""The same poll cycle with lemon24/reader, into its own SQLite file.

A child process of its own. Params: {"urls": [...], "db": path, "workers": 16}. Feeds are
added before the clock starts (as treatywatch syncs its feed table before it); the cycle is
`update_feeds(workers=16, scheduled=False)`: every feed, due or not, 16 fetching threads.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from benchmarks.measure import child_main, peak_rss_mib, span


def run(params: dict[str, Any]) -> dict[str, Any]:
    from reader import FeedExistsError, make_reader

    urls: list[str] = list(params["urls"])
    reader = make_reader(str(params["db"]))
    try:
        for url in urls:
            with suppress(FeedExistsError):  # the warm cycle, on the cold cycle's database
                reader.add_feed(url)
        before = reader.get_entry_counts().total
        with span() as timed:
            reader.update_feeds(workers=int(params.get("workers", 16)), scheduled=False)
        entries = reader.get_entry_counts().total
        broken = reader.get_feed_counts(broken=True).total
    finally:
        reader.close()
    return {
        **timed.as_dict(), "peak_rss_mib": round(peak_rss_mib(), 1), "feeds": len(urls),
        "broken_feeds": broken, "entries_new": entries - (before or 0), "entries": entries,
    }


if __name__ == "__main__":
    child_main(run)
