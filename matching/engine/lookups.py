"""What scoring pairs needs beyond the two tables, built once per call: sets of pairs as sorted
keys, service areas, the residents' dismissed and boosted activities, their interest terms,
and the order of activity ids. Shared by the reference scorer and the batch engine."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Protocol

import numpy as np

from matching.arrays import locate
from matching.engine.tables import REMOTE_REACH_MODES, Candidates, Residents


class PairSet:
    """A set of (a, b) pairs of small non-negative integers, as sorted int64 keys, so that
    membership of many pairs at once is a binary search."""

    def __init__(self, a: np.ndarray, b: np.ndarray) -> None:
        self.keys = distinct(_pair_key(np.asarray(a), np.asarray(b)))

    def contains(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Membership of every (a, b), for arrays that broadcast together."""
        return locate(self.keys, _pair_key(a, b))[1]

    def pairs_of(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in a, b) of every stored pair whose first element is in a."""
        if not len(self.keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        first = a.astype(np.int64) << 32
        start = np.searchsorted(self.keys, first)
        count = np.searchsorted(self.keys, first + (1 << 32)) - start
        which = np.repeat(np.arange(len(a)), count)
        at = np.arange(count.sum()) + np.repeat(start - (np.cumsum(count) - count), count)
        return which, self.keys[at] & 0xFFFFFFFF


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values (np.unique, by sorting: its hash table is slower here)."""
    values = np.sort(values, kind="stable")  # stable: merges already sorted runs fast
    first = np.ones(len(values), dtype=bool)
    first[1:] = values[1:] != values[:-1]
    return values[first]


def positions(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, and the position of each value among them."""
    unique = distinct(values)
    return unique, np.searchsorted(unique, values)


def _pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a.astype(np.int64) << 32) | b.astype(np.int64)


@dataclasses.dataclass(frozen=True)
class ServiceAreas:
    """Which communes each at-home or phone activity serves. Activities often share an area
    (a département, a city), so each distinct area is stored once."""

    area_of: np.ndarray  # (M,) int64 area number, -1 for none
    covers: PairSet  # (area, territory id + 1)
    serving: PairSet  # (territory id + 1, area)
    members: PairSet  # (area, column)

    @classmethod
    def of(cls, candidates: Candidates) -> ServiceAreas:
        remote = np.flatnonzero(np.isin(candidates.mode, REMOTE_REACH_MODES))
        number: dict[frozenset[int], int] = {}
        area_of = np.full(len(candidates), -1, dtype=np.int64)
        area_of[remote] = [
            number.setdefault(candidates.service_territories[j], len(number)) for j in remote
        ]
        areas = np.repeat(np.arange(len(number)), [len(area) for area in number])
        territories = np.fromiter(itertools.chain.from_iterable(number), dtype=np.int64) + 1
        return cls(
            area_of=area_of,
            covers=PairSet(areas, territories),
            serving=PairSet(territories, areas),
            members=PairSet(area_of[remote], remote),
        )

    def serves(self, cols: np.ndarray, territory: np.ndarray) -> np.ndarray:
        return self.covers.contains(self.area_of[cols], territory + 1)

    def blocks(self, territory: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(resident rows, columns) per service area: the residents of its communes and the
        activities serving exactly it. Every served pair is in one block, and only those."""
        rows, areas = self.serving.pairs_of(territory + 1)
        if not len(rows):
            return []
        order = np.argsort(areas, kind="stable")
        rows, areas = rows[order], areas[order]
        starts = np.flatnonzero(np.concatenate([[True], areas[1:] != areas[:-1]]))
        ends = np.append(starts[1:], len(areas))
        _which, cols = self.members.pairs_of(areas[starts])
        col_starts = np.searchsorted(_which, np.arange(len(starts)))
        col_ends = np.append(col_starts[1:], len(cols))
        return [
            (rows[a:b], cols[c:d])
            for a, b, c, d in zip(starts, ends, col_starts, col_ends, strict=True)
        ]


class PreparedCandidates(Protocol):
    """What `Lookups` reads of candidates prepared ahead (`batch.Prepared`)."""

    areas: ServiceAreas
    id_rank: np.ndarray
    by_rank: np.ndarray
    category_columns: np.ndarray


@dataclasses.dataclass(frozen=True)
class Lookups:
    """What pairs need beyond the two tables, built once per call: service areas, which
    activities each resident dismissed or boosted (by row and column), each activity's
    category columns, and the order of the activity ids."""

    areas: ServiceAreas
    excluded: PairSet  # (resident row, column)
    boosted: PairSet  # (resident row, column)
    category_columns: np.ndarray  # (M, W) int: each activity's category columns, C-padded
    weights: np.ndarray  # (R, C + 1) float32 interest weights, the padding column C zero
    interest_norm: np.ndarray  # (R,) float64 sum of the weights (at least 1e-6)
    cold: np.ndarray  # (R,) bool: no interest given yet
    id_rank: np.ndarray  # (M,) int64: rank of each activity id (ties go to the lowest)
    by_rank: np.ndarray  # (M,) int64: column of each id rank

    @classmethod
    def build(
        cls,
        residents: Residents,
        candidates: Candidates,
        *,
        prepared: PreparedCandidates | None = None,
        terms: ResidentTerms | None = None,
    ) -> Lookups:
        """`prepared`: the candidates' side prepared ahead (`batch.Prepared`), when the
        caller has it; `terms`: the residents' `ResidentTerms`, when the caller keeps them."""
        if prepared is None:
            by_rank, id_rank = id_ranks(candidates.ids)
            areas = ServiceAreas.of(candidates)
            category_columns = category_columns_of(candidates.categories)
        else:
            by_rank, id_rank = prepared.by_rank, prepared.id_rank
            areas, category_columns = prepared.areas, prepared.category_columns
        terms = terms or ResidentTerms.of(residents)
        return cls(
            areas=areas,
            excluded=terms.excluded.pairs(candidates.ids, by_rank),
            boosted=terms.boosted.pairs(candidates.ids, by_rank),
            category_columns=category_columns,
            weights=terms.weights,
            interest_norm=terms.norm,
            cold=terms.cold,
            id_rank=id_rank,
            by_rank=by_rank,
        )


@dataclasses.dataclass(frozen=True)
class Listed:
    """The activities listed in one set per resident (dismissed, or saved and joined), as
    (resident row, activity id) pairs ordered by row."""

    rows: np.ndarray  # int64
    ids: np.ndarray  # int64

    @classmethod
    def of(cls, sets: list[frozenset[int]]) -> Listed:
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        rows = np.flatnonzero(sizes)
        listed = [np.fromiter(sets[n], dtype=np.int64) for n in rows.tolist()]
        ids = np.concatenate(listed) if listed else np.zeros(0, dtype=np.int64)
        return cls(np.repeat(rows, sizes[rows]), ids)

    def at(self, rows: np.ndarray) -> Listed:
        """The pairs of these rows (ascending), renumbered as the rows' positions."""
        at, kept = locate(rows, self.rows)
        return Listed(at[kept], self.ids[kept])

    def pairs(self, ids: np.ndarray, by_rank: np.ndarray) -> PairSet:
        """(resident row, column) of each listed activity that is among these candidates."""
        at, found = locate(ids[by_rank], self.ids)
        return PairSet(self.rows[found], by_rank[at[found]])


@dataclasses.dataclass(frozen=True)
class ResidentTerms:
    """The residents' side of the lookups, which depends on nothing else: a process that
    keeps a table of residents can keep these (for a whole table they cost more than
    scoring one activity against all of them)."""

    weights: np.ndarray  # (R, C + 1) float32 interest weights, the padding column C zero
    norm: np.ndarray  # (R,) float64 sum of the weights (at least 1e-6)
    cold: np.ndarray  # (R,) bool: no interest given yet
    excluded: Listed
    boosted: Listed

    @classmethod
    def of(cls, residents: Residents) -> ResidentTerms:
        weights = np.pad(residents.interests.astype(np.float32), ((0, 0), (0, 1)))
        # Summed in column order, as a loop over the weights adds them.
        total = np.zeros(len(weights))
        for column in weights.T:
            total += column
        return cls(
            weights,
            np.maximum(total, 1e-6),
            ~np.any(weights, axis=1),
            Listed.of(residents.excluded),
            Listed.of(residents.boosted),
        )

    def at(self, rows: np.ndarray) -> ResidentTerms:
        """The terms of these residents' rows (ascending)."""
        return ResidentTerms(
            self.weights[rows],
            self.norm[rows],
            self.cold[rows],
            self.excluded.at(rows),
            self.boosted.at(rows),
        )


def id_ranks(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The column of each id rank, and the rank of each column's id (ties to the lowest)."""
    by_rank = np.argsort(ids, kind="stable")
    id_rank = np.empty_like(by_rank)
    id_rank[by_rank] = np.arange(len(by_rank))
    return by_rank, id_rank


def category_columns_of(categories: np.ndarray) -> np.ndarray:
    """(M, W) the category columns of each activity in ascending order, padded with C."""
    rows, cols = np.nonzero(categories != 0)
    count = np.bincount(rows, minlength=len(categories))
    out = np.full((len(categories), max(int(count.max(initial=0)), 1)), categories.shape[1])
    starts = np.cumsum(count) - count
    out[rows, np.arange(len(rows)) - starts[rows]] = cols
    return out
