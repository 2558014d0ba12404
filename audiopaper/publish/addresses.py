"""Which addresses the world can reach: a base URL the feed, playlists and pages point at,
and the owner's e-mail that podcast directories write to.

Loopback, the LAN's own names and addresses, and the names RFC 2606 and RFC 6761 reserve for
examples and tests are reachable from nowhere else (or nowhere at all)."""

from __future__ import annotations

import ipaddress
from dataclasses import fields
from urllib.parse import urlsplit

from audiopaper.settings import FeedSettings, Settings

PLACEHOLDER_EMAIL = next(f.default for f in fields(FeedSettings) if f.name == "email")
_PRIVATE_SUFFIXES = (".localhost", ".local", ".lan", ".internal", ".home.arpa", ".test", ".invalid", ".example")
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def private_host(host: str) -> bool:
    """Whether no one on the internet can reach (or mail) `host`."""
    host = host.lower().rstrip(".")
    ip = _ip(host)
    if ip is not None:
        return not ip.is_global
    if "." not in host:  # localhost, or an intranet's single-label name
        return True
    return host.endswith(_PRIVATE_SUFFIXES) or any(host == d or host.endswith("." + d) for d in _EXAMPLE_DOMAINS)


def is_public_url(url: str | None) -> bool:
    """Whether `url` is an address the internet can reach: not loopback, the LAN, or an example."""
    host = _host(url) if url else None
    return host is not None and not private_host(host)


def owner_warnings(settings: Settings) -> list[str]:
    """What goes wrong when OUT is published at settings.base_url with these feed settings,
    one line each.

    Podcast directories send their ownership checks to the owner's e-mail: a feed published
    with the placeholder can never be claimed, and a listener's mail goes nowhere."""
    email = (settings.feed.email or "").strip()
    domain = email.rpartition("@")[2]
    base = settings.base_url
    if is_public_url(base) and (email == PLACEHOLDER_EMAIL or not domain or private_host(domain)):
        return [
            f"the feed at {base} gives the owner's e-mail as {email or '(none)'}, "
            "which no one receives: set email under [feed] in the config"
        ]
    return []
