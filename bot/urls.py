"""Canonical links: the same article under tracking parameters is one link."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_TRACKING_KEYS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ocid", "cmpid", "ref", "ref_src",
     "_ga", "mkt_tok", "spm"}
)


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in _TRACKING_KEYS or key.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, default port and fragment dropped, tracking query removed.

    Returns "" for something that is not an http(s) URL, so that it never
    counts as a link shared by two items.
    """
    # Inner spaces and controls are percent-encoded, as browsers do: left raw, a trailing one
    # would be stripped by the next call, and the result would not be canonical.
    url = _UNSAFE.sub(lambda m: quote(m[0]), url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    # Filter the raw "key=value" pieces: decoding and re-encoding would change the link.
    query = "&".join(
        piece for piece in parts.query.split("&")
        if piece and not _is_tracking(unquote_plus(piece.split("=", 1)[0]))
    )
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


def web_url(value: object, limit: int) -> str | None:
    """`value` stripped, if it is an http(s) URL with a host, without whitespace or control
    characters, and at most `limit` characters long; else None. Chat platforms refuse a whole
    message over one bad link, and a cut URL leads nowhere, so a long one is dropped."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > limit or any(c.isspace() or ord(c) < 32 or c == "\x7f" for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
