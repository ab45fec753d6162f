"""Recommendations for a profile that is no resident's (a person referred by a professional,
who may have no account): computed on request with the residents' engine, hard constraints
and reasons, and stored nowhere."""

from __future__ import annotations

import datetime

from django.utils import timezone

from matching import engine
from matching.candidates import current_candidates, prepared
from matching.models import ResidentProfile
from matching.selectors import (
    EVERYONE_BIT,
    RecommendationItem,
    build_residents,
    recommendation_items,
)
from matching.services.sets import new_sets

# The user id the engine's row of an unsaved profile carries: ids start at 1, so no
# resident's feedback (dismissed, saved) is ever read for it.
NO_RESIDENT = 0


def recommendations_for_profile(
    *,
    profile: ResidentProfile,
    language: str,
    k: int = engine.TOP_K,
    now: datetime.datetime | None = None,
) -> list[RecommendationItem]:
    """The `k` best activities for `profile` (an unsaved `ResidentProfile` built by the
    caller, `user_id` left unset), best first, as a resident's list reads
    (`selectors.recommendation_items`): the same candidate matrix, engine and hard
    constraints. Its sensitive fields count only with `sensitive_consent_at` set, as for a
    resident."""
    now = now or timezone.now()
    if profile.user_id is None:
        profile.user_id = NO_RESIDENT
    candidates, slugs = current_candidates(now=now)
    residents = build_residents([profile], slugs)
    # The process's preparation of the whole matrix, made once and kept with it (what a
    # full refresh's chunks also use): preparing the region of each request instead costs
    # more than scoring the one profile against it.
    kept = prepared(candidates, build=True)
    lists = engine.lists_batched(
        residents, candidates, everyone_bit=EVERYONE_BIT, k=k, prepared=kept
    )
    ((activity_ids, scores, keys),) = new_sets(residents.ids, lists, slugs).lists.rows()
    return recommendation_items(
        activity_ids=activity_ids,
        scores=scores,
        reason_keys=keys,
        availability_mask=profile.availability_mask,
        language=language,
        now=now,
    )
