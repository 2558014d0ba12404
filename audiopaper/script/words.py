"""One jieba tokenizer for the whole package, loaded lazily and quietly."""

from __future__ import annotations

import functools
import logging

import jieba


@functools.cache
def tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


def words(text: str) -> list[str]:
    return list(tokenizer().cut(text, HMM=True))
