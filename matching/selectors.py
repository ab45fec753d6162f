"""Reads of the matcher: the candidate matrix and resident batches, built from the database."""

from __future__ import annotations

import datetime
from collections import defaultdict

import numpy as np
from django.db.models import Count, QuerySet
from django.utils import timezone

from activities import choices as activity_choices
from activities.models import Activity, Category
from matching import scoring
from matching.choices import FeedbackSignal
from matching.models import Feedback, RecommendationSet, ResidentProfile

EVERYONE_BIT = activity_choices.mask_of(
    [activity_choices.Audience.EVERYONE], activity_choices.AUDIENCES
)
SOCIAL_KINDS = {"peer_support", "friendship", "visiting", "club"}
FRESH_DAYS = 180


def category_index() -> tuple[list[str], dict[int, int], dict[int, int]]:
    """Slugs by column, column of each category id, column of each category's top category."""
    categories = list(Category.objects.order_by("id").values_list("id", "slug", "parent_id"))
    column = {cid: n for n, (cid, _slug, _parent) in enumerate(categories)}
    top = {cid: column[parent or cid] for cid, _slug, parent in categories}
    return [slug for _cid, slug, _parent in categories], column, top


def candidate_activities() -> QuerySet[Activity]:
    return Activity.objects.filter(
        status=activity_choices.ActivityStatus.PUBLISHED, next_start__isnull=False
    )


def build_candidates(
    activities: QuerySet[Activity] | None = None, *, now: datetime.datetime | None = None
) -> tuple[scoring.Candidates, list[str]]:
    now = now or timezone.now()
    slugs, column, top = category_index()
    activities = (activities if activities is not None else candidate_activities()).order_by("id")
    rows = list(
        activities.values_list(
            "id",
            "lat",
            "lng",
            "attendance_mode",
            "place__wheelchair",
            "age_min",
            "age_max",
            "audiences_mask",
            "languages_mask",
            "is_free",
            "price_min",
            "reduced_price",
            "weekly_slots",
            "kind",
            "group_size",
            "intensity",
            "registration",
            "published_at",
            "last_verified_at",
        )
    )
    ids = [row[0] for row in rows]
    categories = defaultdict(list)
    for activity_id, category_id in Activity.categories.through.objects.filter(
        activity_id__in=ids
    ).values_list("activity_id", "category_id"):
        categories[activity_id].append(category_id)
    areas = defaultdict(set)
    for activity_id, territory_id in Activity.service_area.through.objects.filter(
        activity_id__in=ids
    ).values_list("activity_id", "territory_id"):
        areas[activity_id].add(territory_id)
    popularity = dict(
        Feedback.objects.filter(
            activity_id__in=ids, signal__in=[FeedbackSignal.SAVED, FeedbackSignal.JOINED]
        )
        .values_list("activity_id")
        .annotate(n=Count("id"))
    )
    most = max(popularity.values(), default=0)

    m = len(rows)
    lat = np.array([r[1] if r[1] is not None else np.nan for r in rows], dtype=np.float64)
    lng = np.array([r[2] if r[2] is not None else np.nan for r in rows], dtype=np.float64)
    xyz = np.nan_to_num(scoring.unit_vectors(lat, lng))
    matrix = np.zeros((m, len(slugs)), dtype=np.float32)
    top_category = np.zeros(m, dtype=np.int32)
    for n, activity_id in enumerate(ids):
        for category_id in categories[activity_id]:
            matrix[n, column[category_id]] = 1.0
            matrix[n, top[category_id]] = 1.0
        if categories[activity_id]:
            top_category[n] = top[categories[activity_id][0]]

    def price(row) -> float:
        if row[9]:
            return 0.0
        prices = [p for p in (row[10], row[11]) if p is not None]
        return float(min(prices)) if prices else 0.0

    def freshness(row) -> float:
        seen = row[18] or row[17]
        if seen is None:
            return 0.0
        return max(0.0, 1.0 - (now - seen).days / FRESH_DAYS)

    candidates = scoring.Candidates(
        ids=np.array(ids, dtype=np.int64),
        xyz=xyz,
        mode=np.array([scoring.MODES.index(r[3]) for r in rows], dtype=np.int8),
        step_free=np.array([r[4] == "full" for r in rows], dtype=bool),
        age_min=np.array([r[5] if r[5] is not None else 0 for r in rows], dtype=np.int16),
        age_max=np.array([r[6] if r[6] is not None else 200 for r in rows], dtype=np.int16),
        has_age_limits=np.array([r[5] is not None or r[6] is not None for r in rows], dtype=bool),
        audiences=np.array([r[7] for r in rows], dtype=np.int64),
        languages=np.array([r[8] for r in rows], dtype=np.int64),
        price=np.array([price(r) for r in rows], dtype=np.float32),
        slots=np.array([r[12] for r in rows], dtype=np.int64),
        categories=matrix,
        top_category=top_category,
        social=np.array(
            [
                0.4 * (r[13] in SOCIAL_KINDS)
                + 0.3 * (r[14] in ("one_to_one", "small"))
                + 0.3 * (bin(r[12]).count("1") > 0 and r[13] != "event")
                for r in rows
            ],
            dtype=np.float32,
        ),
        freshness=np.array([freshness(r) for r in rows], dtype=np.float32),
        popularity=np.array(
            [popularity.get(i, 0) / most if most else 0.0 for i in ids], dtype=np.float32
        ),
        low_threshold=np.array(
            [r[9] and r[15] == "low" and r[16] == "none" for r in rows], dtype=bool
        ),
        service_territories=[frozenset(areas[i]) for i in ids],
        free=np.array([bool(r[9]) for r in rows], dtype=bool),
    )
    return candidates, slugs


def build_residents(profiles: list[ResidentProfile], slugs: list[str]) -> scoring.Residents:
    column = {slug: n for n, slug in enumerate(slugs)}
    user_ids = [p.user_id for p in profiles]
    excluded, boosted = defaultdict(set), defaultdict(set)
    for user_id, activity_id, signal in Feedback.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "activity_id", "signal"
    ):
        if signal == FeedbackSignal.DISMISSED:
            excluded[user_id].add(activity_id)
        elif signal in (FeedbackSignal.SAVED, FeedbackSignal.JOINED):
            boosted[user_id].add(activity_id)
    interests = np.zeros((len(profiles), len(slugs)), dtype=np.float32)
    for n, profile in enumerate(profiles):
        for slug, weight in (profile.interests or {}).items():
            if slug in column:
                interests[n, column[slug]] = float(weight)
    has_home = np.array([p.home_lat is not None for p in profiles], dtype=bool)
    lat = np.array([p.home_lat if p.home_lat is not None else 0.0 for p in profiles])
    lng = np.array([p.home_lng if p.home_lng is not None else 0.0 for p in profiles])
    this_year = timezone.localdate().year
    return scoring.Residents(
        ids=np.array(user_ids, dtype=np.int64),
        xyz=scoring.unit_vectors(lat, lng),
        has_home=has_home,
        territory=np.array([p.home_territory_id or -1 for p in profiles], dtype=np.int64),
        reach_km=np.array([p.max_distance_km for p in profiles], dtype=np.float32),
        step_free=np.array([p.step_free for p in profiles], dtype=bool),
        homebound=np.array([p.homebound for p in profiles], dtype=bool),
        age=np.array(
            [this_year - p.birth_year if p.birth_year else -1 for p in profiles], dtype=np.int16
        ),
        audiences=np.array(
            [p.audiences_mask if p.sensitive_consent_at else 0 for p in profiles], dtype=np.int64
        ),
        languages=np.array([p.languages_mask for p in profiles], dtype=np.int64),
        budget=np.array(
            [float(p.budget_max) if p.budget_max is not None else np.inf for p in profiles],
            dtype=np.float32,
        ),
        accepted_modes=np.array([_modes_mask(p) for p in profiles], dtype=np.int64),
        availability=np.array([p.availability_mask for p in profiles], dtype=np.int64),
        interests=interests,
        lonely=np.array(
            [
                bool(p.sensitive_consent_at and (p.loneliness_score or 0) >= scoring.LONELY_SCORE)
                for p in profiles
            ],
            dtype=bool,
        ),
        excluded=[frozenset(excluded[u]) for u in user_ids],
        boosted=[frozenset(boosted[u]) for u in user_ids],
    )


def _modes_mask(profile: ResidentProfile) -> int:
    modes = profile.attendance_modes or list(scoring.MODES)
    if profile.homebound:
        modes = [m for m in modes if m in ("online", "at_home", "phone")]
    return sum(1 << scoring.MODES.index(m) for m in modes)


def recommendation_set_for(*, user) -> RecommendationSet | None:
    return RecommendationSet.objects.filter(user=user).first()
