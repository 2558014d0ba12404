"""The DAISY 2.02 talking newspaper: read back by an independent reader (daisy-dtb), and its
structure checked against the DAISY 2.02 specification (NCC metadata and headings, SMIL 1.0
synchronisation, every reference resolving, every clip inside its audio)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from audiopaper.core import ffmpeg
from audiopaper.core.speech import Cue
from audiopaper.publish.daisy import write_daisy
from audiopaper.publish.layout import DAISY, DAISY_ZIP
from audiopaper.publish.manifest import load_manifest, section_name, write_manifest
from audiopaper.publish.transcript import from_vtt, to_vtt
from audiopaper.settings import Settings
from tests.conftest import decoded_seconds
from tests.publish_fixtures import HOSTILE_TITLE, TITLES, make_edition

XHTML = {"h": "http://www.w3.org/1999/xhtml"}
# DAISY 2.02 section 2.1.2 and appendix 2: the NCC metadata a DTB must carry (and those it
# should, which this book always can).
REQUIRED_NCC_META = (
    "dc:title",
    "dc:creator",
    "dc:date",
    "dc:format",
    "dc:identifier",
    "dc:language",
    "dc:publisher",
    "ncc:charset",
    "ncc:generator",
    "ncc:narrator",
    "ncc:pageFront",
    "ncc:pageNormal",
    "ncc:pageSpecial",
    "ncc:tocItems",
    "ncc:totalTime",
    "ncc:depth",
    "ncc:files",
    "ncc:multimediaType",
    "ncc:setInfo",
)
REQUIRED_SMIL_META = ("dc:format", "dc:title", "dc:identifier", "ncc:generator", "ncc:timeInThisSmil")


def _edition(sample_build: tuple[Path, object]) -> Path:
    out, result = sample_build
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return out / "2022-10-12"


def _seconds(npt: str) -> float:
    assert npt.startswith("npt=") and npt.endswith("s"), npt
    return float(npt[4:-1])


def _clock_seconds(text: str) -> int:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + round(float(s))


def _meta(root: etree._Element, name: str) -> str:
    found = root.xpath(f"//*[local-name()='meta'][@name='{name}']/@content")
    assert len(found) == 1, f"{name}: {found}"
    return str(found[0])


def check_book(book: Path) -> dict[str, list[tuple[str, float, float]]]:
    """Assert the book in `book` conforms to DAISY 2.02 as far as structure goes; return
    each SMIL's audio clips (src, begin, end) in order."""
    ncc = etree.parse(str(book / "ncc.html")).getroot()
    content = etree.parse(str(book / "content.html")).getroot()
    assert ncc.tag == "{http://www.w3.org/1999/xhtml}html"
    for name in REQUIRED_NCC_META:
        assert _meta(ncc, name), name
    assert _meta(ncc, "dc:format") == "Daisy 2.02"
    assert _meta(ncc, "dc:language") == "zh-CN"
    assert _meta(ncc, "ncc:charset") == "utf-8"
    assert _meta(ncc, "ncc:multimediaType") == "audioFullText"

    headings = ncc.xpath("/h:html/h:body/*", namespaces=XHTML)
    assert headings, "an NCC without headings"
    tags = [etree.QName(h).localname for h in headings]
    assert set(tags) <= {"h1", "h2"}, tags
    # The first heading is the title (section 2.1.3); a level 2 never comes before a level 1.
    assert tags[0] == "h1" and headings[0].get("class") == "title"
    assert tags.index("h2") > 0 if "h2" in tags else True
    assert _meta(ncc, "ncc:tocItems") == str(len(headings))
    assert _meta(ncc, "ncc:depth") == str(max(int(t[1]) for t in tags))
    ids = [h.get("id") for h in headings]
    assert all(ids) and len(set(ids)) == len(ids)
    files = [p for p in book.iterdir() if p.is_file()]
    assert _meta(ncc, "ncc:files") == str(len(files))

    content_ids = set(content.xpath("//@id"))
    clips: dict[str, list[tuple[str, float, float]]] = {}
    total = 0.0
    durations: dict[str, float] = {}
    smils = {}
    for heading in headings:
        links = heading.xpath("h:a/@href", namespaces=XHTML)
        assert len(links) == 1, etree.tostring(heading)
        smil_name, _, par_id = links[0].partition("#")
        assert (book / smil_name).is_file(), smil_name
        if smil_name not in smils:
            smils[smil_name] = etree.parse(str(book / smil_name)).getroot()
        smil = smils[smil_name]
        assert smil.xpath(f"//par[@id='{par_id}']"), f"{links[0]} names no par"
        # The heading leads to the text of a heading in the content document.
        text_src = smil.xpath(f"//par[@id='{par_id}']/text/@src")[0]
        target = content.xpath(f"//*[@id='{text_src.partition('#')[2]}']")[0]
        assert etree.QName(target).localname == etree.QName(heading).localname
    for name, smil in smils.items():
        for meta in REQUIRED_SMIL_META:
            assert _meta(smil, meta), (name, meta)
        assert _meta(smil, "dc:format") == "Daisy 2.02"
        assert smil.xpath("/smil/head/layout/region/@id") == ["txtView"]
        (seq,) = smil.xpath("/smil/body/seq")
        pars = seq.xpath("par")
        assert pars
        ids = smil.xpath("//@id")
        assert len(set(ids)) == len(ids), name
        found = []
        for par in pars:
            (text,) = par.xpath("text")
            resource, _, fragment = text.get("src").partition("#")
            assert resource == "content.html" and fragment in content_ids, text.get("src")
            for audio in par.xpath("seq/audio"):
                src = audio.get("src")
                assert (book / src).is_file(), src
                if src not in durations:
                    durations[src] = decoded_seconds(book / src)
                begin, end = _seconds(audio.get("clip-begin")), _seconds(audio.get("clip-end"))
                assert 0 <= begin < end <= durations[src] + 0.05, (name, src, begin, end, durations[src])
                found.append((src, begin, end))
        # Within a file the clips run forward without overlapping.
        for (a_src, _, a_end), (b_src, b_begin, _) in itertools.pairwise(found):
            if a_src == b_src:
                assert b_begin >= a_end - 0.0005, (name, a_end, b_begin)
        dur = sum(end - begin for _, begin, end in found)
        assert float(seq.get("dur").removesuffix("s")) == pytest.approx(dur, abs=0.002)
        assert _clock_seconds(_meta(smil, "ncc:timeInThisSmil")) == pytest.approx(dur, abs=1)
        total += dur
        clips[name] = found
    assert _clock_seconds(_meta(ncc, "ncc:totalTime")) == pytest.approx(total, abs=1)
    return clips


def test_sample_book_conforms_and_follows_the_transcripts(sample_build: tuple[Path, object]) -> None:
    edition = _edition(sample_build)
    manifest = load_manifest(edition)
    clips = check_book(edition / DAISY)
    ncc = etree.parse(str(edition / DAISY / "ncc.html")).getroot()
    h2 = ncc.xpath("//h:h2/h:a", namespaces=XHTML)
    assert [a.text for a in h2] == [c.title for c in manifest.clips]
    h1 = ncc.xpath("//h:h1/h:a", namespaces=XHTML)[1:]
    assert [a.text for a in h1] == list(dict.fromkeys(section_name(c) for c in manifest.clips))
    assert len(h1) == 2  # the sample has two pages
    for a, clip in zip(h2, manifest.clips, strict=True):
        smil_name = a.get("href").partition("#")[0]
        found = clips[smil_name]
        assert {src for src, _, _ in found} == {Path(clip.file).name}
        # The clip played whole, from its start to its end, cut where its sentences start.
        assert found[0][1] == 0
        assert found[-1][2] == pytest.approx(decoded_seconds(edition / clip.file), abs=0.1)
        starts = {round(c.start_ms / 1000, 3) for c in from_vtt((edition / clip.vtt).read_text(encoding="utf-8"))}
        boundaries = {round(begin, 3) for _, begin, _ in found[1:]}
        assert boundaries <= starts
        assert len(boundaries) >= len(clip.transcript)  # at least a sentence per paragraph
        # The book's audio is the clip itself.
        assert (edition / DAISY / Path(clip.file).name).read_bytes() == (edition / clip.file).read_bytes()


def test_sample_book_text_is_the_articles_text(sample_build: tuple[Path, object]) -> None:
    edition = _edition(sample_build)
    manifest = load_manifest(edition)
    content = etree.parse(str(edition / DAISY / "content.html")).getroot()
    text = "".join("".join(p.itertext()) for p in content.xpath("//h:p", namespaces=XHTML))
    for clip in manifest.clips:
        for paragraph in clip.transcript:
            assert "".join(paragraph.split()) in "".join(text.split())


def test_section_introductions_are_cut_at_the_clips_loudness(sample_build: tuple[Path, object]) -> None:
    edition = _edition(sample_build)
    manifest = load_manifest(edition)
    clip_lufs = sum(c.lufs for c in manifest.clips) / len(manifest.clips)
    for name in ("opening.mp3", "section-01.mp3", "section-02.mp3"):
        path = edition / DAISY / name
        assert 1 < decoded_seconds(path) < 60, name
        lufs = ffmpeg.measure_pcm_loudness(ffmpeg.decode_file(path, 24000), 24000)
        assert lufs == pytest.approx(clip_lufs, abs=2.5), name


def test_daisy_dtb_reads_every_article_in_order_with_its_audio(sample_build: tuple[Path, object]) -> None:
    from loguru import logger

    logger.remove()  # daisy-dtb logs every file it opens
    from daisy_dtb import DaisyBook, FolderDtbSource, ZipDtbSource

    edition = _edition(sample_build)
    manifest = load_manifest(edition)
    shortest = min(manifest.clips, key=lambda c: c.bytes)
    for source in (FolderDtbSource(str(edition / DAISY)), ZipDtbSource(str(edition / DAISY_ZIP))):
        # Without a cache it parses content.html again for every sentence it reads.
        source.cache_size = 64
        book = DaisyBook(source)
        assert book.title.startswith(manifest.paper)
        assert book.langage == "zh-CN" and book.navigation_depth == 2
        articles = [e for e in book.toc_entries if e.level == 2]
        assert [e.text for e in articles] == [c.title for c in manifest.clips]
        for entry, clip in zip(articles, manifest.clips, strict=True):
            pars = entry.smil.sections
            assert pars and all(p.clips for p in pars)
            assert {a.src for p in pars for a in p.clips} == {Path(clip.file).name}
            if clip is shortest:  # it runs chardet over any file it reads: megabytes of MP3 take minutes
                assert pars[0].clips[0].get_sound() == (edition / clip.file).read_bytes()
            read = "".join(p.text.content for p in pars)
            assert "".join(clip.transcript[-1].split()) in "".join(read.split())
            assert entry.smil.total_duration == pytest.approx(clip.duration_ms / 1000, abs=1)
        sections = [e.text for e in book.toc_entries if e.level == 1][1:]
        assert sections == list(dict.fromkeys(section_name(c) for c in manifest.clips))


def test_zip_holds_the_book_in_a_folder_of_its_own(sample_build: tuple[Path, object]) -> None:
    edition = _edition(sample_build)
    with zipfile.ZipFile(edition / DAISY_ZIP) as archive:
        names = archive.namelist()
        assert names[0] == "2022-10-12-daisy/ncc.html"
        assert sorted(n.split("/", 1)[1] for n in names) == sorted(p.name for p in (edition / DAISY).iterdir())
        assert archive.read("2022-10-12-daisy/ncc.html") == (edition / DAISY / "ncc.html").read_bytes()


def test_book_of_a_hand_edited_edition_still_conforms(tmp_path: Path) -> None:
    """Clips without transcripts, a transcript that does not match the cues, no chapters:
    every heading still leads to audio, nothing refers to what is not there."""
    manifest = make_edition(tmp_path, "2024-05-16", extras=False)
    clips = list(manifest.clips)
    clips[1] = dataclasses.replace(clips[1], section="经济", vtt=None)
    clips[2] = dataclasses.replace(clips[2], section="经济", transcript=["完全不同的文字。"])
    manifest = dataclasses.replace(manifest, clips=clips)
    write_manifest(manifest, tmp_path / "2024-05-16")
    folder = tmp_path / "2024-05-16"
    assert write_daisy(folder, manifest, Settings().audio) == folder / DAISY
    check_book(folder / DAISY)
    ncc = etree.parse(str(folder / DAISY / "ncc.html")).getroot()
    assert [a.text for a in ncc.xpath("//h:h2/h:a", namespaces=XHTML)] == list(TITLES)
    assert [a.text for a in ncc.xpath("//h:h1/h:a", namespaces=XHTML)][1:] == ["第1版", "经济"]


def test_book_cuts_opening_and_introductions_from_the_chapters(tmp_path: Path) -> None:
    manifest = make_edition(tmp_path, "2024-05-16", seconds=3.0)
    folder = tmp_path / "2024-05-16"
    clips = [dataclasses.replace(c, section=name) for c, name in zip(manifest.clips, ("甲", "乙", "乙"), strict=True)]
    # A programme of 3 s: the opening and an introduction to 甲 before 1 s, 乙's from 1.6 to 2 s.
    chapters = [(1.0, 1.6), (2.0, 2.5), (2.5, 3.0)]
    doc = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": s, "endTime": e, "title": c.title} for (s, e), c in zip(chapters, clips, strict=True)
        ],
    }
    (folder / "chapters.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (folder / "edition.vtt").write_text(
        "WEBVTT\n\n00:00:00.100 --> 00:00:00.500\n开场。\n\n00:00:00.600 --> 00:00:00.900\n下面请听甲。\n",
        encoding="utf-8",
    )
    manifest = dataclasses.replace(manifest, clips=clips)
    write_daisy(folder, manifest, Settings().audio)
    smils = check_book(folder / DAISY)
    assert decoded_seconds(folder / DAISY / "opening.mp3") == pytest.approx(0.6, abs=0.08)
    assert decoded_seconds(folder / DAISY / "section-01.mp3") == pytest.approx(0.4, abs=0.08)
    assert decoded_seconds(folder / DAISY / "section-02.mp3") == pytest.approx(0.4, abs=0.08)
    assert [src for src, _, _ in smils["s02.smil"]] == ["section-02.mp3"]


def test_hostile_text_and_times_make_a_valid_book(tmp_path: Path) -> None:
    manifest = make_edition(tmp_path, "2024-05-16", titles=(HOSTILE_TITLE, "第二篇"))
    folder = tmp_path / "2024-05-16"
    clips = [dataclasses.replace(c, section="版面\x07<b>") for c in manifest.clips]
    # Cues out of order and all at once: no par may run backwards or last no time.
    vtt = folder / clips[1].vtt
    vtt.write_text("WEBVTT\n\n00:00:00.500 --> 00:00:00.600\n第二篇。\n\n00:00:00.000 --> 00:00:00.100\n第一段。\n")
    write_daisy(folder, dataclasses.replace(manifest, clips=clips), Settings().audio)
    check_book(folder / DAISY)
    ncc = etree.parse(str(folder / DAISY / "ncc.html")).getroot()
    texts = [a.text for a in ncc.xpath("//h:a", namespaces=XHTML)]
    assert texts[1] == "版面<b>"
    assert texts[2] == HOSTILE_TITLE.replace("\x00", "").replace("\x07", "").replace("\x1b", "")


def test_transcript_cues_read_back_as_written() -> None:
    cues = [Cue(0, 1234, "第一句。"), Cue(1300, 3_723_004, "a --> b  两个 空格"), Cue(3_800_000, 3_800_500, "末句")]
    back = from_vtt(to_vtt(cues))
    assert [(c.start_ms, c.end_ms) for c in back] == [(c.start_ms, c.end_ms) for c in cues]
    assert [c.text for c in back] == ["第一句。", "a → b 两个 空格", "末句"]
