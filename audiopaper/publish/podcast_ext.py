"""A feedgen extension for the Podcasting 2.0 namespace (podcast:), and the iTunes tags
feedgen 1.0 gets wrong.

feedgen 1.0 ships no podcast: namespace. Its iTunes extension also falls short in two places
this module covers:
- itunes:explicit accepts only "yes"/"no"/"clean", while Apple's current spec and PSP-1 say
  "true"/"false" (feedgen raises ValueError on "false");
- itunes:image silently drops (constructs but never raises a ValueError for) any URL that
  does not end in ".jpg"/".png", e.g. one with a query string.
So the channel's itunes:explicit and itunes:image are written here; never set them through
fg.podcast as well, or the feed would carry each tag twice.

Register with:
    fg.register_extension("podcastindex", PodcastExtension, PodcastEntryExtension)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The namespace UUID the Podcasting 2.0 spec fixes for deriving podcast:guid.
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
CHAPTERS_TYPE = "application/json+chapters"


def podcast_guid(feed_url: str) -> str:
    """podcast:guid as the spec derives it: UUIDv5 of the feed URL without its scheme and
    trailing slashes, so any app can recompute it from the URL alone."""
    stripped = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, stripped))


@dataclass(frozen=True)
class Transcript:
    url: str
    type: str
    language: str | None = None
    rel: str | None = None  # "captions" for timed text a player may show in sync


@dataclass(frozen=True)
class Alternate:
    url: str
    length: int
    type: str
    bitrate: int  # bits per second
    title: str
    default: bool = False


def xml_elem(tag: str, parent: Any) -> Any:
    # feedgen.util has the same helper, but importing it before feedgen.feed fails (it uses
    # lxml.etree without importing it).
    return etree.SubElement(parent, tag)


class PodcastExtension(BaseExtension):
    """Channel-level tags: podcast:guid, podcast:locked, podcast:medium, itunes:explicit, itunes:image."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: bool | None = None
        self._locked_owner: str | None = None
        self._medium: str | None = None
        self._explicit: bool | None = None
        self._image: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "itunes": ITUNES_NS}

    def guid(self, value: str) -> None:
        self._guid = value

    def locked(self, value: bool, owner: str | None = None) -> None:
        """podcast:locked: "yes" tells other platforms not to import the feed."""
        self._locked = value
        self._locked_owner = owner

    def medium(self, value: str) -> None:
        self._medium = value

    def explicit(self, value: bool) -> None:
        self._explicit = value

    def image(self, url: str) -> None:
        self._image = url

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if self._explicit is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = "true" if self._explicit else "false"
        if self._image:
            xml_elem(f"{{{ITUNES_NS}}}image", channel).attrib["href"] = self._image
        if self._locked is not None:
            locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
            locked.text = "yes" if self._locked else "no"
            if self._locked_owner:
                locked.attrib["owner"] = self._locked_owner
        if self._guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self._guid
        if self._medium:
            xml_elem(f"{{{PODCAST_NS}}}medium", channel).text = self._medium
        return rss_feed


class PodcastEntryExtension(BaseEntryExtension):
    """Item-level tags: podcast:transcript (any number), podcast:chapters and
    podcast:alternateEnclosure (any number)."""

    def __init__(self) -> None:
        self._transcripts: list[Transcript] = []
        self._chapters: str | None = None
        self._alternates: list[Alternate] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def transcript(self, url: str, type: str, language: str | None = None, rel: str | None = None) -> None:
        self._transcripts.append(Transcript(url, type, language, rel))

    def chapters(self, url: str) -> None:
        self._chapters = url

    def alternate_enclosure(
        self, url: str, length: int, type: str, bitrate: int, title: str, default: bool = False
    ) -> None:
        """podcast:alternateEnclosure: another file of the same episode (a lower bitrate)."""
        self._alternates.append(Alternate(url, length, type, bitrate, title, default))

    def extend_rss(self, entry: Any) -> Any:
        for t in self._transcripts:
            el = xml_elem(f"{{{PODCAST_NS}}}transcript", entry)
            el.attrib["url"] = t.url
            el.attrib["type"] = t.type
            if t.language:
                el.attrib["language"] = t.language
            if t.rel:
                el.attrib["rel"] = t.rel
        if self._chapters:
            el = xml_elem(f"{{{PODCAST_NS}}}chapters", entry)
            el.attrib["url"] = self._chapters
            el.attrib["type"] = CHAPTERS_TYPE
        for alt in self._alternates:
            el = xml_elem(f"{{{PODCAST_NS}}}alternateEnclosure", entry)
            el.attrib["type"] = alt.type
            el.attrib["length"] = str(alt.length)
            el.attrib["bitrate"] = str(alt.bitrate)
            el.attrib["title"] = alt.title
            if alt.default:
                el.attrib["default"] = "true"
            xml_elem(f"{{{PODCAST_NS}}}source", el).attrib["uri"] = alt.url
        return entry
