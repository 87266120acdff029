"""The bundled sample feeds (package data) and a config that points at them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from bot.config import Config, Feed, parse_config


@dataclass(frozen=True, slots=True)
class SampleFeed:
    file: str
    name: str
    language: str


def samples_dir() -> Path:
    return Path(str(resources.files("bot").joinpath("samples")))


def sample_feeds() -> list[SampleFeed]:
    data = yaml.safe_load((samples_dir() / "index.yaml").read_text(encoding="utf-8"))
    return [SampleFeed(f["file"], f["name"], f.get("language", "")) for f in data["feeds"]]


def bundled_config() -> Config:
    """The default feeds.yaml that ships in the package."""
    text = resources.files("bot").joinpath("data/default_feeds.yaml").read_text(encoding="utf-8")
    return parse_config(yaml.safe_load(text), "bundled feeds.yaml")


def demo_config(base: Config, base_url: str, max_age_days: int) -> Config:
    """The default topics and settings, with the sample feeds served at `base_url`."""
    feeds = tuple(
        Feed(name=f.name, url=f"{base_url}/{f.file}", language=f.language) for f in sample_feeds()
    )
    poll = base.poll.model_copy(update={"max_age": base.poll.max_age.__class__(days=max_age_days)})
    # The sample server listens on 127.0.0.1, which fetching refuses unless allowed; these URLs
    # are ours, not user input.
    fetch = base.fetch.model_copy(update={"allow_private": True})
    return base.model_copy(update={"feeds": feeds, "poll": poll, "fetch": fetch, "routes": {}})
