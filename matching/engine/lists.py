"""Each resident's list once its k activities are chosen: the diversity re-rank, the lists as
arrays (`Lists`, what a worker stores), and as `Recommendation` objects."""

from __future__ import annotations

import contextlib
import gc
from typing import NamedTuple

import numpy as np

from matching.engine.lookups import Lookups
from matching.engine.reason_keys import reason_book, reason_keys_of, with_category_ids
from matching.engine.tables import (
    DIVERSITY_DECAY,
    DIVERSITY_TOP,
    Candidates,
    PairScores,
    Recommendation,
    Residents,
    new_recommendation,
)


def diversify(scores: np.ndarray, top_category: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Greedy re-rank of the first DIVERSITY_TOP items of each row (rows sorted best first,
    the first `count` items real): each earlier pick of the same top category multiplies an
    item's score by DIVERSITY_DECAY, so the top ten are not ten choirs. Returns each row's new
    order of columns; the items not picked keep their order after the picks."""
    n, k = scores.shape
    decay = np.array([DIVERSITY_DECAY**p for p in range(k + 1)])
    everyone = np.arange(n)
    position = np.broadcast_to(np.arange(k) + k, (n, k)).copy()
    open_ = np.arange(k)[None, :] < count[:, None]
    seen = np.zeros((n, k), dtype=np.int64)
    for step in range(min(DIVERSITY_TOP, k)):
        effective = np.where(open_, scores * decay[seen], -np.inf)
        best = effective.argmax(axis=1)  # the first of equals: the better ranked
        rows = everyone[step < count]
        picked = best[rows]
        position[rows, picked] = step
        open_[rows, picked] = False
        seen[rows] += top_category[rows] == top_category[rows, picked][:, None]
    return np.argsort(position, axis=1)


FINISH_CHUNK = 4096  # residents listed together: the temporaries are reused


class Lists(NamedTuple):
    """Each resident's list, best first, as arrays: what the engines compute before any
    Python object is built (`recommendations` builds them; a full refresh stores the arrays).

    An item's reasons are one integer, its reason key (matching.engine.reason_keys), its
    interest given by category column until `with_category_ids`."""

    ids: np.ndarray  # (R, k) int64 activity ids, -1 after `count`
    scores: np.ndarray  # (R, k) float64, rounded to 5 decimals
    keys: np.ndarray  # (R, k) int64 reason keys
    count: np.ndarray  # (R,) int64 items in each list

    @classmethod
    def empty(cls, n: int) -> Lists:
        """n empty lists."""
        nothing = np.zeros((n, 0), dtype=np.int64)
        return cls(nothing, nothing.astype(np.float64), nothing, np.zeros(n, dtype=np.int64))

    def rows(self):
        """Each list's ids, scores and reason keys, as Python lists."""
        for ids, scores, keys, n in zip(
            self.ids.tolist(), self.scores.tolist(), self.keys.tolist(), self.count.tolist(),
            strict=True,
        ):  # fmt: skip
            yield ids[:n], scores[:n], keys[:n]

    def take(self, rows: np.ndarray) -> Lists:
        return Lists(*(field[rows] for field in self))

    def with_category_ids(self, ids_by_column: np.ndarray) -> Lists:
        """The lists with each reason key's interest given as a category id (`ids_by_column`:
        the id of each category column), as stored: columns move when categories do."""
        return self._replace(keys=with_category_ids(self.keys, ids_by_column))


def finish(
    residents: Residents,
    candidates: Candidates,
    chosen: np.ndarray,
    exact: PairScores,
    *,
    lookups: Lookups,
) -> Lists:
    """The lists from each row's chosen columns (best first, -1 padded) and their exact
    scores: diversity re-rank and reason keys, for these k pairs only. Rows go in chunks, so
    that the temporaries are reused."""
    parts = []
    for start in range(0, len(residents), FINISH_CHUNK):
        part = slice(start, start + FINISH_CHUNK)
        rows = np.arange(len(residents))[part, None]
        count = (chosen[part] >= 0).sum(axis=1)
        cols = np.maximum(chosen[part], 0)
        order = diversify(exact.score[part], candidates.top_category[cols], count)
        cols = np.take_along_axis(cols, order, axis=1)
        scores = PairScores(*(np.take_along_axis(a[part], order, axis=1) for a in exact))
        listed = np.arange(cols.shape[1]) < count[:, None]
        parts.append(
            Lists(
                np.where(listed, candidates.ids[cols], -1),
                np.where(listed, np.round(scores.score, 5), 0.0),
                np.where(
                    listed, reason_keys_of(residents, candidates, rows, cols, scores, lookups), 0
                ),
                count,
            )
        )
    if not parts:
        return Lists.empty(0)
    return Lists(*(np.concatenate(field) for field in zip(*parts, strict=True)))


def recommendations(lists: Lists, category_slugs: list[str]) -> list[list[Recommendation]]:
    """The lists as Recommendation objects, reasons built from their keys (interests by
    column: `category_slugs`). Equal reasons are built once and shared."""
    reasons = reason_book(category_slugs)
    results: list[list[Recommendation]] = []
    with cycle_collector_paused():
        for ids, scores, keys in lists.rows():
            items = zip(ids, scores, map(reasons.__getitem__, keys), strict=True)
            results.append(list(map(new_recommendation, items)))
    return results


@contextlib.contextmanager
def cycle_collector_paused():
    """Millions of small acyclic objects are built at once: without this, the cycle
    collector rescans them all every few hundred allocations. Nested pauses are
    one."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
