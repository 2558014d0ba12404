"""Bad input, as a careless user or an attacker gives it: for every command, every kind of
input and every setting, one line naming the problem, exit status 1, no traceback, and OUT
untouched. A few cases are accepted on purpose; they check the clean result instead.

The cases are a table: add a row for every new way in.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from audiopaper.cli import cli
from tests.conftest import SAMPLE_GOLD, SHORT, snapshot


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]  # "{tmp}" and "{out}" are filled in
    expect: str  # in the one-line message (or, for code 0, in the output)
    files: dict[str, str | bytes] = field(default_factory=dict)  # written under {tmp} first
    code: int = 1


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1400, 1400), "darkred").save(buf, format=fmt)
    return buf.getvalue()


PNG, GIF = _image("PNG"), _image("GIF")
BUILD = ("build", "--engine", "espeak", "--out", "{out}", "--quiet")
GOOD = json.loads(SHORT.read_text("utf-8"))


def build(id: str, *args: str, expect: str, files: dict[str, str | bytes] | None = None) -> Case:
    return Case(id, (*BUILD, *args), expect, files or {})


def config(id: str, toml: str, expect: str, files: dict[str, str | bytes] | None = None) -> Case:
    """A bad setting stops `build` before any input is read."""
    return build(id, str(SHORT), "--config", "{tmp}/c.toml", expect=expect, files={"c.toml": toml, **(files or {})})


def edition(id: str, text: str | dict, expect: str) -> Case:
    body = text if isinstance(text, str) else json.dumps(text)  # ASCII: "\ud800" stays an escape
    return build(id, "{tmp}/e.json", expect=expect, files={"e.json": body})


def article(id: str, expect: str, **changes: object) -> Case:
    """The short edition with its first article changed."""
    first = {**GOOD["articles"][0], **changes}
    return edition(id, {**GOOD, "articles": [first, *GOOD["articles"][1:]]}, expect)


MD_HEAD = "---\npaper: 临溪日报\ndate: 2023-05-18\n---\n\n"


def markdown(id: str, text: str, expect: str) -> Case:
    return build(id, "{tmp}/e.md", expect=expect, files={"e.md": text})


DEEP = "[" * 100_000 + "]" * 100_000

CASES = [
    # -- input files -------------------------------------------------------------------------
    build("no-input", expect="no input"),
    build("missing-file", "{tmp}/nope.txt", expect="no such file"),
    build("input-is-a-folder", "{tmp}", expect="is a directory"),
    build("binary-file", "{tmp}/p.txt", expect="binary", files={"p.txt": bytes(range(256)) * 20}),
    build("empty-file", "{tmp}/p.txt", expect="empty", files={"p.txt": b"\xef\xbb\xbf  \n\n"}),
    build("bad-utf16-mark", "{tmp}/p.txt", expect="does not decode", files={"p.txt": b"\xff\xfe\x00\xd8"}),
    build("input-is-a-device", "/dev/zero", expect="not a regular file"),
    # -- edition JSON ------------------------------------------------------------------------
    edition("json-cut-short", '{"articles": [', "not valid JSON"),
    edition("json-nested-100k-deep", DEEP, "nested too deep"),
    edition("json-objects-nested-deep", '{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deep"),
    edition("json-5000-digit-number", '{"articles": [], "n": ' + "9" * 5000 + "}", "not valid JSON"),
    edition("json-list", "[1, 2]", "expected a JSON object"),
    edition("json-string", '"articles"', "expected a JSON object"),
    edition("no-articles-key", {"paper": "x"}, "articles: missing"),
    edition("articles-not-a-list", {"articles": {"title": "x"}}, "articles: expected a list"),
    edition("article-not-an-object", {"articles": ["标题"]}, "articles[0]"),
    edition("no-articles", {"articles": []}, "no articles to read"),
    edition(
        "only-a-notice",
        {"articles": [{"title": "遗失声明", "kind": "notice", "paragraphs": ["作废。"]}]},
        "no articles to read",
    ),
    article("title-missing", "articles[0].title", title=None),
    article("title-empty", "articles[0].title", title=""),
    article("title-blank", "articles[0].title", title=" \u3000 "),
    article("title-a-number", "articles[0].title", title=7),
    article("title-lone-surrogate", "U+D800", title="标题\ud800"),
    article("paragraph-nul", "U+0000", paragraphs=["正文\x00。"]),
    article("paragraph-escape", "U+001B", paragraphs=["\x1b[31m正文。"]),
    article("paragraphs-a-string", "articles[0].paragraphs", paragraphs="正文。"),
    article("paragraph-a-number", "articles[0].paragraphs[0]", paragraphs=[1]),
    article("page-zero", "articles[0].page", page=0),
    article("page-negative", "articles[0].page", page=-1),
    article("page-a-string", "articles[0].page", page="1"),
    article("page-true", "articles[0].page", page=True),
    article("page-a-fraction", "articles[0].page", page=1.5),
    article("page-a-million", "articles[0].page", page=10**6),
    article("kind-unknown", "articles[0].kind", kind="advert"),
    article("kind-a-list", "articles[0].kind", kind=["news"]),
    article("credits-a-string", "articles[0].credits", credits="记者 王磊"),
    article("credit-without-name", "credits[0].name", credits=[{"role": "记者"}]),
    article("credit-not-an-object", "credits[0]", credits=["王磊"]),
    article("kicker-a-number", "articles[0].kicker", kicker=3),
    edition("date-feb-30", {**GOOD, "date": "2023-02-30"}, "2023-02-30"),
    edition("date-a-path", {**GOOD, "date": "../../x"}, "../../x"),
    edition("date-a-number", {**GOOD, "date": 20230518}, "malformed edition: date: expected a string"),
    edition("paper-a-list", {**GOOD, "paper": ["临溪"]}, "malformed edition: paper: expected a string"),
    edition("warnings-an-object", {**GOOD, "warnings": {"a": 1}}, "warnings"),
    edition("warning-article-text", {**GOOD, "warnings": [{"message": "m", "article": "x"}]}, "warnings[0].article"),
    edition("pages-a-list", {**GOOD, "pages": [1, 2]}, "pages"),
    edition("pages-key-not-a-number", {**GOOD, "pages": {"one": "要闻"}}, "pages"),
    edition("pages-name-a-number", {**GOOD, "pages": {"1": 1}}, "pages.1"),
    # -- edition Markdown: the same rules as JSON --------------------------------------------
    markdown("md-empty-title", MD_HEAD + "# 好\n\n正文。\n\n# \n\n。\n", "article 2 (line 10).title"),
    markdown("md-bare-hash-title", MD_HEAD + "#\n\n。\n", "title"),
    markdown("md-date-feb-30", "---\ndate: 2023-02-30\n---\n\n# 标题\n\n正文。\n", "2023-02-30"),
    markdown("md-date-a-path", "---\ndate: ../../x\n---\n\n# 标题\n\n正文。\n", "../../x"),
    markdown("md-page-chinese", MD_HEAD + "# 标题\n- 版面: 一\n\n正文。\n", "page"),
    markdown("md-page-superscript", MD_HEAD + "# 标题\n- 版面: ²\n\n正文。\n", "page"),
    markdown("md-page-zero", MD_HEAD + "# 标题\n- 版面: 0\n\n正文。\n", "page"),
    markdown("md-page-5000-digits", MD_HEAD + "# 标题\n- 版面: " + "9" * 5000 + "\n\n正文。\n", "page"),
    markdown("md-kind-unknown", MD_HEAD + "# 标题\n- 类型: 广告\n\n正文。\n", "kind"),
    markdown("md-credit-without-name", MD_HEAD + "# 标题\n- 署名: 记者\n\n正文。\n", "credits[0].name"),
    markdown("md-front-matter-unclosed", "---\npaper: 临溪日报\n\n# 标题\n\n正文。\n", "front matter"),
    markdown("md-front-matter-unclosed-at-end", "---\npaper: 临溪日报\n", "never closed"),
    markdown("md-front-matter-no-colon", "---\npaper 临溪日报\n---\n# 标题\n\n正文。\n", "line 2"),
    markdown("md-pages-not-json", "---\npages: {1: 要闻}\n---\n# 标题\n\n正文。\n", "pages: not valid JSON"),
    markdown("md-pages-nested-deep", "---\npages: " + DEEP + "\n---\n# 标题\n\n正文。\n", "nested too deep"),
    markdown("md-pages-a-list", '---\npages: ["要闻"]\n---\n# 标题\n\n正文。\n', "pages"),
    markdown("md-text-before-title", "正文。\n\n# 标题\n\n正文。\n", "before the first '# ' title"),
    markdown("md-only-front-matter", MD_HEAD, "no articles to read"),
    markdown("md-control-character", MD_HEAD + "# 标题\n\n正文\x07。\n", "U+0007"),
    # -- flags --------------------------------------------------------------------------------
    build("date-month-13", str(SAMPLE_GOLD), "--date", "2022-13-45", expect="2022-13-45"),
    build("date-flag-a-path", str(SHORT), "--date", "../../x", expect="../../x"),
    build("date-flag-empty", str(SHORT), "--date", "", expect="invalid date"),
    build("engine-unknown", str(SAMPLE_GOLD), "--engine", "festival", expect="unknown engine 'festival'"),
    build("paper-flag-empty", str(SHORT), "--paper", " ", expect="invalid paper"),
    build("paper-flag-two-lines", str(SHORT), "--paper", "临溪\n日报", expect="invalid paper"),
    build("base-url-javascript", str(SHORT), "--base-url", "javascript:alert(1)", expect="invalid base_url"),
    build("base-url-no-scheme", str(SHORT), "--base-url", "radio.example.org/paper/", expect="invalid base_url"),
    build("base-url-spaces", str(SHORT), "--base-url", "http://radio example.org/", expect="without spaces"),
    build("base-url-trailing-space", str(SHORT), "--base-url", "https://radio.example.org/ ", expect="spaces"),
    build("base-url-ftp", str(SHORT), "--base-url", "ftp://radio.example.org/", expect="http"),
    build("base-url-no-host", str(SHORT), "--base-url", "https:///paper/", expect="invalid base_url"),
    build("base-url-file", str(SHORT), "--base-url", "file:///etc/", expect="invalid base_url"),
    build("base-url-password", str(SHORT), "--base-url", "https://me:pw@radio.example.org/", expect="password"),
    build("base-url-query", str(SHORT), "--base-url", "https://radio.example.org/?p=1", expect="query"),
    build("base-url-bad-port", str(SHORT), "--base-url", "https://radio.example.org:99999/", expect="port"),
    # -- OUT ----------------------------------------------------------------------------------
    build("out-under-a-file", str(SHORT), "--out", "{tmp}/f/out", expect="Not a directory", files={"f": "x"}),
    build("out-is-a-file", str(SHORT), "--out", "{tmp}/f", expect="not a folder", files={"f": "x"}),
    build("out-under-proc", str(SHORT), "--out", "/proc/self/audiopaper", expect="/proc/self/audiopaper"),
    build("out-in-sysfs", str(SHORT), "--out", "/sys/kernel", expect="cannot write /sys/kernel"),
    # -- settings -----------------------------------------------------------------------------
    config("clip-lufs-minus-1000", "[audio]\nclip_lufs = -1000", "audio.clip_lufs"),
    config("clip-lufs-1000", "[audio]\nclip_lufs = 1000", "audio.clip_lufs"),
    config("edition-lufs-zero", "[audio]\nedition_lufs = 0", "audio.edition_lufs"),
    config("clip-lufs-a-word", "[audio]\nclip_lufs = 'loud'", "audio.clip_lufs must be int"),
    config("clip-lufs-a-fraction-as-text", "[audio]\nclip_lufs = '-23.5'", "audio.clip_lufs"),
    config("pause-negative", "[audio]\npause_title_ms = -1", "audio.pause_title_ms"),
    config("pause-a-billion", "[audio]\npause_article_ms = 1000000000", "audio.pause_article_ms"),
    config("pad-negative", "[audio]\npad_head_ms = -300", "audio.pad_head_ms"),
    config("sample-rate-odd", "[audio]\nsample_rate = 7", "audio.sample_rate"),
    config("clip-rate-odd", "[audio]\nclip_rate = 12345", "audio.clip_rate"),
    config("edition-rate-zero", "[audio]\nedition_rate = 0", "audio.edition_rate"),
    config("bitrate-a-word", "[audio]\nclip_bitrate = 'fast'", "audio.clip_bitrate"),
    config("bitrate-huge", "[audio]\nedition_bitrate = '9999k'", "audio.edition_bitrate"),
    config("profile-unknown", "[audio]\nclip_profile = 'loud'", "audio.clip_profile"),
    config("chime-a-string", "[audio]\nchime = 'yes'", "audio.chime must be bool"),
    config("concurrency-zero", "[tts]\nconcurrency = 0", "tts.concurrency"),
    config("concurrency-negative", "[tts]\nconcurrency = -3", "tts.concurrency"),
    config("concurrency-a-thousand", "[tts]\nconcurrency = 1000", "tts.concurrency"),
    config("tries-zero", "[tts]\ntries = 0", "tts.tries"),
    config("timeout-zero", "[tts]\ntimeout = 0", "tts.timeout"),
    config("retry-delay-negative", "[tts]\nretry_delay_ms = -1", "tts.retry_delay_ms"),
    config("cache-size-negative", "[tts]\ncache_max_mb = -1", "tts.cache_max_mb"),
    config("cache-dir-empty", "[tts]\ncache_dir = ''", "tts.cache_dir"),
    config("publish-time-25-99", "[feed]\npublish_time = '25:99'", "feed.publish_time"),
    config("publish-time-one-digit", "[feed]\npublish_time = '6'", "feed.publish_time"),
    config("keep-negative", "[feed]\nkeep = -1", "feed.keep"),
    config("email-not-an-address", "[feed]\nemail = 'nope'", "feed.email"),
    config("guid-not-a-uuid", "[feed]\nguid = 'my-show'", "feed.guid"),
    config("itunes-type-unknown", "[feed]\nitunes_type = 'weekly'", "feed.itunes_type"),
    config("feed-title-two-lines", '[feed]\ntitle = "a\\nb"', "feed.title"),
    config("image-a-text-file", "[feed]\nimage = '{tmp}/art.png'", "not an image", {"art.png": "not an image"}),
    config("image-missing", "[feed]\nimage = '{tmp}/none.png'", "no such file"),
    config("image-a-folder", "[feed]\nimage = '{tmp}'", "not a file"),
    config("image-a-gif", "[feed]\nimage = '{tmp}/art.gif'", "PNG or JPEG", {"art.gif": GIF}),
    config("image-javascript", "[feed]\nimage = 'javascript:alert(1)'", "feed.image"),
    config("image-data-url", "[feed]\nimage = 'data:image/png;base64,AAAA'", "feed.image"),
    config("cover-a-text-file", "[audio]\ncover = '{tmp}/c.jpg'", "audio.cover", {"c.jpg": "text"}),
    config("cover-a-url", "[audio]\ncover = 'https://cdn.example/c.jpg'", "audio.cover"),
    config("intro-not-audio", "[audio]\nintro_music = '{tmp}/i.mp3'", "not an audio file", {"i.mp3": "text"}),
    config("outro-missing", "[audio]\noutro_music = '{tmp}/none.mp3'", "audio.outro_music"),
    config("wording-unknown-field", "[wording]\nclosing = '{papr}再见'", "wording.closing: unknown field {papr}"),
    config("wording-unknown-template", "[wording]\nclosin = '再见'", "wording.closin"),
    config("wording-attribute", "[wording]\nclosing = '{paper.__class__}'", "wording.closing"),
    config("wording-index", "[wording]\nopening = '{paper[0]}'", "wording.opening"),
    config("wording-broken-brace", "[wording]\nclosing = '再见{'", "wording.closing"),
    config("wording-huge-width", "[wording]\nclosing = '{paper:>999999999}'", "wording.closing"),
    config("wording-field-of-another", "[wording]\nclosing = '{count}'", "wording.closing"),
    config("rundown-count-a-word", "[wording]\nrundown_count = 'three'", "wording.rundown_count"),
    config("wording-a-number", "[wording]\nclosing = 3", "wording must be a table of strings"),
    config("topics-no-keywords", "[topics]\n'经济' = ' , ,'", "topics.经济"),
    config("sections-unknown", "sections = 'chaos'", "sections"),
    config("voice-unknown-role", "[voices.espeak.narrator]\nname = 'cmn'", "voices.espeak.narrator"),
    config("voice-rate-1000", "[voices.espeak.anchor]\nname = 'cmn'\nrate = 1000", "voices.espeak.anchor.rate"),
    config("voice-name-empty", "[voices.espeak.anchor]\nname = ''", "voices.espeak.anchor.name"),
    config("voice-engine-unknown", "[voices.festival.anchor]\nname = 'x'", "unknown setting voices.festival"),
    config("base-url-in-config", "base_url = 'javascript:alert(1)'", "invalid base_url"),
    config("engine-in-config", "engine = 'festival'", "unknown engine 'festival'"),
    config("out-empty", "out = ''", "out must be a path"),
    config("date-a-toml-date", "date = 2023-05-18", "date must be str"),
    config("concurrency-a-string", "[tts]\nconcurrency = '3'", "tts.concurrency must be int"),
    config("unknown-setting", "pape = 1", "unknown setting pape"),
    config("table-given-a-number", "feed = 3", "feed must be a table"),
    config("not-toml", "= broken", "not valid TOML"),
    config("toml-nested-deep", "a = " + DEEP, "nested too deep"),
    build(
        "toml-not-utf8",
        str(SHORT),
        "--config",
        "{tmp}/c.toml",
        expect="not valid TOML",
        files={"c.toml": b"paper = '\xff'"},
    ),
    build("config-missing", str(SHORT), "--config", "{tmp}/none.toml", expect="config file not found"),
    build("config-a-folder", str(SHORT), "--config", "{tmp}", expect="cannot read config"),
    # -- the other commands -------------------------------------------------------------------
    Case("feed-out-missing", ("feed", "--out", "{tmp}/none"), "no such folder"),
    Case("feed-out-a-file", ("feed", "--out", "{tmp}/f"), "no such folder", {"f": "x"}),
    Case("feed-out-in-sysfs", ("feed", "--out", "/sys/kernel"), "cannot write /sys/kernel"),
    Case("feed-base-url-junk", ("feed", "--out", "{out}", "--base-url", "javascript:alert(1)"), "invalid base_url"),
    Case(
        "feed-bad-config",
        ("feed", "--out", "{out}", "--config", "{tmp}/c.toml"),
        "feed.keep",
        {"c.toml": "[feed]\nkeep = -2"},
    ),
    Case("normalize-o-missing-folder", ("normalize", str(SHORT), "-o", "{tmp}/none/e.json"), "no such folder"),
    Case("normalize-o-under-a-file", ("normalize", str(SHORT), "-o", "{tmp}/f/e.json"), "not a folder", {"f": "x"}),
    Case("normalize-deep-json", ("normalize", "{tmp}/e.json"), "nested too deep", {"e.json": DEEP}),
    Case(
        "normalize-md-page-not-a-number",
        ("normalize", "{tmp}/e.md"),
        "page",
        {"e.md": "# 标题\n- 版面: 三\n\n正文。\n"},
    ),
    Case("script-bad-date", ("script", str(SHORT), "--date", "2023-02-30"), "2023-02-30"),
    Case(
        "script-bad-wording",
        ("script", str(SHORT), "--config", "{tmp}/c.toml"),
        "wording.closing",
        {"c.toml": "[wording]\nclosing = '{x}'"},
    ),
    Case("lint-missing-file", ("lint", "{tmp}/none.txt"), "no such file"),
    Case("serve-out-missing", ("serve", "--out", "{tmp}/none"), "no such folder"),
    Case("serve-bad-host", ("serve", "--out", "{out}", "--host", "999.0.0.1"), "cannot listen"),
    Case("config-bad-setting", ("config", "--config", "{tmp}/c.toml"), "tts.tries", {"c.toml": "[tts]\ntries = 0"}),
    # -- accepted on purpose: the clean result -------------------------------------------------
    Case(
        "ok-edge-of-every-range",
        ("config", "--config", "{tmp}/c.toml"),
        'publish_time = "23:59"',
        {
            "c.toml": (
                "[audio]\nclip_lufs = -70\nedition_lufs = -5\npause_title_ms = 0\n[tts]\nconcurrency = 1\ntries = 1\n"
                "[feed]\npublish_time = '23:59'\nkeep = 0\n[wording]\nclosing = '再见。'\nopening = '{paper}。'\n"
            )
        },
        code=0,
    ),
    Case(
        "ok-hosted-image-with-query",
        ("config", "--config", "{tmp}/c.toml"),
        "https://cdn.example/a.jpg?v=2",
        {"c.toml": "[feed]\nimage = 'https://cdn.example/a.jpg?v=2'"},
        code=0,
    ),
    Case(
        "ok-local-png",
        ("config", "--config", "{tmp}/c.toml"),
        "art.png",
        {"c.toml": "[feed]\nimage = '{tmp}/art.png'", "art.png": PNG},
        code=0,
    ),
    Case(
        "ok-chinese-base-url-encoded",
        ("config", "--config", "{tmp}/c.toml"),
        'base_url = "https://xn--fsqu00a.xn--fiqs8s/%E5%B9%B3%E6%B9%96/"',
        {"c.toml": "base_url = 'https://例子.中国/平湖/'"},
        code=0,
    ),
    Case("ok-md-hash-paragraph", ("normalize", "{tmp}/e.md"), '"#话题#。"', {"e.md": "# 标题\n\n#话题#。\n"}, code=0),
    Case("ok-date-basic-iso-form", ("script", str(SHORT), "--date", "20230519"), "二零二三年五月十九日", code=0),
]


def test_the_table_is_large_and_its_ids_unique():
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An OUT that already holds a published edition, which no failed command may touch."""
    folder = tmp_path / "out"
    (folder / "2020-01-01" / "clips").mkdir(parents=True)
    (folder / "2020-01-01" / "clips" / "01-old.mp3").write_bytes(b"ID3 old clip")
    (folder / "feed.xml").write_text("<rss/>", "utf-8")
    return folder


def _fill(text: str, tmp: Path, out: Path) -> str:
    return text.replace("{tmp}", str(tmp)).replace("{out}", str(out))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, out: Path):
    work = tmp_path / "in"
    work.mkdir()
    for name, content in case.files.items():
        data = content if isinstance(content, bytes) else _fill(content, work, out)
        (work / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    argv = [_fill(a, work, out) for a in case.argv]
    before = snapshot(out)
    result = CliRunner().invoke(cli, argv)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.code, result.output
    if case.code == 0:
        assert case.expect in result.stdout
        return
    assert snapshot(out) == before, "a failed command changed OUT"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and case.expect in lines[0], lines[0]
    assert result.stdout == ""


# -- a read-only file system: a real one where the test may mount it ---------------------------


def _read_only(folder: Path) -> list[str] | None:
    """A command prefix under which `folder` is on a read-only file system, or None."""
    if os.geteuid() != 0:
        folder.chmod(0o555)  # not the same error (EACCES), but the same refusal
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run(
        [unshare, "-m", "sh", "-c", f"mount --bind '{folder}' '{folder}' && mount -o remount,ro,bind '{folder}'"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        return None
    return [
        unshare,
        "-m",
        "sh",
        "-c",
        f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" && exec "$@"',
        "sh",
    ]


@pytest.mark.parametrize("command", ["build", "feed"])
def test_read_only_out(command: str, out: Path):
    prefix = _read_only(out)
    if prefix is None:
        pytest.skip("no way to make a read-only folder here (root without mount namespaces)")
    before = snapshot(out)
    args = (
        ["build", "--engine", "espeak", "--out", str(out), str(SHORT)]
        if command == "build"
        else ["feed", "--out", str(out)]
    )
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "audiopaper", *args], capture_output=True, text=True, timeout=120, check=False
    )
    out.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: cannot write {out}"), proc.stderr
    assert snapshot(out) == before
