"""Integrated loudness (ITU-R BS.1770-4: K-weighting, 400 ms blocks, absolute and relative gates) in numpy.

The two K-weighting biquads are the standard's own (its 48 kHz coefficients, re-derived for any
rate as in Brecher's / De Man's analysis). They are applied by multiplying the spectrum of the
zero-padded signal by the filters' response: with enough padding for the impulse responses to
die away this is the same as running them sample by sample, and a thousand times faster in
Python. Block boundaries and gates follow pyloudnorm exactly, so the two agree to hundredths
of an LU (tests/test_loudness.py).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU below the absolute-gated loudness
BLOCK_S = 0.400
OVERLAP = 0.75
PAD_S = 0.5  # both filters' impulse responses are down by far more than 300 dB after this

# (gain dB, Q, centre Hz) of the standard's filters, fitted to its 48 kHz coefficients.
SHELF = (3.99984385397, 0.7071752369554193, 1681.9744509555319)
HIGHPASS = (0.5003270373253953, 38.13547087613982)

Coefficients = tuple[tuple[float, float, float], tuple[float, float, float]]


def shelf_coefficients(rate: float) -> Coefficients:
    """Stage 1 (the head's acoustic effect): a +4 dB high shelf, as (b, a) with a0 = 1."""
    gain_db, q, fc = SHELF
    k = math.tan(math.pi * fc / rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.499666774155
    a0 = 1.0 + k / q + k * k
    b = ((vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0)
    return b, (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0)


def highpass_coefficients(rate: float) -> Coefficients:
    """Stage 2 (RLB weighting): a second-order high pass near 38 Hz, as (b, a) with a0 = 1."""
    q, fc = HIGHPASS
    k = math.tan(math.pi * fc / rate)
    a0 = 1.0 + k / q + k * k
    return (1.0, -2.0, 1.0), (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0)


def biquad_response(coefficients: Coefficients, n_fft: int) -> npt.NDArray[np.complex128]:
    """The filter's complex response at the bins of an ``n_fft``-point real FFT."""
    b, a = coefficients
    z1 = np.exp(-2j * np.pi * np.arange(n_fft // 2 + 1) / n_fft)
    z2 = z1 * z1
    return np.asarray((b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2), dtype=np.complex128)


def k_weight(samples: npt.NDArray[np.floating], rate: float) -> npt.NDArray[np.float64]:
    """K-weighted copy of ``samples`` (frames, channels), as if filtered from rest."""
    frames = samples.shape[0]
    n_fft = 1 << math.ceil(math.log2(frames + int(PAD_S * rate)))
    response = biquad_response(shelf_coefficients(rate), n_fft) * biquad_response(highpass_coefficients(rate), n_fft)
    spectrum = np.fft.rfft(np.asarray(samples, dtype=np.float64), n=n_fft, axis=0)
    return np.fft.irfft(spectrum * response[:, None], n=n_fft, axis=0)[:frames]


def block_powers(weighted: npt.NDArray[np.float64], rate: float) -> npt.NDArray[np.float64]:
    """Mean square per channel of each 400 ms block, blocks 75 % overlapped: shape (blocks, channels)."""
    frames = weighted.shape[0]
    step = BLOCK_S * (1.0 - OVERLAP)
    count = round((frames / rate - BLOCK_S) / step) + 1
    if count < 1:
        return np.zeros((0, weighted.shape[1]))
    j = np.arange(count)
    lower = (BLOCK_S * (j * (1.0 - OVERLAP)) * rate).astype(np.int64)
    upper = np.minimum((BLOCK_S * (j * (1.0 - OVERLAP) + 1) * rate).astype(np.int64), frames)
    energy = np.concatenate([np.zeros((1, weighted.shape[1])), np.cumsum(weighted * weighted, axis=0)])
    return (energy[upper] - energy[lower]) / (BLOCK_S * rate)


def _loudness(power: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(power)


def integrated_loudness(samples: npt.NDArray[np.floating], rate: float) -> float:
    """Gated integrated loudness in LUFS of ``samples`` (frames, channels) or (frames,), full scale 1.0.

    Channels are summed with weight 1 (mono, stereo); -inf for silence or a signal shorter than one block.
    """
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    powers = block_powers(k_weight(data, rate), rate)
    if powers.shape[0] == 0:
        return -math.inf
    summed = powers.sum(axis=1)
    block = _loudness(summed)
    above_absolute = block >= ABSOLUTE_GATE
    if not above_absolute.any():
        return -math.inf
    relative = float(_loudness(summed[above_absolute].mean())) + RELATIVE_GATE
    gated = (block > relative) & (block > ABSOLUTE_GATE)
    if not gated.any():
        return -math.inf
    return float(_loudness(summed[gated].mean()))


def gain_to(target_lufs: float, measured_lufs: float) -> float:
    """Linear gain that brings ``measured_lufs`` to ``target_lufs`` (1.0 for silence)."""
    if not math.isfinite(measured_lufs):
        return 1.0
    return float(10.0 ** ((target_lufs - measured_lufs) / 20.0))


# The filters' impulse response is below -180 dB of its start after 0.1 s (the 38 Hz high pass is the
# slower, its double pole's time constant 4 ms): running them as an FIR that long is exact in practice.
STREAM_TAPS_S = 0.1
GATE_BIN = 0.005  # LU: the relative gate is placed to within this (the histogram's resolution)
GATE_TOP = 10.0  # LUFS: louder blocks share the top bin (their power is still summed exactly)


class KWeighting:
    """The K-weighting filters run block by block: overlap-add with their impulse response (0.1 s)."""

    def __init__(self, rate: float, channels: int) -> None:
        self.taps = int(STREAM_TAPS_S * rate)
        self.n_fft = 1 << math.ceil(math.log2(4 * self.taps))
        response = biquad_response(shelf_coefficients(rate), self.n_fft) * biquad_response(
            highpass_coefficients(rate), self.n_fft
        )
        impulse = np.fft.irfft(response, n=self.n_fft)[: self.taps]
        self._spectrum = np.fft.rfft(impulse, n=self.n_fft)[:, None]
        self._tail = np.zeros((self.taps - 1, channels))
        self._segment = self.n_fft - self.taps + 1

    def __call__(self, block: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        parts = [self._filter(block[i : i + self._segment]) for i in range(0, block.shape[0], self._segment)]
        return np.concatenate(parts) if parts else np.zeros((0, self._tail.shape[1]))

    @property
    def segment(self) -> int:
        """Frames filtered with one FFT: feeding whole segments costs least."""
        return self._segment

    def _filter(self, piece: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        frames = piece.shape[0]
        spectrum = np.fft.rfft(np.asarray(piece, dtype=np.float64), n=self.n_fft, axis=0)
        out = np.fft.irfft(spectrum * self._spectrum, n=self.n_fft, axis=0)[: frames + self.taps - 1]
        out[: self.taps - 1] += self._tail
        self._tail = out[frames:].copy()
        return out[:frames]


class LoudnessMeter:
    """:func:`integrated_loudness` of a signal fed block by block, in memory that does not grow with its length.

    The 400 ms blocks and their boundaries are those of the whole-signal meter. Gating needs every
    block's loudness at the end: blocks go into a histogram of 0.005 LU bins that keeps their count
    and summed power, so only the blocks within 0.005 LU of the relative gate are placed by their
    bin rather than their exact value (a difference far below 0.01 LU).
    """

    def __init__(self, rate: float, channels: int = 2) -> None:
        self.rate = rate
        self.frames = 0
        self._weight = KWeighting(rate, channels)
        self._pending: list[npt.NDArray[np.float64]] = []
        self._pending_frames = 0
        self._energy = 0.0  # K-weighted energy, summed over channels, of frames [0, self.frames)
        self._block = 0  # the next block to complete
        self._lower: dict[int, float] = {}  # energy at the start of blocks begun but not ended
        bins = round((GATE_TOP - ABSOLUTE_GATE) / GATE_BIN) + 1
        self._counts = np.zeros(bins, dtype=np.int64)
        self._powers = np.zeros(bins)

    def _bounds(self, j: int) -> tuple[int, int]:
        lower = int(BLOCK_S * (j * (1.0 - OVERLAP)) * self.rate)
        upper = int(BLOCK_S * (j * (1.0 - OVERLAP) + 1) * self.rate)
        return lower, upper

    def add(self, block: npt.NDArray[np.floating]) -> None:
        """Feed the next ``block`` (frames, channels) of the signal."""
        self._pending.append(np.asarray(block, dtype=np.float64))
        self._pending_frames += block.shape[0]
        if self._pending_frames >= self._weight.segment:
            self._flush(whole_segments=True)

    def _flush(self, whole_segments: bool) -> None:
        if not self._pending:
            return
        joined = np.concatenate(self._pending)
        cut = joined.shape[0] - joined.shape[0] % self._weight.segment if whole_segments else joined.shape[0]
        self._pending = [joined[cut:]] if cut < joined.shape[0] else []
        self._pending_frames = joined.shape[0] - cut
        if cut:
            self._measure(joined[:cut])

    def _measure(self, block: npt.NDArray[np.float64]) -> None:
        weighted = self._weight(block)
        energy = np.cumsum((weighted * weighted).sum(axis=1)) + self._energy
        start, end = self.frames, self.frames + weighted.shape[0]

        def at(index: int) -> float:
            return self._energy if index == start else float(energy[index - start - 1])

        j = self._block + len(self._lower)
        while self._bounds(j)[0] <= end:  # blocks that begin in this piece
            self._lower[j] = at(self._bounds(j)[0])
            j += 1
        while self._block in self._lower and self._bounds(self._block)[1] <= end:
            self._count(self._block, (at(self._bounds(self._block)[1]) - self._lower.pop(self._block)))
            self._block += 1
        self.frames, self._energy = end, float(energy[-1]) if weighted.shape[0] else self._energy

    def _count(self, j: int, energy: float) -> None:
        power = energy / (BLOCK_S * self.rate)
        loudness = float(_loudness(power))
        if loudness < ABSOLUTE_GATE:
            return
        index = min(int((loudness - ABSOLUTE_GATE) / GATE_BIN), self._counts.shape[0] - 1)
        self._counts[index] += 1
        self._powers[index] += power

    def integrated(self) -> float:
        """The gated loudness so far in LUFS (-inf for silence), as if the signal ended here."""
        self._flush(whole_segments=False)
        counts, powers = self._counts.copy(), self._powers.copy()
        count = round((self.frames / self.rate - BLOCK_S) / (BLOCK_S * (1.0 - OVERLAP))) + 1
        for j in range(self._block, count):  # the last blocks, cut at the end as the whole-signal meter does
            lower = self._lower.get(j)
            if lower is not None:
                power = (self._energy - lower) / (BLOCK_S * self.rate)
                if float(_loudness(power)) >= ABSOLUTE_GATE:
                    index = min(int((float(_loudness(power)) - ABSOLUTE_GATE) / GATE_BIN), counts.shape[0] - 1)
                    counts[index] += 1
                    powers[index] += power
        total = int(counts.sum())
        if total == 0:
            return -math.inf
        relative = float(_loudness(powers.sum() / total)) + RELATIVE_GATE
        lows = ABSOLUTE_GATE + np.arange(counts.shape[0]) * GATE_BIN
        gated = lows + 0.5 * GATE_BIN > relative
        if not counts[gated].any():
            return -math.inf
        return float(_loudness(powers[gated].sum() / counts[gated].sum()))
