"""ID3v2.3 tags as strict readers see them: eyeD3, id3lib (id3info), and ffprobe; not just
mutagen, which reads its own v2.4 frames back from a v2.3 tag without complaint."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from audiopaper.core.chapter import Chapter
from audiopaper.publish.tags import Tags, write_tags
from tests.publish_fixtures import tone_mp3

# Day 10 or later: eyeD3 0.9 misreads a TDAT of day 1-9 ("0805") as the year 805 and drops it
# (nicfit/eyeD3#542, #698), though the frame is as the standard says; id3lib reads both.
DAY = "2024-05-18"
# Titles of very different lengths: mutagen writes frames shortest first unless told otherwise.
TITLES = (
    "全市秋粮收购工作全面启动，三十二个收购点同时开秤",
    "短讯",
    "新埭镇：“共富工坊”开进村",
    "天气",
    "当湖街道举办重阳敬老活动，八十岁以上老人收到慰问品和新棉被",
    "广告",
    "第七",
    "第八篇报道",
    "九",
    "第十篇报道的标题",
    "第十一篇",
    "第十二篇报道，标题较长较长较长",
)
# Frames ID3v2.4 added; a v2.3 reader does not know them (id3.org, id3v2.4.0-changes).
V24_ONLY = {"ASPI", "EQU2", "RVA2", "SEEK", "SIGN", "TDEN", "TDOR", "TDRC", "TDRL", "TDTG", "TIPL", "TMCL"}
V24_ONLY |= {"TMOO", "TPRO", "TSOA", "TSOP", "TSOT", "TSST"}


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tags") / "edition.mp3"
    path.write_bytes(tone_mp3(3.0))
    step = 3000 // len(TITLES)
    chapters = [Chapter(t, i * step, (i + 1) * step) for i, t in enumerate(TITLES)]
    tags = Tags("平湖日报 2024-05-18 有声版", "平湖日报", "平湖日报 2024-05-18 有声版", "平湖日报", 1, 1, DAY, "要目")
    write_tags(path, tags, chapters)
    return path


def _need(program: str, package: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed (apt-get install {package})")
    return found


def test_only_v23_frames_with_the_date_as_tyer_and_tdat(tagged: Path) -> None:
    raw = ID3(tagged, translate=False)  # the frames as stored, not upgraded to v2.4 on reading
    assert raw.version[:2] == (2, 3)
    stored = {frame.FrameID for frame in raw.values()}
    assert not stored & V24_ONLY
    assert raw["TYER"].text == ["2024"] and raw["TDAT"].text == ["1805"]  # DDMM


def test_eyed3_reads_the_date(tagged: Path) -> None:
    eyed3 = pytest.importorskip("eyed3", reason="eyeD3 is in the test extras (pip install '.[test]')")
    tag = eyed3.load(tagged).tag
    assert tag.version == (2, 3, 0)
    best = tag.getBestDate()
    assert best is not None and (best.year, best.month, best.day) == (2024, 5, 18)


def test_id3lib_shows_year_and_date_and_no_unknown_frame(tagged: Path) -> None:
    id3info = _need("id3info", "libid3-tools")
    text = subprocess.run([id3info, str(tagged)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^=== TYER \(Year\): 2024$", text, re.M), text
    assert re.search(r"^=== TDAT \(Date\): 1805$", text, re.M), text
    assert "TDRC" not in text


def _ffprobe_chapters(path: Path) -> list[tuple[float, str]]:
    ffprobe = _need("ffprobe", "ffmpeg")
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_chapters", "-of", "compact=p=0:nk=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for line in out.splitlines():
        fields = dict(f.split("=", 1) for f in line.split("|") if "=" in f)
        found.append((float(fields["start_time"]), fields["tag:title"]))
    return found


def test_chapters_are_stored_in_time_order(tagged: Path) -> None:
    raw = ID3(tagged, translate=False)
    stored = raw.getall("CHAP")  # in the order they are in the file
    assert [c.sub_frames["TIT2"].text[0] for c in stored] == list(TITLES)
    assert [c.start_time for c in stored] == sorted(c.start_time for c in stored)


def test_ffprobe_lists_chapters_in_time_order(tagged: Path) -> None:
    chapters = _ffprobe_chapters(tagged)
    assert [title for _, title in chapters] == list(TITLES)
    assert [start for start, _ in chapters] == sorted(start for start, _ in chapters)


def test_eyed3_lists_chapters_in_time_order(tagged: Path) -> None:
    eyed3 = pytest.importorskip("eyed3", reason="eyeD3 is in the test extras (pip install '.[test]')")
    tag = eyed3.load(tagged).tag
    assert [c.title for c in tag.chapters] == list(TITLES)
    toc = list(tag.table_of_contents)
    assert len(toc) == 1 and [tag.chapters.get(i).title for i in toc[0].child_ids] == list(TITLES)
