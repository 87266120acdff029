"""feeds.yaml validation: one line naming file, key path and problem; exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def base() -> dict:
    return yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))


def error_of(tmp_path: Path, data: object) -> str:
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, data))
    return str(exc.value)


def test_the_shipped_feeds_yaml_is_valid_and_has_ten_real_feeds() -> None:
    config = load_config(ROOT / "feeds.yaml")
    assert len(config.feeds) >= 10
    assert all(f.url.startswith("https://") for f in config.feeds)
    assert set(config.topics) == {"treaty", "troops", "kcna"}


def test_the_bundled_default_is_the_top_level_feeds_yaml() -> None:
    bundled = (ROOT / "bot" / "data" / "default_feeds.yaml").read_text(encoding="utf-8")
    assert bundled == (ROOT / "feeds.yaml").read_text(encoding="utf-8")


def test_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    data = base()
    data["poll"]["intervall"] = "5m"
    assert error_of(tmp_path, data) == f"{tmp_path / 'feeds.yaml'}: poll.intervall: unknown key"


def test_wrong_type_is_named(tmp_path: Path) -> None:
    data = base()
    data["fetch"]["max_bytes"] = "lots"
    message = error_of(tmp_path, data)
    assert message.startswith(f"{tmp_path / 'feeds.yaml'}: fetch.max_bytes: ")
    assert "integer" in message


def test_bad_url_names_the_feed_index(tmp_path: Path) -> None:
    data = base()
    data["feeds"][2]["url"] = "ftp://example.org/feed"
    assert error_of(tmp_path, data).endswith(
        "feeds[2].url: not an http(s) URL: 'ftp://example.org/feed'"
    )


def test_bad_regex_is_reported_with_the_term(tmp_path: Path) -> None:
    data = base()
    data["topics"]["troops"]["any"].append("re:(unclosed")
    message = error_of(tmp_path, data)
    assert ": topics.troops.any: bad regex '(unclosed'" in message


def test_unknown_time_zone(tmp_path: Path) -> None:
    data = base()
    data["digest"]["timezone"] = "Mars/Olympus"
    assert error_of(tmp_path, data).endswith("digest.timezone: unknown time zone 'Mars/Olympus'")


def test_duplicate_feed_url(tmp_path: Path) -> None:
    data = base()
    data["feeds"].append({"name": "Again", "url": data["feeds"][0]["url"]})
    assert "feeds: duplicate feed URL" in error_of(tmp_path, data)


def test_duplicate_feed_name(tmp_path: Path) -> None:
    data = base()
    data["feeds"].append({"name": data["feeds"][0]["name"], "url": "https://example.org/x"})
    assert "feeds: duplicate feed name" in error_of(tmp_path, data)


def test_unknown_topic_in_routes(tmp_path: Path) -> None:
    data = base()
    data["routes"]["weather"] = {"discord": []}
    assert "routes.weather: unknown topic" in error_of(tmp_path, data)


def test_bad_duration(tmp_path: Path) -> None:
    data = base()
    data["poll"]["max_age"] = "two days"
    assert "poll.max_age: expected a duration" in error_of(tmp_path, data)


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("poll:\n  interval: [15m\nfeeds: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(f"{path}:3: YAML syntax error")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_check_config_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = base()
    data["feeds"][0]["intervall"] = "1h"
    path = write(tmp_path, data)
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {path}: feeds[0].intervall: unknown key\n"


def test_check_config_accepts_a_valid_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(ROOT / "feeds.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_poll_refuses_to_start_on_an_invalid_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = base()
    data["digest"]["day"] = "someday"
    path = write(tmp_path, data)
    assert main(["poll", "--config", str(path), "--db", str(tmp_path / "x.sqlite")]) == 2
    assert "digest.day: not a day of the week" in capsys.readouterr().err
    assert not (tmp_path / "x.sqlite").exists()
