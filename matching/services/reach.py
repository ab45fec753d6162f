"""Who an activity may reach, and which activities a group of residents may reach: supersets
that spare the engine rows it would reject (the engine applies every constraint)."""

from __future__ import annotations

import numpy as np

from activities.models import Activity
from matching import engine
from matching.arrays import take
from matching.choices import REACHED_AT_HOME, REACHED_EVERYWHERE
from matching.residents import current_residents

REACH_MARGIN = 1.001  # the engine's own distances, give or take its float rounding


def candidates_within_reach(
    residents: engine.Residents, candidates: engine.Candidates
) -> engine.Candidates:
    """The candidates that can be feasible for some of these residents: every activity that
    is not only in person, and the venues within the longest reach of those who can leave
    home, around them (a spherical cap over their homes). The engine applies every
    constraint; handing it the venues of one region rather than of the whole directory
    spares it preparing every row of the directory for the few residents of a refill or a
    profile change, when the process keeps no preparation of its matrix."""
    venue = candidates.mode == engine.IN_PERSON
    homes = residents.xyz[residents.has_home & ~residents.homebound]
    keep = ~venue
    if len(homes):
        cap = engine.reach_cap(homes, residents.reach_km, margin=REACH_MARGIN)
        keep = keep | (venue & (cap.holds(candidates.xyz) if cap is not None else True))
    return candidates if keep.all() else take(candidates, np.flatnonzero(keep))


def residents_reached(residents: engine.Residents, activity: Activity) -> np.ndarray:
    """Rows of the residents for whom the activity might be feasible: every one for an online
    or mixed activity, every one living in its service area for one at home or by phone, and
    for a venue every one who can leave home and lives within their own reach of it
    (distances as the engine measures them). A superset: the engine applies every
    constraint. Numpy over the residents' table: a few milliseconds for a million."""
    mode = activity.attendance_mode
    if mode in REACHED_EVERYWHERE:
        return np.arange(len(residents))
    if mode in REACHED_AT_HOME:
        served = list(activity.service_area.values_list("id", flat=True))
        return np.flatnonzero(np.isin(residents.territory, served))
    if activity.lat is None:
        return np.arange(0)
    venue = engine.unit_vectors(np.array([activity.lat]), np.array([activity.lng]))[0]
    distance = engine.arc_km(residents.xyz @ venue)
    mobile = residents.has_home & ~residents.homebound
    return np.flatnonzero(mobile & (distance <= residents.reach_km * REACH_MARGIN))


def residents_in_reach(*, activity: Activity) -> list[int]:
    """User ids of the consenting residents who might see this activity (`residents_reached`)."""
    residents = current_residents()
    return residents.ids[residents_reached(residents, activity)].tolist()
