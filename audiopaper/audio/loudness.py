"""Loudness to broadcast and podcast norms (ITU-R BS.1770), not peak normalization.

Integrated loudness is measured by ffmpeg's EBU R128 meter (a BS.1770-4 implementation),
streamed through a pipe so that no long programme is ever held as float arrays here. Speech
is brought to the target by a gain, and where that gain would push a true peak (4x
oversampled, BS.1770 annex 2) over the ceiling, a look-ahead limiter takes the peak down.
Only numpy runs here, in float32, one article at a time: memory stays bounded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from audiopaper.core import ffmpeg
from audiopaper.core.loudness import Profile

OVERSAMPLE = 4
TAPS_PER_PHASE = 12
LOOKAHEAD_MS = 5
# MP3 encoding can lift inter-sample peaks a few tenths of a dB: keep that much in hand.
CODEC_MARGIN_DB = 1.0
_CHUNK = 1 << 18  # samples: about 12 s at 22.05 kHz


@dataclass(frozen=True)
class Measurement:
    lufs: float
    true_peak_db: float


def integrated_lufs(pcm: bytes, sample_rate: int) -> float:
    """Integrated loudness of s16le mono PCM, by ffmpeg's R128 meter."""
    return ffmpeg.measure_pcm_loudness(pcm, sample_rate)


def to_pcm(samples: np.ndarray) -> bytes:
    scaled = np.clip(samples * np.float32(32768.0), -32768, 32767)
    return np.rint(scaled).astype("<i2").tobytes()


@functools.cache
def _phases() -> tuple[np.ndarray, ...]:
    # A windowed-sinc interpolation low-pass (Blackman) split into its 4 polyphase
    # branches: each branch computes one of the oversampled points between input samples.
    n = TAPS_PER_PHASE * OVERSAMPLE
    t = (np.arange(n) - (n - 1) / 2) / OVERSAMPLE
    taps = np.sinc(t) * np.blackman(n)
    return tuple((taps[k::OVERSAMPLE] / taps[k::OVERSAMPLE].sum()).astype(np.float32) for k in range(OVERSAMPLE))


def peak_envelope(samples: np.ndarray) -> np.ndarray:
    """Per sample, the largest magnitude among its 4x-oversampled points."""
    x = samples.astype(np.float32, copy=False)
    envelope = np.abs(x)
    for branch in _phases():
        y = np.convolve(x, branch, mode="same")
        np.maximum(envelope, np.abs(y, out=y), out=envelope)
    return envelope


def true_peak_db(samples: np.ndarray) -> float:
    if not len(samples):
        return float("-inf")
    peak = float(np.max(peak_envelope(samples)))
    return float(20 * np.log10(peak)) if peak > 0 else float("-inf")


def _sliding_min(x: np.ndarray, radius: int) -> np.ndarray:
    """Minimum over [i - radius, i + radius] for every i (van Herk / Gil-Werman, O(n))."""
    k = 2 * radius + 1
    padded = np.concatenate([np.ones(radius, x.dtype), x, np.ones(radius + (-(len(x) + 2 * radius)) % k, x.dtype)])
    blocks = padded.reshape(-1, k)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    n = len(x)
    return np.minimum(suffix[:n], prefix[k - 1 : k - 1 + n])


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Mean over [i - width//2, i + width - width//2 - 1], in chunks (float64 sums stay small)."""
    half = width // 2
    padded = np.concatenate([np.ones(half, x.dtype), x, np.ones(width - half, x.dtype)])
    out = np.empty(len(x), np.float32)
    for start in range(0, len(x), _CHUNK):
        stop = min(start + _CHUNK, len(x))
        sums = np.cumsum(padded[start : stop + width], dtype=np.float64)
        sums = np.concatenate([[0.0], sums])
        out[start:stop] = (sums[width : width + stop - start] - sums[: stop - start]) / width
    return out


def limiter_gain(peaks: np.ndarray, sample_rate: int, ceiling_db: float) -> np.ndarray | float:
    """Look-ahead limiter: no true peak above `ceiling_db`, gain changes smoothed over 5 ms."""
    ceiling = np.float32(10 ** (ceiling_db / 20))
    if not len(peaks) or float(peaks.max()) <= ceiling:
        return 1.0
    needed = np.minimum(np.float32(1.0), ceiling / np.maximum(peaks, np.float32(1e-9)))
    window = max(1, sample_rate * LOOKAHEAD_MS // 1000)
    # A moving average of a moving minimum twice as wide never exceeds the needed gain.
    return _moving_average(_sliding_min(needed, window), window)


def _gained_and_limited(pcm: bytes, sample_rate: int, gain_db: float, ceiling_db: float) -> tuple[bytes, bool, float]:
    """`pcm` times the gain, through the limiter; whether the limiter had work to do; and
    the true peak (dBTP) of the result, as the limiter saw it.

    Done in chunks of a few seconds, each read with enough context either side (the
    interpolation filter's and the limiter's reach) to come out exactly as in one piece:
    an article of several minutes never exists here as whole float arrays."""
    source = np.frombuffer(pcm, dtype="<i2")
    gain = np.float32(10 ** (gain_db / 20) / 32768.0)
    window = max(1, sample_rate * LOOKAHEAD_MS // 1000)
    margin = 3 * window + TAPS_PER_PHASE
    out = np.empty(len(source), dtype="<i2")
    engaged = False
    peak = 0.0
    for start in range(0, len(source), _CHUNK):
        stop = min(start + _CHUNK, len(source))
        a, b = max(0, start - margin), min(len(source), stop + margin)
        x = source[a:b].astype(np.float32) * gain
        peaks = peak_envelope(x)
        limit = limiter_gain(peaks, sample_rate, ceiling_db)
        if not isinstance(limit, float):
            x *= limit
            peaks *= limit
            engaged = True
        peak = max(peak, float(peaks[start - a : stop - a].max(initial=0.0)))
        kept = x[start - a : stop - a] * np.float32(32768.0)
        out[start:stop] = np.rint(np.clip(kept, -32768, 32767)).astype("<i2")
    return out.tobytes(), engaged, float(20 * np.log10(peak)) if peak > 0 else float("-inf")


def normalize_pcm(
    pcm: bytes, sample_rate: int, measured_lufs: float, profile: Profile, offset_db: float = 0.0
) -> tuple[bytes, float]:
    """Gain `pcm` from its measured loudness to the profile's (plus `offset_db`), limiting
    true peaks under the profile's ceiling; return it with its true peak (dBTP)."""
    if not np.isfinite(measured_lufs):  # silence: nothing to normalize
        return pcm, float("-inf")
    target = profile.lufs + offset_db
    gain_db = target - measured_lufs
    for _ in range(3):
        out, engaged, peak = _gained_and_limited(pcm, sample_rate, gain_db, profile.true_peak_db - CODEC_MARGIN_DB)
        if not engaged:
            break
        # The limiter takes some loudness with the peaks (about a LU for speech at -16):
        # measure what it left and win it back, at most twice.
        error = integrated_lufs(out, sample_rate) - target
        if abs(error) < 0.2:
            break
        gain_db -= error
    return out, peak
