"""Reason keys: an item's reasons as one integer, encoded from its pair and decoded into
`{"code", "params"}` reasons. The layout of a key:

    (interest << 24) + (access + 5) * 16 + others

where interest is 0 for none, else the shared category with the strongest weight (its column
+ 1 in the engine, its id once stored: `with_category_ids`); access is 2 x (tenths of km + 1) +
step-free for a venue, -1 - mode for an activity reaching the resident where they are, 0 for
none; others are bits of OTHER_REASONS. Rendering reasons in a language is not the engine's:
see matching.reasons."""

from __future__ import annotations

import functools

import numpy as np

from matching.engine.lookups import Lookups
from matching.engine.tables import (
    ALL_SLOTS,
    MODES,
    ONLINE,
    REMOTE_REACH_MODES,
    VENUE_MODES,
    Candidates,
    PairScores,
    Residents,
)

OTHER_REASONS = ("fits_availability", "free", "social", "welcoming")
_ACCESS_BITS = 20  # (tenths of km + 1) x 2 + 1 fits below 2**20 up to 52,000 km
_INTEREST_SHIFT = _ACCESS_BITS + 4


def with_category_ids(keys: np.ndarray, ids_by_column: np.ndarray) -> np.ndarray:
    """The keys with their interest given as a category id (`ids_by_column`: the id of each
    category column) rather than a column, as stored: columns move when categories do."""
    interest = np.concatenate([[0], ids_by_column]).astype(np.int64)[keys >> _INTEREST_SHIFT]
    rest = keys & ((1 << _INTEREST_SHIFT) - 1)
    return (interest << _INTEREST_SHIFT) + rest


def reason_parts(key: int) -> tuple[int, int, int]:
    """(interest, access, others) of a reason key (see the module's docstring)."""
    rest, others = divmod(key, 16)
    interest, access = divmod(rest, 1 << _ACCESS_BITS)
    return interest, access - len(MODES), others


def reasons_of(category: str | None, access: int, others: int) -> tuple[dict, ...]:
    """An item's reasons, from the parts of its key (the interest as its category's slug)."""
    interest = ({"code": "interest", "params": {"category": category}},) if category else ()
    return interest + _access_reasons(access) + _other_reasons[others]


def reason_keys_of(
    residents: Residents,
    candidates: Candidates,
    rows: np.ndarray,
    cols: np.ndarray,
    exact: PairScores,
    lookups: Lookups,
) -> np.ndarray:
    """Each pair's reason key (see the module's docstring), from its exact scores."""
    r, c = residents, candidates
    weights = np.concatenate([r.interests, np.full((len(r), 1), -1.0, np.float32)], axis=1)
    columns = lookups.category_columns[cols]
    strongest = weights[rows[..., None], columns].argmax(axis=-1)[..., None]
    shared = np.take_along_axis(columns, strongest, axis=-1)[..., 0]
    interest = np.where(exact.interest > 0, shared + 1, 0)
    mode = c.mode[cols].astype(np.int64)
    near = np.isin(mode, VENUE_MODES) & r.has_home[rows]
    tenths = np.rint(exact.distance * 10).astype(np.int64) + 1
    remote = np.isin(mode, (ONLINE, *REMOTE_REACH_MODES))
    access = np.where(near, 2 * tenths + r.step_free[rows], np.where(remote, -1 - mode, 0))
    others = (
        ((exact.availability > 0) & (r.availability[rows] != ALL_SLOTS)) * 1
        + c.free[cols] * 2
        + (r.lonely[rows] & (c.social[cols] >= 0.5)) * 4
        + (lookups.cold[rows] & c.low_threshold[cols]) * 8
    )
    return ((interest << _ACCESS_BITS) + access + len(MODES)) * 16 + others


@functools.cache
def _access_reasons(access: int) -> tuple[dict, ...]:
    if access > 0:
        tenths, step_free = divmod(access, 2)
        near = {"code": "near", "params": {"distance_km": (tenths - 1) / 10}}
        return (near, {"code": "step_free", "params": {}}) if step_free else (near,)
    if access < 0:
        return ({"code": MODES[-1 - access], "params": {}},)
    return ()


_other_reasons = [
    tuple({"code": name, "params": {}} for n, name in enumerate(OTHER_REASONS) if bits >> n & 1)
    for bits in range(1 << len(OTHER_REASONS))
]


def reason_book(category_slugs: list[str]) -> _Built:
    """Reasons by key (interests by column), each built once."""

    def build(key: int) -> tuple[dict, ...]:
        interest, access, others = reason_parts(key)
        return reasons_of(category_slugs[interest - 1] if interest else None, access, others)

    return _Built(build)


class _Built(dict):
    """A dict that builds a missing value with `build` and keeps it."""

    def __init__(self, build) -> None:
        super().__init__()
        self.build = build

    def __missing__(self, key):
        value = self[key] = self.build(key)
        return value
