"""The default podcast cover, OUT/cover.png, drawn from the paper's name.

Apple wants a square RGB PNG or JPEG of 1400 to 3000 px. Most servers and CI machines have no
CJK font, and bundling one large enough for any paper's name (a full Noto Sans SC is ~10 MB;
a subset can't know the names it will meet) is out of proportion for a default. So:
- when fontconfig finds an installed font holding every character of the name (and of 有声版),
  the cover sets the name in it, white on masthead red;
- otherwise the cover is the same design with the name in pinyin, set in the Latin font that
  Pillow itself embeds, so it never shows tofu boxes on any machine.
A configured settings.feed.image replaces it entirely.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiopaper.fsutil import write_if_changed

COVER = "cover.png"
SIZE = 1400  # Apple's minimum; the file stays small and any app scales it down anyway
TAGLINE = "有声版"
TAGLINE_LATIN = "AUDIO EDITION"
RED = (166, 16, 24)  # a masthead red; white on it is 7.6:1, legible as a thumbnail
WHITE = (255, 255, 255)
PALE = (255, 226, 205)
# Bar heights of the sound-wave mark, as fractions of its height: symmetric, so it reads as
# "audio" at 60 px too.
_WAVE = (0.25, 0.45, 0.7, 1.0, 0.6, 0.85, 0.4, 0.85, 0.6, 1.0, 0.7, 0.45, 0.25)

if TYPE_CHECKING:
    from PIL import ImageDraw


@functools.cache
def font_for(text: str) -> str | None:
    """The path of an installed font with a glyph for every character of `text`, or None.

    Asks fontconfig by charset, so a font that would draw any character as a box is never chosen."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    charset = " ".join(f"{ord(c):x}" for c in sorted(set(text)) if not c.isspace())
    try:
        proc = subprocess.run(
            [fc_list, f":charset={charset}", "file"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    paths = sorted(p.strip().rstrip(":").strip() for p in proc.stdout.splitlines() if p.strip())
    # Sans and bold faces read best at thumbnail size; sorting keeps the choice stable.
    paths.sort(key=lambda p: (not any(k in p.lower() for k in ("bold", "hei", "sans")), p))
    return paths[0] if paths else None


def _fit(draw: ImageDraw.ImageDraw, text: str, load: Any, width: int, largest: int) -> Any:
    """The largest font size at most `largest` whose rendering of `text` fits `width`."""
    size = largest
    while True:
        font = load(size)
        left, _, right, _ = draw.textbbox((0, 0), text, font=font)
        if right - left <= width or size <= 24:
            return font
        size = int(size * 0.92)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, font: Any, fill: tuple[int, int, int]) -> None:
    # Anchor "ms" (middle, baseline) keeps lines aligned whatever the glyphs' ink.
    draw.text((SIZE // 2, y), text, font=font, fill=fill, anchor="ms")


def render_cover(name: str, font_path: str | None = None) -> bytes:
    """The cover as PNG bytes. With `font_path` None the name is set in pinyin (see module doc).

    Raises ImportError without Pillow."""
    # Imported here so that a missing Pillow costs the default cover, never the feed.
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (SIZE, SIZE), RED)
    draw = ImageDraw.Draw(image)
    margin = SIZE // 10
    if font_path:
        title, tagline = name, TAGLINE

        def load(size: int) -> Any:
            return ImageFont.truetype(font_path, size)
    else:
        # Only printable ASCII: Pillow's embedded font has no other glyph worth showing.
        from pypinyin import lazy_pinyin  # slow to load: only when a cover is drawn

        title = re.sub(r"[^ -~]+", "", " ".join(lazy_pinyin(name)).upper()).strip() or "AUDIOPAPER"
        tagline = TAGLINE_LATIN

        def load(size: int) -> Any:
            return ImageFont.load_default(size)

    # Frame: a thin inner rule, as on a masthead.
    draw.rectangle((margin // 2, margin // 2, SIZE - margin // 2, SIZE - margin // 2), outline=PALE, width=6)
    title_font = _fit(draw, title, load, SIZE - 2 * margin, 300)
    _centered(draw, int(SIZE * 0.42), title, title_font, WHITE)
    # The sound-wave mark.
    bar, gap = 40, 28
    total = len(_WAVE) * bar + (len(_WAVE) - 1) * gap
    x = (SIZE - total) // 2
    mid, height = int(SIZE * 0.62), int(SIZE * 0.2)
    for frac in _WAVE:
        h = int(height * frac)
        draw.rounded_rectangle((x, mid - h // 2, x + bar, mid + h // 2), radius=bar // 2, fill=WHITE)
        x += bar + gap
    tag_font = _fit(draw, tagline, load, SIZE - 2 * margin, 96)
    _centered(draw, int(SIZE * 0.86), tagline, tag_font, PALE)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def write_cover(out: Path, name: str, font_path: str | None = None, *, find_font: bool = True) -> Path:
    """Write OUT/cover.png for `name`, atomically, and only when it changes: podcast apps
    re-fetch artwork whose file changed, so an unchanged cover must stay byte-identical."""
    if font_path is None and find_font:
        font_path = font_for(name + TAGLINE)
    path = out / COVER
    write_if_changed(path, render_cover(name, font_path))
    return path
