"""The edition as a DAISY 2.02 talking newspaper: OUT/DATE/daisy/ and OUT/DATE/daisy.zip.

Blind readers listen on DAISY players (Victor Reader, EasyReader, Thorium), which move by
the levels of the book's navigation centre: here the paper's sections (its pages, or topics)
are level 1 and the articles level 2, so a player's up/down keys pick the level and
left/right go from section to section or article to article.

The book is "audioFullText" (DAISY 2.02 section 2): ncc.html (XHTML 1.0 with the metadata
the specification requires), content.html (the text, one span per sentence), one SMIL 1.0
file per article synchronised sentence by sentence from the clip's transcript cues (the same
timings as its .vtt), a SMIL for the title (the opening) and one per section (its spoken
introduction), and the audio. The clips are hard links to the edition's own clips (no copy
on disk); the opening and section introductions are cut from the edition's programme audio
and brought to the clips' loudness, so that the level does not jump between them.

Everything is rebuilt from an edition folder's manifest and files; nothing here is needed to
publish the feed, so a folder without a DAISY book (built before) is published as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from audiopaper import __version__
from audiopaper.core import ffmpeg
from audiopaper.core.chinese import chinese_date
from audiopaper.core.speech import Cue
from audiopaper.fsutil import atomic_path
from audiopaper.publish.layout import DAISY, DAISY_ZIP
from audiopaper.publish.manifest import ClipEntry, Manifest, section_name
from audiopaper.publish.sanitize import inside, line
from audiopaper.publish.transcript import from_vtt
from audiopaper.settings import AudioSettings, loudness_target

NCC = "ncc.html"
CONTENT = "content.html"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XHTML_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)
SMIL_DOCTYPE = '<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 1.0//EN" "http://www.w3.org/TR/REC-smil/SMIL10.dtd">'
FORMAT = "Daisy 2.02"
LANGUAGE = "zh-CN"
MIN_PART_MS = 200  # shorter than this is no spoken introduction, only a gap
_SPACE = re.compile(r"\s+")


@dataclass
class Par:
    """One synchronised unit: a piece of text in content.html and the audio read for it."""

    id: str
    text: str  # the id of the element in content.html
    audio: str  # a file in the book
    begin_ms: int
    end_ms: int


@dataclass
class Smil:
    name: str
    title: str
    pars: list[Par] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        return sum(p.end_ms - p.begin_ms for p in self.pars)


@dataclass
class Block:
    """A block of content.html: a heading or a paragraph, its sentences (id, text)."""

    tag: str  # h1, h2, p
    id: str
    sentences: list[tuple[str, str]]
    css: str | None = None


@dataclass
class Heading:
    """An entry of ncc.html."""

    level: int
    id: str
    text: str
    smil: str
    par: str
    css: str | None = None


@dataclass
class Book:
    identifier: str
    title: str
    paper: str
    date: str
    narrator: str
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    smils: list[Smil] = field(default_factory=list)
    audio: dict[str, Path] = field(default_factory=dict)  # name in the book -> source file


# -- timings ---------------------------------------------------------------------------------


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


def mp3_duration_ms(path: Path) -> int:
    """The MP3's playing time as a player computes it (from its Xing header)."""
    from mutagen.mp3 import MP3

    info = MP3(path).info
    assert info is not None  # mutagen raises on a file that is no MP3
    return int(info.length * 1000)


def _spans(cues: Sequence[Cue], duration_ms: int) -> list[tuple[int, int]]:
    """Each cue's stretch of the clip, end to end: a sentence runs until the next begins, the
    first from the clip's start and the last to its end, so that the book plays every bit of
    the clip (the pauses too) and a player's step from sentence to sentence loses nothing."""
    starts = [0]
    for cue in cues[1:]:  # never backwards, even in a hand-edited transcript
        starts.append(min(max(cue.start_ms, starts[-1]), duration_ms))
    ends = [*starts[1:], duration_ms]
    return list(zip(starts, ends, strict=True))


def _layout(cues: Sequence[Cue], paragraphs: Sequence[str], credited: bool) -> list[tuple[str, list[int]]]:
    """Which cues make the heading, the credits and each paragraph: ("h2" | "credits" | "p",
    cue indexes). The cues are the clip's written sentences in order, the headline and the
    credits line first, then the paragraphs; where they do not add up to the paragraphs (a
    manifest edited by hand), each sentence after the first becomes a paragraph of its own."""
    texts = [_compact(c.text) for c in cues]
    body = "".join(_compact(p) for p in paragraphs)
    stream = "".join(texts)
    if not body or not stream.endswith(body):
        return [("h2", [0]), *(("p", [i]) for i in range(1, len(cues)))]
    head_len = len(stream) - len(body)
    bounds, total = [], 0
    for paragraph in paragraphs:
        total += len(_compact(paragraph))
        bounds.append(total)
    head: list[int] = []
    groups: dict[int, list[int]] = {}
    offset = 0
    for i, text in enumerate(texts):
        if offset < head_len:
            head.append(i)
        else:
            at = offset - head_len
            groups.setdefault(next(n for n, b in enumerate(bounds) if at < b), []).append(i)
        offset += len(text)
    layout: list[tuple[str, list[int]]] = []
    if credited and len(head) > 1:
        layout += [("h2", head[:-1]), ("credits", head[-1:])]
    elif head:
        layout.append(("h2", head))
    layout += [("p", groups[n]) for n in sorted(groups)]
    if layout and layout[0][0] != "h2":  # no headline read (never so in a build): the first sentence heads it
        first = layout[0][1]
        layout = [("h2", first[:1]), *([("p", first[1:])] if first[1:] else []), *layout[1:]]
    return layout


# -- the book --------------------------------------------------------------------------------


def _article(book: Book, n: int, clip: ClipEntry, audio_name: str, source: Path, folder: Path) -> Smil:
    duration = min(max(int(clip.duration_ms), 0), mp3_duration_ms(source)) or mp3_duration_ms(source)
    vtt = inside(folder, clip.vtt) if clip.vtt is not None else None
    cues = from_vtt((folder / vtt).read_text(encoding="utf-8")) if vtt else []
    title = line(clip.title) or f"第{n}篇"
    if not cues:
        cues = [Cue(0, duration, title)]
    spans = _spans(cues, duration)
    smil = Smil(f"a{n:03d}.smil", title)
    aid = f"a{n}"
    for tag, members in _layout(cues, clip.transcript, bool(clip.credits)):
        if tag == "h2":
            # The headline (kicker, title, subtitle) is one unit: what the NCC entry leads to.
            begin, end = spans[members[0]][0], spans[members[-1]][1]
            text = "".join(line(cues[i].text) for i in members) or title
            book.blocks.append(Block("h2", aid, [(aid, text)]))
            smil.pars.append(Par(f"{aid}-h", aid, audio_name, begin, end))
            book.headings.append(Heading(2, aid, title, smil.name, f"{aid}-h"))
            continue
        block = Block("p", f"{aid}-p{len(book.blocks)}", [], css="credits" if tag == "credits" else None)
        for i in members:
            sid = f"{aid}-{i + 1}"
            block.sentences.append((sid, line(cues[i].text)))
            if spans[i][1] > spans[i][0]:  # a sentence given no time is shown, not played
                smil.pars.append(Par(f"{sid}-par", sid, audio_name, *spans[i]))
        book.blocks.append(block)
    head = smil.pars[0]
    if head.end_ms <= head.begin_ms and len(smil.pars) > 1:  # a headline given no time takes the next
        head.end_ms = smil.pars.pop(1).end_ms
    return smil


@dataclass(frozen=True)
class _Chapter:
    title: str
    start_ms: int
    end_ms: int


def _chapters(folder: Path, manifest: Manifest) -> list[_Chapter]:
    name = inside(folder, manifest.chapters_file) if manifest.chapters_file is not None else None
    if name is None:
        return []
    try:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        return [
            _Chapter(str(c["title"]), round(float(c["startTime"]) * 1000), round(float(c["endTime"]) * 1000))
            for c in data["chapters"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _edition_parts(
    folder: Path, manifest: Manifest, sections: Sequence[Sequence[ClipEntry]]
) -> tuple[tuple[int, int] | None, list[tuple[int, int] | None]]:
    """Where the opening and each section's spoken introduction are in the programme audio:
    the opening runs to the first article's chapter (less the first section's introduction,
    its last sentence, when the edition has several sections); a later section's
    introduction (with the chime before it) fills the gap between its chapter and the one
    before. None where the edition shows no such part."""
    chapters = _chapters(folder, manifest)
    vtt = inside(folder, manifest.edition_vtt) if manifest.edition_vtt is not None else None
    cues = from_vtt((folder / vtt).read_text(encoding="utf-8")) if vtt else []
    # The chapters are the articles read, in order: match them to the clips by title.
    by_clip: dict[int, _Chapter] = {}
    rest = iter(chapters)
    for clip in (c for s in sections for c in s):
        for chapter in rest:
            if chapter.title == clip.title:
                by_clip[id(clip)] = chapter
                break
    intros: list[tuple[int, int] | None] = [None] * len(sections)
    first = by_clip.get(id(sections[0][0])) if sections and sections[0] else None
    if first is None:
        return None, intros
    before = [c for c in cues if c.start_ms < first.start_ms]
    opening_end = first.start_ms
    if len(sections) > 1 and len(before) >= 2:
        opening_end = before[-1].start_ms
        intros[0] = (opening_end, first.start_ms)
    for k in range(1, len(sections)):
        previous = by_clip.get(id(sections[k - 1][-1]))
        this = by_clip.get(id(sections[k][0]))
        if previous and this and this.start_ms - previous.end_ms >= MIN_PART_MS:
            intros[k] = (previous.end_ms, this.start_ms)
    opening = (0, opening_end) if opening_end >= MIN_PART_MS else None
    return opening, intros


def _gain_db(manifest: Manifest, audio: AudioSettings) -> float:
    """How much quieter the clips are than the programme: the cut parts are brought to them."""
    levels = [c.lufs for c in manifest.clips if c.lufs is not None]
    if levels and manifest.edition_lufs is not None:
        return sum(levels) / len(levels) - manifest.edition_lufs
    return loudness_target(audio, "clip").lufs - loudness_target(audio, "edition").lufs


def _sections(clips: Sequence[ClipEntry]) -> list[list[ClipEntry]]:
    """The clips grouped by section, in reading order (a section is a run of clips)."""
    groups: list[list[ClipEntry]] = []
    for clip in clips:
        if groups and section_name(groups[-1][-1]) == section_name(clip):
            groups[-1].append(clip)
        else:
            groups.append([clip])
    return groups


def plan_book(folder: Path, manifest: Manifest, audio: AudioSettings, work: Path) -> Book | None:
    """The book of one edition folder; the parts cut from the programme audio are written
    into `work`. None when the folder holds no clip to read."""
    clips = [c for c in manifest.clips if inside(folder, c.file)]
    if not clips:
        return None
    paper = line(manifest.paper) or "audiopaper"
    date = manifest.date
    try:
        when = chinese_date(dt.date.fromisoformat(date))
    except (TypeError, ValueError):
        when = str(date)
    book = Book(
        identifier=f"audiopaper:{paper}:{date}",
        title=f"{paper} {when}",
        paper=paper,
        date=str(date),
        narrator=f"合成语音({manifest.engine})",
    )
    sections = _sections(clips)
    edition_audio = inside(folder, manifest.edition_file)
    opening, intros = _edition_parts(folder, manifest, sections) if edition_audio else (None, [None] * len(sections))
    gain = _gain_db(manifest, audio)

    def cut(name: str, part: tuple[int, int]) -> tuple[str, int] | None:
        assert edition_audio is not None
        target = work / name
        try:
            ffmpeg.cut_mp3(
                folder / edition_audio,
                target,
                start_ms=part[0],
                end_ms=part[1],
                gain_db=gain,
                bitrate=audio.edition_bitrate,
                out_rate=audio.edition_rate,
            )
        except ffmpeg.FfmpegError:
            return None
        book.audio[name] = target
        # The part's own length: an MP3's header counts the encoder's padding too.
        return name, min(part[1] - part[0], mp3_duration_ms(target))

    # Title first: the specification wants the NCC to open with it (h1 class="title").
    title_smil = Smil("title.smil", book.title)
    book.smils.append(title_smil)
    book.blocks.append(Block("h1", "t", [("t", book.title)], css="title"))
    book.headings.append(Heading(1, "t", book.title, title_smil.name, "t-h", css="title"))
    opening_audio = cut("opening.mp3", opening) if opening else None

    articles: list[Smil] = []
    heading_smils: list[tuple[Smil, str, tuple[str, int] | None]] = [(title_smil, "t", opening_audio)]
    n = 0
    for k, members in enumerate(sections, start=1):
        name = line(section_name(members[0])) or "本期报道"
        sid = f"s{k}"
        smil = Smil(f"s{k:02d}.smil", name)
        book.smils.append(smil)
        book.blocks.append(Block("h1", sid, [(sid, name)]))
        book.headings.append(Heading(1, sid, name, smil.name, f"{sid}-h"))
        intro = intros[k - 1]
        heading_smils.append((smil, sid, cut(f"section-{k:02d}.mp3", intro) if intro else None))
        for clip in members:
            n += 1
            rel = inside(folder, clip.file)
            assert rel is not None
            audio_name = Path(rel).name
            book.audio[audio_name] = folder / rel
            article = _article(book, n, clip, audio_name, folder / rel, folder)
            articles.append(article)
            book.smils.append(article)
    # A heading without audio of its own (no opening or introduction was spoken: an edition
    # of one section) reads the headline that follows it, rather than stay silent.
    for smil, text_id, spoken in heading_smils:
        if spoken is None:
            follower = next(a for a in articles if book.smils.index(a) > book.smils.index(smil))
            head = follower.pars[0]
            smil.pars.append(Par(f"{text_id}-h", text_id, head.audio, head.begin_ms, head.end_ms))
        else:
            smil.pars.append(Par(f"{text_id}-h", text_id, spoken[0], 0, spoken[1]))
    return book


# -- rendering -------------------------------------------------------------------------------


def _clock(ms: int) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _npt(ms: int) -> str:
    return f"npt={ms / 1000:.3f}s"


def _xhtml(title: str) -> tuple[etree._Element, etree._Element, etree._Element]:
    html = etree.Element(f"{{{XHTML_NS}}}html", nsmap={None: XHTML_NS})
    html.set("lang", LANGUAGE)
    html.set("{http://www.w3.org/XML/1998/namespace}lang", LANGUAGE)
    head = etree.SubElement(html, "head")
    etree.SubElement(head, "title").text = title
    meta = etree.SubElement(head, "meta")
    meta.set("http-equiv", "Content-type")
    meta.set("content", "text/html; charset=utf-8")
    return html, head, etree.SubElement(html, "body")


def _meta(head: etree._Element, name: str, content: str, scheme: str | None = None) -> None:
    el = etree.SubElement(head, "meta")
    el.set("name", name)
    el.set("content", content)
    if scheme:
        el.set("scheme", scheme)


def _serialize(root: etree._Element, doctype: str) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype=doctype, pretty_print=True)


def render_ncc(book: Book, files: int) -> bytes:
    html, head, body = _xhtml(book.title)
    total = sum(s.duration_ms for s in book.smils)
    for name, content, scheme in [
        ("dc:title", book.title, None),
        ("dc:creator", book.paper, None),
        ("dc:publisher", book.paper, None),
        ("dc:date", book.date, "yyyy-mm-dd"),
        ("dc:format", FORMAT, None),
        ("dc:identifier", book.identifier, None),
        ("dc:language", LANGUAGE, "ISO 639"),
        ("dc:source", book.paper, None),
        ("ncc:sourceDate", book.date, "yyyy-mm-dd"),
        ("ncc:sourcePublisher", book.paper, None),
        ("ncc:charset", "utf-8", None),
        ("ncc:generator", f"audiopaper {__version__}", None),
        ("ncc:narrator", book.narrator, None),
        ("ncc:multimediaType", "audioFullText", None),
        ("ncc:setInfo", "1 of 1", None),
        ("ncc:depth", str(max(h.level for h in book.headings)), None),
        ("ncc:tocItems", str(len(book.headings)), None),
        ("ncc:pageFront", "0", None),
        ("ncc:pageNormal", "0", None),
        ("ncc:pageSpecial", "0", None),
        ("ncc:maxPageNormal", "0", None),
        ("ncc:files", str(files), None),
        ("ncc:totalTime", _clock(total), "hh:mm:ss"),
    ]:
        _meta(head, name, content, scheme)
    for h in book.headings:
        el = etree.SubElement(body, f"h{h.level}")
        if h.css:
            el.set("class", h.css)
        el.set("id", h.id)
        a = etree.SubElement(el, "a")
        a.set("href", f"{h.smil}#{h.par}")
        a.text = h.text
    return _serialize(html, XHTML_DOCTYPE)


def render_content(book: Book) -> bytes:
    html, head, body = _xhtml(book.title)
    _meta(head, "dc:title", book.title)
    _meta(head, "dc:identifier", book.identifier)
    _meta(head, "dc:format", FORMAT)
    _meta(head, "ncc:generator", f"audiopaper {__version__}")
    for block in book.blocks:
        el = etree.SubElement(body, block.tag)
        if block.css:
            el.set("class", block.css)
        if block.tag.startswith("h"):  # a heading is one unit, its id its own
            el.set("id", block.id)
            el.text = block.sentences[0][1]
            continue
        el.set("id", block.id)
        for sid, text in block.sentences:
            span = etree.SubElement(el, "span")
            span.set("id", sid)
            span.text = text
    return _serialize(html, XHTML_DOCTYPE)


def render_smil(book: Book, smil: Smil, elapsed_ms: int) -> bytes:
    root = etree.Element("smil")
    head = etree.SubElement(root, "head")
    _meta(head, "dc:format", FORMAT)
    _meta(head, "dc:title", smil.title)
    _meta(head, "dc:identifier", book.identifier)
    _meta(head, "ncc:generator", f"audiopaper {__version__}")
    _meta(head, "ncc:totalElapsedTime", _clock(elapsed_ms))
    _meta(head, "ncc:timeInThisSmil", _clock(smil.duration_ms))
    layout = etree.SubElement(head, "layout")
    etree.SubElement(layout, "region").set("id", "txtView")
    seq = etree.SubElement(etree.SubElement(root, "body"), "seq")
    seq.set("dur", f"{smil.duration_ms / 1000:.3f}s")
    for par in smil.pars:
        p = etree.SubElement(seq, "par")
        p.set("endsync", "last")
        p.set("id", par.id)
        text = etree.SubElement(p, "text")
        text.set("src", f"{CONTENT}#{par.text}")
        text.set("id", f"{par.id}-text")
        audio = etree.SubElement(etree.SubElement(p, "seq"), "audio")
        audio.set("src", par.audio)
        audio.set("clip-begin", _npt(par.begin_ms))
        audio.set("clip-end", _npt(par.end_ms))
        audio.set("id", f"{par.id}-audio")
    return _serialize(root, SMIL_DOCTYPE)


def _link_or_copy(source: Path, target: Path) -> None:
    # A hard link costs no space: the book's clips are the edition's own.
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_daisy(folder: Path, manifest: Manifest, audio: AudioSettings) -> Path | None:
    """Write the DAISY book of one edition folder (which may still be a staging folder) into
    FOLDER/daisy/ and FOLDER/daisy.zip, replacing any there. Returns the book's folder, or
    None when the edition has no clip to read."""
    work = folder / f".{DAISY}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        book = plan_book(folder, manifest, audio, work)
        if book is None:
            return None
        for name, source in book.audio.items():
            if source.parent != work:
                _link_or_copy(source, work / name)
        files = 2 + len(book.smils) + len(book.audio)  # ncc.html, content.html, SMILs, audio
        (work / NCC).write_bytes(render_ncc(book, files))
        (work / CONTENT).write_bytes(render_content(book))
        elapsed = 0
        for smil in book.smils:
            (work / smil.name).write_bytes(render_smil(book, smil, elapsed))
            elapsed += smil.duration_ms
        final = folder / DAISY
        if final.exists():
            shutil.rmtree(final)
        os.replace(work, final)
        _write_zip(final, folder / DAISY_ZIP, f"{book.date}-daisy")
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_zip(book: Path, target: Path, top: str) -> None:
    """The book as one download, in a folder of its own; audio stored as it is (MP3 does
    not compress), the text compressed. ncc.html first, where a reader looks."""
    names = sorted(p.name for p in book.iterdir() if p.is_file())
    names.sort(key=lambda n: (n != NCC, n))
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for name in names:
            method = zipfile.ZIP_STORED if name.endswith(".mp3") else zipfile.ZIP_DEFLATED
            archive.write(book / name, f"{top}/{name}", compress_type=method)
