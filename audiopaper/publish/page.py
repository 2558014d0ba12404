"""The listeners' pages: OUT/index.html (every edition) and OUT/DATE/index.html (one)."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from audiopaper.fsutil import atomic_write_text
from audiopaper.publish.feed import feed_title
from audiopaper.publish.layout import FEED, INDEX
from audiopaper.publish.manifest import Manifest, all_manifests
from audiopaper.settings import Settings


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("audiopaper.publish", "templates"),
        autoescape=select_autoescape(["html", "xml"], default=True),
    )


def render_page(manifests: list[Manifest], settings: Settings, prefix_of_edition: bool) -> str:
    paper = settings.paper or (manifests[0].paper if manifests else "audiopaper")
    editions = [
        {**m.__dict__, "prefix": "" if prefix_of_edition else f"{m.date}/"} for m in manifests[: settings.feed.keep]
    ]
    return (
        _environment()
        .get_template("index.html")
        .render(
            title=feed_title(settings, paper),
            feed_href=f"../{FEED}" if prefix_of_edition else FEED,
            editions=editions,
        )
    )


def write_pages(out: Path, settings: Settings) -> None:
    manifests = all_manifests(out)
    atomic_write_text(out / INDEX, render_page(manifests, settings, prefix_of_edition=False))


def write_edition_page(folder: Path, manifest: Manifest, settings: Settings) -> None:
    atomic_write_text(folder / INDEX, render_page([manifest], settings, prefix_of_edition=True))
