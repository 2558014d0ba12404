"""Loudness to broadcast and podcast norms (ITU-R BS.1770), not peak normalization.

Integrated loudness is measured with pyloudnorm (a BS.1770-4 meter); true peak by 4x
oversampling, as BS.1770 annex 2 describes. Speech is brought to the target by a gain, and
where that gain would push a true peak over the ceiling a look-ahead limiter takes the peak
down, so the loudness target is met without clipping.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import firwin

OVERSAMPLE = 4
LOOKAHEAD_MS = 5
# MP3 encoding can lift inter-sample peaks a few tenths of a dB: keep that much in hand.
CODEC_MARGIN_DB = 1.0


@dataclass(frozen=True)
class Profile:
    name: str
    lufs: float
    true_peak_db: float


PROFILES = {
    "broadcast": Profile("broadcast", lufs=-23.0, true_peak_db=-1.0),  # EBU R128
    "podcast": Profile("podcast", lufs=-16.0, true_peak_db=-1.0),
}


@dataclass(frozen=True)
class Measurement:
    lufs: float
    true_peak_db: float


def to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def to_pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768.0).round().astype("<i2").tobytes()


@functools.cache
def _phases() -> tuple[np.ndarray, ...]:
    # A 48-tap interpolation low-pass split into its 4 polyphase branches: each branch
    # computes one of the oversampled points between input samples.
    taps = firwin(12 * OVERSAMPLE, 1 / OVERSAMPLE) * OVERSAMPLE
    return tuple(taps[k::OVERSAMPLE].astype(np.float32) for k in range(OVERSAMPLE))


def _peak_envelope(samples: np.ndarray) -> np.ndarray:
    """Per sample, the largest magnitude among its 4x-oversampled points (BS.1770 annex 2)."""
    x = samples.astype(np.float32)
    envelope = np.abs(x)
    for branch in _phases():
        y = np.convolve(x, branch, mode="same")
        np.maximum(envelope, np.abs(y, out=y), out=envelope)
    return envelope


def true_peak_db(samples: np.ndarray) -> float:
    if not len(samples):
        return float("-inf")
    peak = float(np.max(_peak_envelope(samples)))
    return float(20 * np.log10(peak)) if peak > 0 else float("-inf")


def integrated_lufs(samples: np.ndarray, sample_rate: int) -> float:
    # The meter needs at least one 400 ms gating block.
    if len(samples) < sample_rate // 2:
        samples = np.concatenate([samples, np.zeros(sample_rate // 2 - len(samples))])
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(samples))


def measure(samples: np.ndarray, sample_rate: int) -> Measurement:
    return Measurement(lufs=integrated_lufs(samples, sample_rate), true_peak_db=true_peak_db(samples))


def _limiter_gain(peaks: np.ndarray, sample_rate: int, ceiling_db: float) -> np.ndarray | float:
    """Look-ahead limiter gain: no true peak above `ceiling_db`, changes smoothed over 5 ms."""
    ceiling = 10 ** (ceiling_db / 20)
    if float(np.max(peaks, initial=0.0)) <= ceiling:
        return 1.0
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9))
    window = max(1, sample_rate * LOOKAHEAD_MS // 1000)
    # A moving average of a moving minimum twice as wide never exceeds the needed gain.
    return uniform_filter1d(minimum_filter1d(needed, size=2 * window + 1), size=window)


def normalize(samples: np.ndarray, sample_rate: int, profile: Profile) -> np.ndarray:
    """Gain to the profile's loudness, then limit true peaks under its ceiling."""
    ceiling = profile.true_peak_db - CODEC_MARGIN_DB
    peaks = _peak_envelope(samples)  # once: gain scales it, so later passes reuse it
    out, gain = samples, 1.0
    for _ in range(3):  # limiting lowers loudness a little; a further pass wins it back
        lufs = integrated_lufs(out, sample_rate)
        if not np.isfinite(lufs):  # silence: nothing to normalize
            return out
        if abs(lufs - profile.lufs) < 0.2:
            break
        gain *= 10 ** ((profile.lufs - lufs) / 20)
        out = samples * (gain * _limiter_gain(peaks * gain, sample_rate, ceiling))
    return out
