"""Benchmark the normalizer: characters per second on synthetic pages, against a baseline.

    PYTHONPATH=. python bench/bench_normalize.py [--pages 2000] [--chars 15000] [--seed 1]

Pages are made from the project's sample and test pages: their words are shuffled into new
sentences and articles (so jieba's caches do not flatter the numbers), laid out the ways
exports lay them out, with column cuts and a jump. The baseline splits the same text into
stripped lines, the least any normalizer must do.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiopaper.core.chinese import cut  # noqa: E402
from audiopaper.edition import Article, Credit, Edition  # noqa: E402
from audiopaper.normalize import normalize  # noqa: E402
from audiopaper.normalize.render import edition_to_text  # noqa: E402

NAMES = "王磊 李晨 赵敏 陈航 周红 吴迪 孙悦 钱程 郑毅 冯雪 何帆 吕青 沈宇 林可 顾伟".split()


def vocabulary() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("**/*.txt")]
    vocab = {w for t in texts for w in cut(t) if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", w)}
    return sorted(vocab)


def make_page(rng: random.Random, vocab: list[str], chars: int, page: int) -> str:
    def sentence() -> str:
        parts = ["".join(rng.choices(vocab, k=rng.randint(2, 6))) for _ in range(rng.randint(1, 4))]
        return ",".join(parts) + "。"

    def paragraph() -> str:
        return "".join(sentence() for _ in range(rng.randint(1, 5)))

    articles: list[Article] = []
    size = 0
    while size < chars:
        paras = [paragraph() for _ in range(rng.randint(2, 9))]
        size += sum(map(len, paras))
        credits = tuple(Credit(rng.choice(["记者", "通讯员"]), n) for n in rng.sample(NAMES, rng.randint(1, 3)))
        articles.append(
            Article(
                title="".join(rng.choices(vocab, k=rng.randint(3, 6))),
                kicker="".join(rng.choices(vocab, k=5)) if rng.random() < 0.2 else None,
                paragraphs=tuple(paras),
                page=page,
                credits=tuple(sorted(credits, key=lambda c: c.role != "记者")),
                dateline="本报讯" if rng.random() < 0.7 else None,
            )
        )
    edition = Edition(articles=tuple(articles), paper="测试日报", date="2024-06-01")
    text = edition_to_text(edition, style=rng.choice(["blank", "dense", "wrap"]), width=rng.randint(20, 40))
    # Column breaks: cut a few long lines in two, as e-paper exports do.
    lines = text.split("\n")
    for _ in range(8):
        i = rng.randrange(len(lines))
        if len(lines[i]) > 60 and "。" in lines[i][-3:]:
            cut = rng.randint(20, len(lines[i]) - 20)
            lines[i] = lines[i][:cut] + "\n\n" + lines[i][cut:]
    return "\n".join(lines)


def baseline(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--chars", type=int, default=15000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    cut("预热")  # jieba's dictionary loads once; count it apart
    load = time.perf_counter() - t0
    vocab = vocabulary()
    pages = [make_page(rng, vocab, args.chars, 1 + i % 8) for i in range(args.pages)]
    total = sum(map(len, pages))

    t0 = time.perf_counter()
    for p in pages:
        baseline(p)
    base = time.perf_counter() - t0

    t0 = time.perf_counter()
    articles = 0
    for p in pages:
        articles += len(normalize(p).articles)
    norm = time.perf_counter() - t0

    print(f"{args.pages} pages, {total:,} characters, {articles:,} articles; jieba load {load:.2f} s")
    print(f"{'method':<22}{'seconds':>10}{'chars/s':>16}{'ratio':>10}")
    print(f"{'baseline (splitlines)':<22}{base:>10.2f}{total / base:>16,.0f}{1:>10.1f}")
    print(f"{'normalize':<22}{norm:>10.2f}{total / norm:>16,.0f}{norm / base:>10.1f}")


if __name__ == "__main__":
    main()
