"""Every write of the matcher, by what it writes:

- `profiles`: a resident's profile and consents;
- `feedback`: what a resident says of an activity;
- `sets`: recommendation sets computed against the whole directory and stored;
- `merge`: one activity merged into the lists it changes;
- `sweep`: what the periodic sweep reconciles;
- `reach`: who an activity may reach (supersets the engine narrows);
- `unstored`: a list for a profile that is no resident's, computed on request.

Recomputations are queued through `matching.signals.residents_changed` (received by
`matching.receivers`, queued by `matching.scheduling`): the Celery tasks import the services,
never the other way round.
"""

from matching.services.feedback import feedback_record, feedback_withdraw
from matching.services.merge import recommendations_for_activity
from matching.services.profiles import UNSET, coarsen, profile_update
from matching.services.reach import residents_in_reach
from matching.services.sets import recommendations_compute, recommendations_refresh
from matching.services.sweep import (
    SweepPlan,
    recommendations_full_refresh_started,
    recommendations_sweep_done,
    recommendations_sweep_plan,
)
from matching.services.unstored import recommendations_for_profile

__all__ = [
    "UNSET",
    "SweepPlan",
    "coarsen",
    "feedback_record",
    "feedback_withdraw",
    "profile_update",
    "recommendations_compute",
    "recommendations_for_activity",
    "recommendations_for_profile",
    "recommendations_full_refresh_started",
    "recommendations_refresh",
    "recommendations_sweep_done",
    "recommendations_sweep_plan",
    "residents_in_reach",
]
