"""The engine's vocabulary and tables: attendance modes, the score's weights, the candidates'
and residents' arrays and the result types. The reference scorer and the batch engine both read
them: a change here changes what both compute."""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import numpy as np

ENGINE_VERSION = "1.1"
TOP_K = 20
DIVERSITY_TOP = 10
DIVERSITY_DECAY = 0.8  # each earlier pick of the same top category multiplies the score by this

# Attendance modes, in this order in `mode` arrays and `accepted_modes` bit masks.
MODES = ("in_person", "online", "mixed", "at_home", "phone")
IN_PERSON, ONLINE, MIXED, AT_HOME, PHONE = range(5)
REMOTE_REACH_MODES = (AT_HOME, PHONE)  # reach the resident where they live: need a service area
VENUE_MODES = (IN_PERSON, MIXED)

WEIGHTS = {
    "interest": 0.40,
    "distance": 0.20,
    "availability": 0.15,
    "social": 0.15,
    "freshness": 0.05,
    "popularity": 0.05,
}
LONELY_SCORE = 6  # UCLA 3-item score from which social value counts double
NO_VENUE_NEARNESS = 0.5  # nearness of an activity without a venue
MIN_DECAY_REACH_KM = 0.2  # nearness decays over half the reach, never over less than this
COLD_START = 0.3  # weight of low threshold and of popularity for residents without interests
BOOST = 0.1  # saved or joined
ALL_SLOTS = (1 << 21) - 1  # bit (weekday * 3 + part of day)


def popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values.astype(np.uint64)).astype(np.float64)


@dataclasses.dataclass
class Candidates:
    """M activities, one row each. Activities without a venue have zero coordinates."""

    ids: np.ndarray  # int64
    xyz: np.ndarray  # (M, 3) float64, zeros for remote
    mode: np.ndarray  # int8 index in MODES
    step_free: np.ndarray  # bool: venue fully wheelchair accessible
    age_min: np.ndarray  # int16, 0 when none
    age_max: np.ndarray  # int16, 200 when none
    has_age_limits: np.ndarray  # bool
    audiences: np.ndarray  # int64 mask; the "everyone" bit means open to all
    languages: np.ndarray  # int64 mask
    price: np.ndarray  # float32: cheapest price, 0 when free
    slots: np.ndarray  # int64 weekly slots of upcoming sessions
    categories: np.ndarray  # (M, C) float32, 1 for each category and its parent
    top_category: np.ndarray  # int32 index of the main top category (diversity)
    social: np.ndarray  # float32 0..1: recurring, small group, peer/friendship programmes
    freshness: np.ndarray  # float32 0..1
    popularity: np.ndarray  # float32 0..1
    low_threshold: np.ndarray  # bool: free, low intensity, no registration needed
    service_territories: list[frozenset[int]]  # for at-home/phone: territory ids served
    free: np.ndarray  # bool
    # bool: offered only to a resident sharing one of its interests, never on nearness alone
    # (a closed peer-support group for a life situation: a grief circle, entered after an
    # interview). None: no such activity (tables built before the rule, synthetic ones).
    needs_interest: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.needs_interest is None:
            self.needs_interest = np.zeros(len(self.ids), dtype=bool)

    def __len__(self) -> int:
        return len(self.ids)


@dataclasses.dataclass
class Residents:
    """R residents, one row each."""

    ids: np.ndarray  # int64 user ids
    xyz: np.ndarray  # (R, 3) coarse home
    has_home: np.ndarray  # bool
    territory: np.ndarray  # int64 home commune id, -1 when unknown
    reach_km: np.ndarray  # float32
    step_free: np.ndarray  # bool
    homebound: np.ndarray  # bool
    age: np.ndarray  # int16, -1 when unknown
    audiences: np.ndarray  # int64 mask (consented only)
    languages: np.ndarray  # int64 mask
    budget: np.ndarray  # float32, inf when none
    accepted_modes: np.ndarray  # int64 mask over MODES
    availability: np.ndarray  # int64 weekly slots mask
    interests: np.ndarray  # (R, C) float32 weights 0..1
    lonely: np.ndarray  # bool
    excluded: list[frozenset[int]]  # activity ids never to show (dismissed)
    boosted: list[frozenset[int]]  # activity ids saved or joined

    def __len__(self) -> int:
        return len(self.ids)


class Recommendation(NamedTuple):
    """One listed activity. Items with the same reasons share them: treat them as read-only."""

    activity_id: int
    score: float
    reasons: tuple[dict, ...]


new_recommendation = functools.partial(tuple.__new__, Recommendation)  # from a 3-tuple, in C


class PairScores(NamedTuple):
    """Arrays of the same shape, one entry per pair."""

    score: np.ndarray  # float64
    feasible: np.ndarray  # bool: every hard constraint holds
    distance: np.ndarray  # km, float64
    interest: np.ndarray  # 0..1
    availability: np.ndarray  # 0..1
