"""Schema versions. Each step runs in its own transaction; `PRAGMA user_version` tracks them."""

from __future__ import annotations

MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            config_url TEXT NOT NULL,
            url TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            added_at TEXT NOT NULL,
            last_polled TEXT,
            next_poll TEXT,
            last_success TEXT,
            last_error TEXT,
            last_error_at TEXT,
            failures INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            link TEXT NOT NULL,
            summary TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            first_published TEXT NOT NULL,
            last_published TEXT NOT NULL,
            topics TEXT NOT NULL,
            articles TEXT NOT NULL,
            item_count INTEGER NOT NULL DEFAULT 0,
            alerted INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX stories_published ON stories(last_published)",
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            story_id INTEGER NOT NULL REFERENCES stories(id),
            guid TEXT NOT NULL,
            link TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            published TEXT NOT NULL,
            date_from_feed INTEGER NOT NULL,
            first_seen TEXT NOT NULL,
            language TEXT NOT NULL,
            topics TEXT NOT NULL,
            articles TEXT NOT NULL,
            why TEXT NOT NULL,
            features TEXT NOT NULL,
            alerted INTEGER NOT NULL,
            UNIQUE (feed_id, guid)
        )""",
        "CREATE UNIQUE INDEX items_link ON items(link) WHERE link != ''",
        "CREATE INDEX items_story ON items(story_id)",
        """CREATE TABLE item_keys (
            key TEXT NOT NULL,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            published TEXT NOT NULL
        )""",
        "CREATE INDEX item_keys_lookup ON item_keys(key, published)",
        """CREATE TABLE troop_claims (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            figure INTEGER NOT NULL,
            claimant TEXT NOT NULL,
            sentence TEXT NOT NULL
        )""",
        "CREATE INDEX troop_claims_item ON troop_claims(item_id)",
        """CREATE TABLE subscriptions (
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            topic TEXT NOT NULL,
            role TEXT,
            source TEXT NOT NULL,
            broken_at TEXT,
            PRIMARY KEY (platform, channel, topic)
        )""",
        """CREATE TABLE deliveries (
            story_id INTEGER NOT NULL REFERENCES stories(id),
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            message_id TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (story_id, platform, channel)
        )""",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            story_id INTEGER NOT NULL REFERENCES stories(id),
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('post', 'update')),
            created_at TEXT NOT NULL,
            done_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )""",
        "CREATE INDEX outbox_pending ON outbox(platform, done_at)",
    ],
    2: [
        # Which treaty articles each item cites: by number ("Article 4") or by one of the
        # article's distinctive phrasings ("assistance without delay").
        """CREATE TABLE article_citations (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            article INTEGER NOT NULL,
            how TEXT NOT NULL CHECK (how IN ('number', 'phrasing')),
            published TEXT NOT NULL,
            PRIMARY KEY (article, item_id)
        )""",
        "CREATE INDEX article_citations_recent ON article_citations(article, published)",
        """INSERT INTO article_citations (item_id, article, how, published)
           SELECT i.id, a.value, 'number', i.published FROM items i, json_each(i.articles) a""",
    ],
    3: [
        # Feeds added by /feeds add live beside those of feeds.yaml; a feed dropped from
        # either is kept (its items stay) but no longer polled.
        "ALTER TABLE feeds ADD COLUMN source TEXT NOT NULL DEFAULT 'config'",
        "ALTER TABLE feeds ADD COLUMN active INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE feeds ADD COLUMN language TEXT NOT NULL DEFAULT ''",
    ],
    4: [
        # When a feed's failure was last reported to the admins: the report goes out once
        # per failure episode, and a later success after it is reported as a recovery.
        "ALTER TABLE feeds ADD COLUMN failure_reported_at TEXT",
        # One row per ISO week covered and channel. 'posted' is written only after the
        # platform accepted the digest (as the outbox does); 'missed' when it fell due while
        # the bot was down and the grace period had passed, so that it is said once.
        """CREATE TABLE digest_posts (
            week TEXT NOT NULL,
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('posted', 'missed')),
            message_id TEXT,
            at TEXT NOT NULL,
            PRIMARY KEY (week, platform, channel)
        )""",
    ],
    5: [
        # The weekly digest reads a week of stories, /troops a range of items, and merging
        # two stories moves their outbox rows: without these each scanned every stored row.
        "CREATE INDEX stories_first_published ON stories(first_published)",
        "CREATE INDEX items_published ON items(published)",
        "CREATE INDEX outbox_story ON outbox(story_id)",
    ],
    6: [
        # Each item's sentence vector (bot/embed.py, float16), written once: folding compares
        # a new item with the stored ones of the last two days. Items stored before this
        # version have none (NULL); the partial index finds the embedded items of a range.
        "ALTER TABLE items ADD COLUMN vector BLOB",
        "CREATE INDEX items_embedded ON items(published) WHERE vector IS NOT NULL",
    ],
    7: [
        # When a post of this row first went out with no answer recorded: a post whose
        # outcome is unknown is looked for on the platform before it is sent again.
        "ALTER TABLE outbox ADD COLUMN sent_at TEXT",
        # Bumped when the story changes while the row waits: a post or edit that went out
        # with the older story is followed by an update.
        "ALTER TABLE outbox ADD COLUMN changes INTEGER NOT NULL DEFAULT 0",
        # The poll loop asks for the due feeds every second.
        "CREATE INDEX feeds_due ON feeds(active, next_poll)",
        # One row, rewritten to learn whether writes work again after a disk fault.
        "CREATE TABLE store_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL)",
    ],
    8: [
        # Who published an item a news search passes on (its <source>, its link's host);
        # '' when the feed is its own outlet. Troop figures keep their qualifier ("about",
        # "up to", ...) and kind (deployed, planned, casualties).
        "ALTER TABLE items ADD COLUMN outlet TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE troop_claims ADD COLUMN qualifier TEXT",
        "ALTER TABLE troop_claims ADD COLUMN kind TEXT NOT NULL DEFAULT 'deployed'",
    ],
}

LATEST = max(MIGRATIONS)
