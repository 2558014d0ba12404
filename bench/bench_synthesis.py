"""Benchmark synthesis: whole builds of the sample edition against simple peers and floors.

    PYTHONPATH=. python bench/bench_synthesis.py [--quick] [--strict] [--profile]

Rows (see bench/README.md):

1. edge, against tests/fake_edge.py on loopback (0.5 s latency per request, audio streamed
   at 50x real time): audiopaper's cold build vs an epub2tts-edge-style peer that sends each
   article's whole text in one `edge_tts.Communicate(text, voice).save(path)`, one article
   after another. Target: audiopaper <= 0.5x the peer.
2. espeak, offline: audiopaper's cold build vs the floor: one espeak pass over the script's
   text (per segment, concatenated) plus two MP3 encodes of that PCM (44.1 kHz 128k as the
   clips, 24 kHz 64k as the edition). Target: <= 4x.
3. The same builds again with the warm cache (edge: no request may reach the service).
4. Peak RSS of an espeak build of the edition repeated 6 times (a subprocess), target
   < 400 MB, beside the 1x build's.

--quick: 2 articles and a 2x edition, a smoke check. --strict: exit 1 when a target is
missed. --profile: print cProfile's top functions for the cold builds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import datetime as dt
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

GOLD = ROOT / "tests" / "data" / "000_cbe0a290ce09cb7e.gold.json"
DATE = "2022-10-12"
PAPER = "平湖日报"
LATENCY = 0.5
SPEED = 50.0
MEMORY_TIMES = 6
LONG_ARTICLE_RATIO = 1.5  # a 2-hour article against a 20-minute edition
MEMORY_LIMIT_MB = 400.0
EDGE_TARGET = 0.5
ESPEAK_TARGET = 4.0


@dataclasses.dataclass
class Row:
    what: str
    seconds: float | None
    ratio: float | None = None  # vs the row's baseline
    target: str = ""
    ok: bool | None = None  # None: informational, or the baseline itself
    note: str = ""
    measured: str = ""  # what the target is about, when it is not the time


# -- inputs ------------------------------------------------------------------------------


def write_edition(folder: Path, articles: int | None, times: int) -> Path:
    """The sample edition (first `articles` of it), its articles repeated `times` times."""
    data = json.loads(GOLD.read_text("utf-8"))
    chosen = data["articles"][:articles] if articles else data["articles"]
    data["articles"] = [dict(a) for _ in range(times) for a in chosen]
    path = folder / f"edition-{len(chosen)}x{times}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def run_on_edition(folder: Path) -> Path:
    """One short article, then one printed as a single line of a million characters."""
    sentence = "记者走访了全市十个乡镇的农家书屋，了解群众的阅读需求。"
    data = {
        "paper": PAPER,
        "date": DATE,
        "articles": [
            {"page": 1, "title": "短讯", "paragraphs": ["今天上午,市图书馆新馆开放。"]},
            {"page": 1, "title": "农家书屋调查", "paragraphs": [sentence * 37_037]},
        ],
    }
    path = folder / "edition-run-on.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def article_texts(edition: Path) -> list[str]:
    """Each article's whole text as a simple tool would read it: title, then paragraphs."""
    data = json.loads(edition.read_text("utf-8"))
    return ["\n".join([a["title"], *a["paragraphs"]]) for a in data["articles"]]


def settings_for(engine: str, out: Path, cache: Path) -> Any:
    from audiopaper.settings import Settings, TtsSettings

    return Settings(
        paper=PAPER,
        date=DATE,
        engine=engine,
        out=out,
        quiet=True,
        tts=TtsSettings(cache_dir=str(cache)),
    ).validate()


def fresh(work: Path, name: str) -> Path:
    path = work / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# -- runs --------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], profile: cProfile.Profile | None = None) -> tuple[float, Any]:
    t0 = time.perf_counter()
    if profile:
        profile.enable()
    try:
        result = fn()
    finally:
        if profile:
            profile.disable()
    return time.perf_counter() - t0, result


def audiopaper_build(edition: Path, engine: str, out: Path, cache: Path) -> Any:
    from audiopaper.build import plan_build, render

    plan = plan_build([edition], settings_for(engine, out, cache))
    report = render(plan)
    if report.failed or not report.published or report.engine != engine:
        raise SystemExit(f"bench: the {engine} build did not complete: {report}")
    return report


def cold_then_warm(
    edition: Path, engine: str, work: Path, profile: bool, after_cold: Callable[[], None] = lambda: None
) -> tuple[float, Any, float, cProfile.Profile | None]:
    """A build with an empty speech cache, then the same build again into an emptied OUT:
    (cold seconds, cold report, warm seconds, the cold build's profile if asked for)."""
    out, cache = fresh(work, f"{engine}-out"), fresh(work, f"{engine}-cache")
    prof = cProfile.Profile() if profile else None
    cold, report = timed(lambda: audiopaper_build(edition, engine, out, cache), prof)
    after_cold()
    shutil.rmtree(out)
    warm, _ = timed(lambda: audiopaper_build(edition, engine, out, cache))
    return cold, report, warm, prof


def peer_edge(texts: list[str], out: Path, voice: str) -> None:
    """epub2tts-edge style: one Communicate per article, whole text, one after another."""
    import edge_tts

    async def main() -> None:
        for i, text in enumerate(texts, 1):
            await edge_tts.Communicate(text, voice).save(str(out / f"{i:02d}.mp3"))

    asyncio.run(main())


def espeak_floor(plan_edition: Path, work: Path) -> float:
    """One espeak pass over the script's text plus two encodes; returns seconds."""
    from audiopaper.build import load_edition
    from audiopaper.core import ffmpeg
    from audiopaper.core.speech import SpeechRequest
    from audiopaper.script import build_script
    from audiopaper.settings import Settings
    from audiopaper.tts.espeak import EspeakEngine

    settings = Settings(paper=PAPER, date=DATE, engine="espeak")
    edition = load_edition([plan_edition], settings)
    script = build_script(edition, PAPER, settings.wording)
    segments = [*script.opening]
    for section in script.sections:
        segments += [*section.intro]
        for item in section.articles:
            segments += [*item.segments]
    segments += [*script.closing]
    voices = settings.voices.for_engine("espeak")
    engine = EspeakEngine()
    out = fresh(work, "floor")
    t0 = time.perf_counter()
    pcm = bytearray()
    rate = 22050
    for s in segments:
        speech = engine.synthesize(SpeechRequest(s.spoken, voices.get(s.role) or voices["anchor"]))
        pcm += speech.pcm
        rate = speech.sample_rate
    ffmpeg.encode_mp3(bytes(pcm), rate, out / "clips.mp3", bitrate="128k", out_rate=44100)
    ffmpeg.encode_mp3(bytes(pcm), rate, out / "edition.mp3", bitrate="64k", out_rate=24000)
    return time.perf_counter() - t0


@contextlib.contextmanager
def fake_service() -> Iterator[Any]:
    import pytest
    from fake_edge import FakeEdgeService

    patch = pytest.MonkeyPatch()
    service = FakeEdgeService(latency=LATENCY, speed=SPEED)
    try:
        with service:
            service.redirect(patch)
            yield service
    finally:
        patch.undo()


# Runs the CLI in-process and reports its own peak RSS. It is started through a small
# launcher: Linux carries the parent's high-water RSS over exec, so a child started straight
# from this (by then large) benchmark process would report the benchmark's peak, not its own.
_CHILD = """
import json, resource, sys
from audiopaper.cli import cli
try:
    cli(sys.argv[2:], standalone_mode=False)
finally:
    with open(sys.argv[1], "w") as f:
        json.dump({"self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, f)
"""
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def _tree_rss_kib(root: int) -> int:
    """The summed VmRSS of `root` and its descendants (the build and its ffmpeg processes)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def peak_rss_build(edition: Path, work: Path, name: str) -> tuple[float, float, float]:
    """An espeak build in a fresh interpreter: (seconds, peak RSS of the build process in MB,
    peak of the build and its ffmpeg processes together in MB, sampled every 50 ms)."""
    out, cache = fresh(work, f"{name}-out"), fresh(work, f"{name}-cache")
    config = work / f"{name}.toml"
    config.write_text(f'[tts]\ncache_dir = "{cache.as_posix()}"\n', "utf-8")
    rss = work / f"{name}-rss.json"
    cmd = [sys.executable, "-c", _LAUNCHER, sys.executable, "-c", _CHILD, str(rss), "build", str(edition)]
    cmd += ["--engine", "espeak", "--date", DATE, "--paper", PAPER, "--out", str(out), "--config", str(config)]
    cmd += ["--quiet"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env["XDG_CACHE_HOME"] = str(work / "xdg")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        while not done.wait(0.05):
            tree_peak = max(tree_peak, _tree_rss_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"bench: the {name} build failed:\n{stderr.decode(errors='replace')[-2000:]}")
    usage = json.loads(rss.read_text())
    return seconds, usage["self_kib"] / 1024, tree_peak / 1024  # Linux counts KiB


def top_functions(profile: cProfile.Profile, total: float, limit: int = 14) -> str:
    buf = io.StringIO()
    stats = pstats.Stats(profile, stream=buf)
    stats.sort_stats("tottime").print_stats(limit)
    lines = [f"  (wall {total:.2f} s; cProfile of the build's main thread, by own time)"]
    lines += ["  " + line for line in buf.getvalue().splitlines() if line.strip()][-limit - 1 :]
    return "\n".join(lines)


# -- table -------------------------------------------------------------------------------


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    head = f"{'what':<54}{'seconds':>9}{'ratio':>8}  {'measured':<10}{'target':<16}{'result':<6}"
    print(head)
    print("-" * len(head))
    for r in rows:
        result = "-" if r.ok is None else ("pass" if r.ok else "FAIL")
        line = f"{r.what:<54}{fmt(r.seconds, '.2f'):>9}{fmt(r.ratio, '.2f'):>8}  {r.measured:<10}{r.target:<16}{result}"
        print(line.rstrip())
        if r.note:
            print(f"{'':<4}{r.note}")


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{dt.date.today().isoformat()}; nproc {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}); "
        f"Python {platform.python_version()} ({sys.executable}); {platform.system()} {platform.machine()}"
        + (f"; {cpu}" if cpu else "")
    )


# -- main --------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 articles, a 2x edition: a smoke check")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--profile", action="store_true", help="cProfile the cold builds")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument(
        "--only", choices=("edge", "espeak", "memory"), action="append", help="run only these rows (repeatable)"
    )
    args = ap.parse_args()

    def wanted(rows: str) -> bool:
        return not args.only or rows in args.only

    articles = 2 if args.quick else None
    times = 2 if args.quick else MEMORY_TIMES
    work = Path(tempfile.mkdtemp(prefix="bench-synthesis-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "xdg")  # never the user's speech cache
    print(f"machine: {machine()}")

    from audiopaper.settings import Settings

    edition = write_edition(work, articles, 1)
    texts = article_texts(edition)
    print(
        f"edition: {len(texts)} articles, {sum(map(len, texts)):,} characters"
        f"{' (--quick)' if args.quick else ''}; work folder {work}"
    )
    rows: list[Row] = []
    profiles: list[tuple[str, cProfile.Profile, float]] = []
    try:
        # 1 + 3 (edge) ------------------------------------------------------------------
        if wanted("edge"):
            voice = Settings().voices.for_engine("edge")["anchor"].name
            with fake_service() as service:
                peer_out = fresh(work, "peer-out")
                base, _ = timed(lambda: peer_edge(texts, peer_out, voice))
                peer_requests = service.request_count
                rows.append(
                    Row(
                        "edge peer: 1 Communicate.save per article, serial",
                        base,
                        1.0,
                        note=f"{peer_requests} requests; fake: {LATENCY} s latency, {SPEED:g}x real time",
                    )
                )
                service.reset()
                seen: dict[str, int] = {}

                def after_cold() -> None:
                    seen.update(requests=service.request_count, most=service.max_active)
                    service.reset()

                cold, report, warm, prof = cold_then_warm(edition, "edge", work, args.profile, after_cold)
                cold_requests, most, sent = seen["requests"], seen["most"], service.request_count
                if prof:
                    profiles.append(("edge cold build", prof, cold))
                rows.append(
                    Row(
                        "edge audiopaper build, cold cache",
                        cold,
                        cold / base,
                        f"<= {EDGE_TARGET}x peer",
                        cold / base <= EDGE_TARGET,
                        f"{cold_requests} requests, at most {most} at once; "
                        f"{report.duration_ms / 60000:.1f} min of audio",
                    )
                )
                rows.append(
                    Row(
                        "edge audiopaper rebuild, warm cache",
                        warm,
                        warm / base,
                        "0 requests",
                        sent == 0,
                        f"{sent} requests sent; {warm / cold:.2f}x the cold build",
                        f"{sent} req",
                    )
                )

        # 2 + 3 (espeak) ----------------------------------------------------------------
        if wanted("espeak"):
            from audiopaper.tts.espeak import EspeakEngine

            EspeakEngine.availability()  # load libespeak-ng outside the timings
            floor = espeak_floor(edition, work)
            rows.append(Row("espeak floor: 1 pass over the text + 2 MP3 encodes", floor, 1.0))
            cold, report, warm, prof = cold_then_warm(edition, "espeak", work, args.profile)
            if prof:
                profiles.append(("espeak cold build", prof, cold))
            rows.append(
                Row(
                    "espeak audiopaper build, cold cache",
                    cold,
                    cold / floor,
                    f"<= {ESPEAK_TARGET:g}x floor",
                    cold / floor <= ESPEAK_TARGET,
                    f"{report.duration_ms / 60000:.1f} min of audio",
                )
            )
            rows.append(
                Row(
                    "espeak audiopaper rebuild, warm cache",
                    warm,
                    warm / floor,
                    note=f"{warm / cold:.2f}x the cold build",
                )
            )

        # 4 (memory) --------------------------------------------------------------------
        if wanted("memory"):
            one_s, one_rss, one_ff = peak_rss_build(edition, work, "mem1")
            rows.append(
                Row(
                    f"peak RSS, espeak build 1x ({len(texts)} articles)",
                    one_s,
                    None,
                    note=f"{one_rss:.0f} MB peak RSS of the build process; {one_ff:.0f} MB with its ffmpeg processes"
                    " (sampled)",
                    measured=f"{one_rss:.0f} MB",
                )
            )
            big = write_edition(work, articles, times)
            big_s, big_rss, big_ff = peak_rss_build(big, work, f"mem{times}")
            rows.append(
                Row(
                    f"peak RSS, espeak build {times}x ({len(texts) * times} articles)",
                    big_s,
                    big_rss / one_rss,
                    f"< {MEMORY_LIMIT_MB:.0f} MB",
                    big_rss < MEMORY_LIMIT_MB,
                    f"{big_rss:.0f} MB peak RSS of the build process (ratio: vs the 1x build); "
                    f"{big_ff:.0f} MB with its ffmpeg processes (sampled); "
                    "the repeated copies' speech comes from the cache",
                    f"{big_rss:.0f} MB",
                )
            )
            # One article printed as a single million-character line (a page exported without
            # line breaks): read to max_article_chars (30,000, about two hours of speech), its
            # audio streamed in parts. Its peak must not grow with its length.
            long_s, long_rss, long_ff = peak_rss_build(run_on_edition(work), work, "memlong")
            rows.append(
                Row(
                    "peak RSS, espeak build of a 1M-character article",
                    long_s,
                    long_rss / one_rss,
                    f"< {LONG_ARTICLE_RATIO}x 1x build",
                    long_rss / one_rss < LONG_ARTICLE_RATIO,
                    f"{long_rss:.0f} MB peak RSS of the build process (ratio: vs the 1x build); "
                    f"{long_ff:.0f} MB with its ffmpeg processes (sampled)",
                    f"{long_rss:.0f} MB",
                )
            )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print_table(rows)
    for name, prof, total in profiles:
        print(f"\nprofile: {name}")
        print(top_functions(prof, total))
    missed = [r.what for r in rows if r.ok is False]
    print(f"\n{len(missed)} target(s) missed" + (": " + "; ".join(missed) if missed else ""))
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
