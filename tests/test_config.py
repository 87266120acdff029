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


def test_empty_alternative_in_a_regex_guard(tmp_path: Path) -> None:
    data = base()
    data["topics"]["troops"]["any"].append("re:north korean troops -- dmz||mdl")
    message = error_of(tmp_path, data)
    assert "empty alternative in the guard of 're:north korean troops -- dmz||mdl'" in message


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


def test_the_bundled_default_is_a_real_file_not_a_link() -> None:
    # Git for Windows checks symbolic links out as text files holding the target's path.
    assert not (ROOT / "bot" / "data" / "default_feeds.yaml").is_symlink()


def test_a_duplicate_key_is_refused_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    text = (ROOT / "feeds.yaml").read_text(encoding="utf-8")
    path.write_text(text + "\npoll:\n  interval: 5m\n", encoding="utf-8")
    first = 1 + text.splitlines().index("poll:")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    last = len(text.splitlines()) + 2
    assert str(exc.value) == (f"{path}:{last}: duplicate key 'poll' (also on line {first}): "
                              "the second would silently replace the first")


@pytest.mark.parametrize("language", ["english", "kr", "e"])
def test_an_unknown_language_is_refused(tmp_path: Path, language: str) -> None:
    data = base()
    data["feeds"][1]["language"] = language
    assert error_of(tmp_path, data).endswith(
        f"feeds[1].language: unknown language {language!r}: use a two-letter code such as "
        "en, ko or ru")


def test_a_language_with_a_region_is_its_language(tmp_path: Path) -> None:
    data = base()
    data["feeds"][1]["language"] = "ko-KR"
    assert load_config(write(tmp_path, data)).feeds[1].language == "ko"


def test_a_url_with_a_space_is_refused(tmp_path: Path) -> None:
    data = base()
    data["feeds"][0]["url"] = "https://example.org/news feed.xml"
    assert error_of(tmp_path, data).endswith(
        "feeds[0].url: a URL cannot hold spaces (write %20 for one): "
        "'https://example.org/news feed.xml'")


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("feeds", {"name": "x"}, "feeds: expected a list (lines starting with '- ', or [a, b])"),
    ("poll", "often", "poll: expected a mapping (indented 'key: value' lines), not 'often'"),
    ("fetch", {"max_concurrency": 0}, "fetch.max_concurrency: must be at least 1"),
    ("fetch", {"allow_private": "maybe"}, "fetch.allow_private: expected true or false, "
                                          "not 'maybe'"),
])
def test_messages_are_in_the_users_words_not_the_validation_librarys(
    tmp_path: Path, key: str, value: object, expected: str
) -> None:
    data = base()
    data[key] = value
    message = error_of(tmp_path, data)
    assert message.endswith(expected)
    assert "Input should" not in message and "valid" not in message


def official_text_config(tmp_path: Path, text: str | None) -> Path:
    data = base()
    data["treaty"] = {"official_text": "official.txt"}
    if text is not None:
        (tmp_path / "official.txt").write_text(text, encoding="utf-8")
    return write(tmp_path, data)


@pytest.mark.parametrize("text", [None, "== Preamble ==\ntext\n== Article 1 ==\none\n"],
                         ids=["missing", "unparseable"])
def test_check_config_refuses_an_official_text_exactly_as_run_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    text: str | None,
) -> None:
    path = official_text_config(tmp_path, text)
    assert main(["check-config", str(path)]) == 2
    checked = capsys.readouterr().err
    assert checked.startswith(f"error: {path}: treaty.official_text: {tmp_path / 'official.txt'}:")
    monkeypatch.setenv("DISCORD_TOKEN", "a-token-that-is-never-used")
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main(["run", "--config", str(path), "--db", str(tmp_path / "x.sqlite")]) == 2
    assert capsys.readouterr().err == checked
    assert not (tmp_path / "x.sqlite").exists()


@pytest.mark.parametrize("change", ["duplicate key", "language", "url"])
def test_check_config_and_run_give_the_same_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    data = base()
    if change == "language":
        data["feeds"][0]["language"] = "korean"
    elif change == "url":
        data["feeds"][0]["url"] = "https://example.org/a b"
    path = write(tmp_path, data)
    if change == "duplicate key":
        path.write_text(path.read_text(encoding="utf-8") + "topics: {}\n", encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    checked = capsys.readouterr().err
    monkeypatch.setenv("DISCORD_TOKEN", "a-token-that-is-never-used")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", str(path), "--db", str(tmp_path / "x.sqlite")]) == 2
    assert capsys.readouterr().err == checked and checked.count("\n") == 1
