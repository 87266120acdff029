"""Canonical links: the same article under tracking parameters is one link."""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
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
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
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
