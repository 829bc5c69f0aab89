"""The trigger experiment: which trigger (and, optionally, session and sunset length) tonight.

Pure: no clock, no I/O, and the randomness comes from an injected
:class:`random.Random`, so the same seed and the same ratings give the same
choice. The default is Thompson sampling: each option's chance of a good night
is a Beta(1 + good, 1 + bad) posterior; one number is drawn from each and the
highest draw wins. New options (a flat posterior) get tried, options that keep
working get played more, and a bad option keeps a small chance of a second
look. A pinned option always wins; an excluded one is never chosen.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["thompson", "rotation", "fixed"]
Counts = Mapping[str, tuple[int, int]]  # option -> (good nights, bad nights)
MODES: tuple[Mode, ...] = ("thompson", "rotation", "fixed")


@dataclass(frozen=True)
class Pick:
    """One choice and why it was made."""

    dimension: str
    value: str
    how: str  # "pinned", "thompson", "rotation", "fixed" or "only"
    means: dict[str, float] = field(default_factory=dict)
    samples: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def why(self) -> str:
        """One line a person can read: what was chosen and on what grounds."""
        text = f"{self.dimension} {self.value}: {self.how}"
        if self.samples:
            ranked = sorted(self.samples.items(), key=lambda item: -item[1])[:4]
            draws = ", ".join(f"{name} {draw:.2f} (mean {self.means[name]:.2f})" for name, draw in ranked)
            text += f"; draws {draws}"
        return f"{text}; {self.note}" if self.note else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "how": self.how,
            "means": {k: round(v, 4) for k, v in self.means.items()},
            "samples": {k: round(v, 4) for k, v in self.samples.items()},
            "note": self.note,
            "why": self.why(),
        }


def posterior_mean(good: int, bad: int) -> float:
    """Mean of Beta(1 + good, 1 + bad): the expected chance of a good night."""
    return (1 + good) / (2 + good + bad)


def favourite(counts: Counts) -> str:
    """The rated option with the best posterior mean (more ratings break a tie); "" before any rating."""
    rated = [(posterior_mean(g, b), g + b, name) for name, (g, b) in counts.items() if g + b > 0]
    return max(rated)[2] if rated else ""


def beta_cdf(x: float, good: int, bad: int) -> float:
    """P(p <= x) for p ~ Beta(1 + good, 1 + bad), exactly.

    For whole-number parameters a, b the regularized incomplete beta function
    is a binomial tail: I_x(a, b) = P(Binomial(a + b - 1, x) >= a).
    """
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    a, n = 1 + good, 1 + good + bad
    return sum(math.comb(n, j) * x**j * (1 - x) ** (n - j) for j in range(a, n + 1))


def beta_quantile(q: float, good: int, bad: int) -> float:
    """The ``q`` quantile of Beta(1 + good, 1 + bad), by bisection (to 1e-6)."""
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        if beta_cdf(mid, good, bad) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def credible_interval(good: int, bad: int, mass: float = 0.9) -> tuple[float, float]:
    """The central interval holding ``mass`` of the posterior (0.9: 5 % to 95 %)."""
    tail = (1 - mass) / 2
    return beta_quantile(tail, good, bad), beta_quantile(1 - tail, good, bad)


def choose(
    dimension: str,
    options: Sequence[str],
    counts: Counts,
    rng: random.Random,
    mode: Mode = "thompson",
    pinned: str = "",
    excluded: Sequence[str] = (),
    last: str = "",
) -> Pick | None:
    """Choose one of ``options`` (in their given order); None when none is allowed.

    ``pinned`` wins when it is allowed; ``excluded`` is never chosen.
    ``last`` is what was chosen last time (for rotation and fixed mode).
    """
    allowed = [o for o in dict.fromkeys(options) if o not in set(excluded)]
    if not allowed:
        return None
    note = ""
    if pinned:
        if pinned in allowed:
            return Pick(dimension, pinned, "pinned")
        note = f"pinned {pinned!r} is not available"
    if len(allowed) == 1:
        return Pick(dimension, allowed[0], "only", note=note)
    if mode == "rotation":
        value = allowed[(allowed.index(last) + 1) % len(allowed)] if last in allowed else allowed[0]
        return Pick(dimension, value, "rotation", note=note)
    if mode == "fixed":
        return Pick(dimension, last if last in allowed else allowed[0], "fixed", note=note)
    return thompson(dimension, allowed, counts, rng, note)


def thompson(dimension: str, allowed: Sequence[str], counts: Counts, rng: random.Random, note: str = "") -> Pick:
    """One draw from each option's Beta posterior; the highest draw wins (first on a tie)."""
    means: dict[str, float] = {}
    samples: dict[str, float] = {}
    for option in allowed:
        good, bad = counts.get(option, (0, 0))
        means[option] = posterior_mean(good, bad)
        samples[option] = rng.betavariate(1 + good, 1 + bad)
    best = max(allowed, key=lambda option: samples[option])
    return Pick(dimension, best, "thompson", means, samples, note)
