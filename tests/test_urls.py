"""Canonical links: one article under tracking parameters, odd casing or ports is one link."""

from __future__ import annotations

import pytest

from bot.urls import canonical_url, web_url


def test_utm_parameters_are_removed() -> None:
    url = "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x"
    assert canonical_url(url) == "https://example.com/a"


def test_utm_parameters_are_removed_whatever_their_case() -> None:
    assert canonical_url("https://example.com/a?UTM_Source=rss&id=1") == "https://example.com/a?id=1"


def test_fbclid_and_gclid_are_removed() -> None:
    assert canonical_url("https://example.com/a?fbclid=IwAR0&gclid=Cj0") == "https://example.com/a"


def test_other_query_parameters_are_kept_in_their_order() -> None:
    url = "https://example.com/view?id=42&utm_source=rss&lang=en&fbclid=x&b=2&a=1"
    assert canonical_url(url) == "https://example.com/view?id=42&lang=en&b=2&a=1"


def test_repeated_and_blank_query_parameters_are_kept() -> None:
    assert canonical_url("https://example.com/p?a=1&a=2&x=") == "https://example.com/p?a=1&a=2&x="


def test_the_fragment_is_removed() -> None:
    assert canonical_url("https://example.com/a?id=1#comments") == "https://example.com/a?id=1"


def test_scheme_and_host_are_lower_cased() -> None:
    assert canonical_url("HTTPS://WWW.Example.COM/a") == "https://www.example.com/a"


def test_the_path_keeps_its_case() -> None:
    assert canonical_url("https://example.com/News/Article-ABC") == (
        "https://example.com/News/Article-ABC"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
    ],
)
def test_default_ports_are_dropped(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
    ],
)
def test_other_ports_are_kept(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_an_empty_path_becomes_a_slash() -> None:
    assert canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("https://example.com?id=1") == "https://example.com/?id=1"


def test_surrounding_whitespace_is_ignored() -> None:
    assert canonical_url("  https://example.com/a\n") == "https://example.com/a"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "mailto:desk@example.com",
        "javascript:alert(1)",
        "/relative/path",
        "example.com/a",
        "not a url",
        "",
        "http://[::1",
        "http://example.com:99999/",
        "https:///no-host",
    ],
)
def test_non_http_urls_and_garbage_become_empty(url: str) -> None:
    assert canonical_url(url) == ""


def test_kept_query_parameters_are_not_re_encoded() -> None:
    assert canonical_url("https://x.example/a?q=a%20b&utm_source=rss&id=1/2") == (
        "https://x.example/a?q=a%20b&id=1/2"
    )


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "ftp://example.com/a", "https://", "https:///path", "//example.com/a",
    "https://exa mple.com/a", "https://example.com/\x00", "https://example.com/\x7f", "",
    "https://[::1/a",
])
def test_a_link_that_is_not_a_web_address_is_not_linked(url: str) -> None:
    assert web_url(url, 100) is None


def test_a_link_longer_than_the_limit_is_dropped_not_cut() -> None:
    url = "https://example.com/" + "a" * 80
    assert web_url(url, len(url)) == url
    assert web_url(url, len(url) - 1) is None


def test_a_web_link_is_kept_stripped_of_surrounding_space() -> None:
    assert web_url("  https://Example.com/a?b=1 ", 100) == "https://Example.com/a?b=1"


def test_what_is_not_text_is_not_a_link() -> None:
    assert web_url(None, 100) is None and web_url(42, 100) is None
