"""Traffic split between production variants.

SageMaker sends each variant ``weight / sum(weights)`` of the requests (reference §6).
The emulator uses smooth weighted round-robin (as nginx does) instead of random draws:
over any window of requests the split is as close to the weights as integers allow, so
tests can check proportions exactly without statistics.
"""

from __future__ import annotations

from collections.abc import Sequence


class WeightedRoundRobin:
    """Not thread-safe; callers hold the emulator's state lock."""

    def __init__(self) -> None:
        self._credit: dict[str, float] = {}

    def pick(self, weights: Sequence[tuple[str, float]]) -> str | None:
        """The next variant to serve, or None when no variant has a positive weight."""
        eligible = [(name, weight) for name, weight in weights if weight > 0]
        if not eligible:
            return None
        names = {name for name, _ in eligible}
        if names != set(self._credit):
            # The variant set changed (an update finished): start a fresh cycle.
            self._credit = dict.fromkeys(names, 0.0)
        total = sum(weight for _, weight in eligible)
        for name, weight in eligible:
            self._credit[name] += weight
        chosen = max(eligible, key=lambda pair: self._credit[pair[0]])[0]
        self._credit[chosen] -= total
        return chosen
