"""Reads of the matcher: the candidate matrix and resident batches, built from the database."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from collections import defaultdict

import numpy as np
from django.db import connection, models
from django.db.models import Count, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities import choices as activity_choices
from activities import geo, taxonomy
from activities.models import Activity, Occurrence
from activities.selectors import activity_cards
from backend.validation import validation_failed
from matching import engine, reasons
from matching.choices import (
    REACHED_AT_A_VENUE,
    REACHED_AT_HOME,
    REACHED_EVERYWHERE,
    FeedbackSignal,
)
from matching.errors import ConsentRequired
from matching.filters import FeedbackFilterSet
from matching.models import Feedback, RecommendationSet, ResidentProfile

EVERYONE_BIT = activity_choices.mask_of(
    [activity_choices.Audience.EVERYONE], activity_choices.AUDIENCES
)
SOCIAL_KINDS = {"peer_support", "friendship", "visiting", "club"}


def closed_peer_group(kind: str, registration: str) -> bool:
    """A peer-support group one joins by registering (often after an interview): a grief
    circle, a group for people living with an illness or caring for someone. It is for the
    people its life situation concerns, so the matcher offers it only to a resident whose
    interests name that situation (its categories in the family of its main category, the
    first given), never on nearness or popularity alone."""
    return (
        kind == activity_choices.ActivityKind.PEER_SUPPORT
        and registration == activity_choices.Registration.REQUIRED
    )


FRESH_DAYS = 180


def category_index() -> tuple[list[str], dict[int, int], dict[int, int]]:
    """Slugs by column, column of each category id, column of each category's top category."""
    known = taxonomy.current()
    return list(known.slugs), known.column_of, known.top_column_of


def consenting_profiles() -> QuerySet[ResidentProfile]:
    """The profiles of the residents who consent to matching: the only ones the matcher
    scores, stores lists for, or plans chunks of."""
    return ResidentProfile.objects.filter(matching_consent_at__isnull=False)


def candidate_activities() -> QuerySet[Activity]:
    return Activity.objects.filter(
        status=activity_choices.ActivityStatus.PUBLISHED, next_start__isnull=False
    )


# Read in one query per table, in columns; `seen` tells when someone last vouched for it.
CANDIDATE_COLUMNS = (
    "id", "lat", "lng", "attendance_mode", "place__wheelchair", "age_min", "age_max",
    "audiences_mask", "languages_mask", "is_free", "price_min", "reduced_price", "weekly_slots",
    "kind", "group_size", "intensity", "registration", "seen",
)  # fmt: skip
# On PostgreSQL, whole days since then are counted by the database: parsing a timestamp per
# row would take half the time of the whole build.
DAYS_SINCE_SEEN_SQL = (
    "FLOOR(EXTRACT(EPOCH FROM (%s - COALESCE(last_verified_at, published_at))) / 86400)"
)
MODE_INDEX = {mode: n for n, mode in enumerate(engine.MODES)}


def build_candidates(
    activities: QuerySet[Activity] | None = None, *, now: datetime.datetime | None = None
) -> tuple[engine.Candidates, list[str]]:
    """The engine's table of these activities (by default every candidate), ordered by id,
    and the category slugs of its columns. One query per table (activities, their
    categories, their service areas, their popularity), each filtering by the activities'
    query rather than by a list of ids; the arrays are built column by column."""
    now = now or timezone.now()
    slugs, column, top = category_index()
    activities = (activities if activities is not None else candidate_activities()).order_by("id")
    counted = connection.vendor == "postgresql"
    if counted:
        seen = RawSQL(DAYS_SINCE_SEEN_SQL, [now], output_field=FloatField())
    else:
        seen = Coalesce("last_verified_at", "published_at")
    values = _columns(
        activities.annotate(seen=seen).values_list(*CANDIDATE_COLUMNS), CANDIDATE_COLUMNS
    )
    ids = np.array(values["id"], dtype=np.int64)
    chosen = activities.values("pk")
    matrix, top_category = _category_matrix(ids, chosen, len(slugs), column, top)
    kind = values["kind"]
    closed = _flags(
        closed_peer_group(k, r) for k, r in zip(kind, values["registration"], strict=True)
    )
    if closed.any():
        # A closed group's interest is its situation: its categories in the family of its main
        # one (a caregivers' group held in a café is no group for someone who likes cafés).
        column_top = np.zeros(len(slugs), dtype=np.int64)
        column_top[list(column.values())] = [top[pk] for pk in column]
        matrix[closed] *= column_top[None, :] == top_category[closed, None]
    xyz = np.nan_to_num(engine.unit_vectors(_floats(values["lat"]), _floats(values["lng"])))
    age_min, age_max = _floats(values["age_min"]), _floats(values["age_max"])
    is_free = np.array(values["is_free"], dtype=bool)
    cheapest = np.fmin(_floats(values["price_min"]), _floats(values["reduced_price"]))
    slots = np.array(values["weekly_slots"], dtype=np.int64)
    social = (
        0.4 * _flags(k in SOCIAL_KINDS for k in kind)
        + 0.3 * _flags(g in ("one_to_one", "small") for g in values["group_size"])
        + 0.3 * ((slots != 0) & _flags(k != "event" for k in kind))
    )
    days = _floats(values["seen"]) if counted else _days_since(values["seen"], now)
    freshness = np.where(np.isnan(days), 0.0, np.maximum(0.0, 1.0 - days / FRESH_DAYS))
    low_threshold = is_free & _flags(
        i == "low" and r == "none"
        for i, r in zip(values["intensity"], values["registration"], strict=True)
    )
    candidates = engine.Candidates(
        ids=ids,
        xyz=xyz,
        mode=np.array([MODE_INDEX[m] for m in values["attendance_mode"]], dtype=np.int8),
        step_free=_flags(w == "full" for w in values["place__wheelchair"]),
        age_min=np.nan_to_num(age_min, nan=0).astype(np.int16),
        age_max=np.nan_to_num(age_max, nan=200).astype(np.int16),
        has_age_limits=~np.isnan(age_min) | ~np.isnan(age_max),
        audiences=np.array(values["audiences_mask"], dtype=np.int64),
        languages=np.array(values["languages_mask"], dtype=np.int64),
        price=np.where(is_free, 0.0, np.nan_to_num(cheapest, nan=0.0)).astype(np.float32),
        slots=slots,
        categories=matrix,
        top_category=top_category,
        social=social.astype(np.float32),
        freshness=freshness.astype(np.float32),
        popularity=_popularity(ids, chosen),
        low_threshold=low_threshold,
        service_territories=_service_areas(ids, chosen),
        free=is_free,
        needs_interest=closed,
    )
    return candidates, slugs


def _columns(rows, names: tuple[str, ...]) -> dict[str, tuple]:
    """Rows of a values_list query as one tuple per column."""
    rows = list(rows)
    return (
        dict(zip(names, zip(*rows, strict=True), strict=True)) if rows else {n: () for n in names}
    )


def _days_since(moments: tuple, now: datetime.datetime) -> np.ndarray:
    """Whole days since each moment, NaN for never."""
    return np.array([(now - moment).days if moment else np.nan for moment in moments])


def _floats(values: tuple) -> np.ndarray:
    """float64, NaN where the value is missing (None becomes NaN)."""
    return np.array(values, dtype=np.float64)


def _flags(values) -> np.ndarray:
    return np.fromiter(values, dtype=bool)


def _category_matrix(ids, chosen, n_columns: int, column: dict, top: dict):
    """(M, C) float32, 1 for each category of an activity and its top category; and the top
    category of each activity's first category (its main one, the first one given)."""
    links = Activity.categories.through.objects.filter(activity__in=chosen).order_by("pk")
    pairs = np.array(list(links.values_list("activity_id", "category_id")), dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    lookup = np.zeros((2, max(column, default=0) + 1), dtype=np.int64)
    lookup[0, list(column)] = list(column.values())
    lookup[1, list(top)] = list(top.values())
    rows = np.searchsorted(ids, pairs[:, 0])
    matrix = np.zeros((len(ids), n_columns), dtype=np.float32)
    matrix[rows, lookup[0, pairs[:, 1]]] = 1.0
    matrix[rows, lookup[1, pairs[:, 1]]] = 1.0
    top_category = np.zeros(len(ids), dtype=np.int32)
    described, first = np.unique(rows, return_index=True)
    top_category[described] = lookup[1, pairs[first, 1]]
    return matrix, top_category


def _popularity(ids: np.ndarray, chosen) -> np.ndarray:
    """Saves and joins of each activity, scaled by the most saved or joined among them."""
    counts = (
        Feedback.objects.filter(
            activity__in=chosen, signal__in=[FeedbackSignal.SAVED, FeedbackSignal.JOINED]
        )
        .values_list("activity_id")
        .annotate(n=Count("id"))
    )
    pairs = np.array(list(counts), dtype=np.int64).reshape(-1, 2)
    popularity = np.zeros(len(ids), dtype=np.float32)
    if len(pairs):
        popularity[np.searchsorted(ids, pairs[:, 0])] = pairs[:, 1] / pairs[:, 1].max()
    return popularity


def _service_areas(ids: np.ndarray, chosen) -> list[frozenset[int]]:
    areas: dict[int, set[int]] = defaultdict(set)
    links = Activity.service_area.through.objects.filter(activity__in=chosen)
    for activity_id, territory_id in links.values_list("activity_id", "territory_id"):
        areas[activity_id].add(territory_id)
    empty: frozenset[int] = frozenset()
    return [frozenset(areas[i]) if i in areas else empty for i in ids.tolist()]


def build_residents(profiles: list[ResidentProfile], slugs: list[str]) -> engine.Residents:
    """The engine's table of these residents, in their order, built column by column."""
    column = {slug: n for n, slug in enumerate(slugs)}
    n = len(profiles)
    user_ids = np.fromiter((p.user_id for p in profiles), dtype=np.int64, count=n)
    excluded, boosted = _feedback_of(user_ids)
    interests = np.zeros((n, len(slugs)), dtype=np.float32)
    for row, profile in enumerate(profiles):
        for slug, weight in (profile.interests or {}).items():
            if slug in column:
                interests[row, column[slug]] = float(weight)

    def field(name: str, dtype, missing=None) -> np.ndarray:
        values = (getattr(p, name) for p in profiles)
        if missing is not None:
            values = (missing if v is None else v for v in values)
        return np.fromiter(values, dtype=dtype, count=n)

    home_lat, home_lng = field("home_lat", np.float64, 0.0), field("home_lng", np.float64, 0.0)
    consented = _flags(p.sensitive_consent_at is not None for p in profiles)
    birth_year = field("birth_year", np.int64, 0)
    loneliness = field("loneliness_score", np.int64, 0)
    return engine.Residents(
        ids=user_ids,
        xyz=engine.unit_vectors(home_lat, home_lng),
        has_home=_flags(p.home_lat is not None for p in profiles),
        territory=field("home_territory_id", np.int64, -1),
        reach_km=field("max_distance_km", np.float32),
        step_free=field("step_free", bool),
        homebound=field("homebound", bool),
        age=np.where(birth_year > 0, timezone.localdate().year - birth_year, -1).astype(np.int16),
        audiences=np.where(consented, field("audiences_mask", np.int64), 0),
        languages=field("languages_mask", np.int64),
        budget=field("budget_max", np.float32, np.inf),
        accepted_modes=np.fromiter(map(_modes_mask, profiles), dtype=np.int64, count=n),
        availability=field("availability_mask", np.int64),
        interests=interests,
        lonely=consented & (loneliness >= engine.LONELY_SCORE),
        excluded=[excluded.get(u, frozenset()) for u in user_ids.tolist()],
        boosted=[boosted.get(u, frozenset()) for u in user_ids.tolist()],
    )


def _feedback_of(user_ids: np.ndarray) -> tuple[dict[int, frozenset], dict[int, frozenset]]:
    """Each resident's dismissed, and saved or joined, activity ids. Residents come in
    chunks of consecutive user ids: a range filters them without a parameter per id."""
    if not len(user_ids):
        return {}, {}
    low, high = int(user_ids.min()), int(user_ids.max())
    if high - low < 4 * len(user_ids):
        rows = Feedback.objects.filter(user_id__gte=low, user_id__lte=high)
    else:
        rows = Feedback.objects.filter(user_id__in=user_ids.tolist())
    wanted = set(user_ids.tolist())
    excluded, boosted = defaultdict(set), defaultdict(set)
    for user_id, activity_id, signal in rows.values_list("user_id", "activity_id", "signal"):
        if user_id not in wanted:
            continue
        if signal == FeedbackSignal.DISMISSED:
            excluded[user_id].add(activity_id)
        elif signal in (FeedbackSignal.SAVED, FeedbackSignal.JOINED):
            boosted[user_id].add(activity_id)
    return (
        {u: frozenset(a) for u, a in excluded.items()},
        {u: frozenset(a) for u, a in boosted.items()},
    )


def _modes_mask(profile: ResidentProfile) -> int:
    modes = profile.attendance_modes or list(engine.MODES)
    if profile.homebound:
        modes = [m for m in modes if m in ("online", "at_home", "phone")]
    return sum(1 << engine.MODES.index(m) for m in modes)


def consenting_profile_of(*, user) -> ResidentProfile:
    """The resident's profile when they consent to matching; else `ConsentRequired`, whose
    message says how to give it."""
    profile = consenting_profiles().filter(user=user).first()
    if profile is None:
        raise ConsentRequired()
    return profile


@dataclasses.dataclass(frozen=True)
class RecommendationItem:
    activity_id: int
    score: float
    reasons: list[dict]  # [{"code", "params", "text"}], rendered in the reader's language
    card: dict  # the activity's card row (activities.selectors.activity_cards)
    # The session shown beside it, {"id", "start", "end", "status"}: the next one that fits
    # the resident's availability when "fits_availability" is a reason, else the next one.
    next_occurrence: dict | None


class Shortfall(models.TextChoices):
    """Why a list holds fewer than TOP_K items (the first that applies)."""

    NOT_COMPUTED_YET = "not_computed_yet", _("Not computed yet")
    NO_HOME = "no_home", _("No home area")
    FEW_NEARBY = "few_nearby", _("Few activities within reach")
    CONSTRAINTS = "constraints", _("Your needs and preferences")


SHORTFALL_MESSAGES = {
    Shortfall.NOT_COMPUTED_YET: _(
        "Your recommendations are being computed: come back in a moment."
    ),
    Shortfall.NO_HOME: _(
        "Give your home area in your profile (me/profile/) to see the activities near you: "
        "without it, only activities online, by phone or at home are recommended."
    ),
    Shortfall.FEW_NEARBY: _(
        "Few activities are within your reach. Going a little further (max_distance_km in "
        "your profile) or accepting online activities would find more."
    ),
    Shortfall.CONSTRAINTS: _(
        "Your needs and preferences (times when you are free, budget, languages, access, "
        "ways of attending) leave only these. Loosening one in your profile would find more."
    ),
}


@dataclasses.dataclass(frozen=True)
class RecommendationList:
    computed_at: datetime.datetime | None  # None: no list computed yet
    engine_version: str | None
    items: list[RecommendationItem]  # best first
    shortfall: Shortfall | None  # why fewer than TOP_K items; None for a full list

    @property
    def shortfall_message(self) -> str | None:
        return None if self.shortfall is None else str(SHORTFALL_MESSAGES[self.shortfall])


def recommendation_list_for(
    *, user, language: str, now: datetime.datetime | None = None
) -> RecommendationList:
    """The resident's list as they read it: the activities still published, best first, each
    with its score, its reasons rendered in `language`, its card and the session to show;
    and, when the list is short, why. `ConsentRequired` without consent to matching.

    A constant number of queries, whatever the list holds (the taxonomy's snapshot names the
    categories of the reasons); a short list takes a few more, to tell why."""
    now = now or timezone.now()
    profile = consenting_profile_of(user=user)
    row = RecommendationSet.objects.filter(user=user).first()
    if row is None:
        return RecommendationList(None, None, [], Shortfall.NOT_COMPUTED_YET)
    published = set(
        Activity.objects.filter(
            pk__in=row.activity_ids, status=activity_choices.ActivityStatus.PUBLISHED
        ).values_list("pk", flat=True)
    )
    kept = [n for n, activity_id in enumerate(row.activity_ids) if activity_id in published]
    items = recommendation_items(
        activity_ids=[row.activity_ids[n] for n in kept],
        scores=[row.scores[n] for n in kept],
        reason_keys=[row.reasons[n] for n in kept],
        availability_mask=profile.availability_mask,
        language=language,
        now=now,
    )
    shortfall = None
    if len(items) < engine.TOP_K:
        shortfall = _shortfall(profile, row, user=user)
    return RecommendationList(row.computed_at, row.engine_version, items, shortfall)


def recommendation_items(
    *,
    activity_ids: list[int],
    scores: list[float],
    reason_keys: list[int],
    availability_mask: int,
    language: str,
    now: datetime.datetime,
) -> list[RecommendationItem]:
    """A list as its reader sees it, in its order: each activity's card, score, reasons
    rendered in `language` (their category ids as stored) and the session to show (the next
    one when the reader is free, `availability_mask`, when that is a reason). Activities
    without a card (no longer visible) are left out. The one builder of the items of a
    resident's stored list and of a list computed for a profile that is not a resident's."""
    rendered = reasons.render(reasons.decode(reason_keys), language=language)
    cards = {card["id"]: card for card in activity_cards(ids=activity_ids, now=now)}
    fitting = _sessions_when_free(
        [
            activity_id
            for activity_id, item_reasons in zip(activity_ids, rendered, strict=True)
            if _fits_availability(item_reasons)
        ],
        availability_mask,
        now=now,
    )
    items = []
    for activity_id, score, item_reasons in zip(activity_ids, scores, rendered, strict=True):
        card = cards.get(activity_id)
        if card is None:
            continue
        sessions = card["next_occurrences"]
        session = sessions[0] if sessions else None
        if _fits_availability(item_reasons):
            session = fitting.get(activity_id)
            if session is None:
                # No upcoming session when they are free (the one that was has passed).
                item_reasons = [r for r in item_reasons if r["code"] != AVAILABILITY_REASON]
                session = sessions[0] if sessions else None
        items.append(RecommendationItem(activity_id, score, item_reasons, card, session))
    return items


AVAILABILITY_REASON = "fits_availability"


def _fits_availability(item_reasons: list[dict]) -> bool:
    return any(reason["code"] == AVAILABILITY_REASON for reason in item_reasons)


def _sessions_when_free(
    activity_ids: list[int], availability: int, *, now: datetime.datetime
) -> dict[int, dict]:
    """The next session of each activity (not cancelled) whose weekly slot, in local time as
    the directory counts them (`activities.choices.slot_bit`), is one when the resident is
    free. One query; sessions are materialized for a few weeks only."""
    if not activity_ids:
        return {}
    sessions = (
        Occurrence.objects.filter(activity_id__in=activity_ids, start__gte=now)
        .exclude(status=activity_choices.OccurrenceStatus.CANCELLED)
        .order_by("activity_id", "start", "id")
        .values_list("activity_id", "id", "start", "end", "status")
    )
    found: dict[int, dict] = {}
    for activity_id, pk, start, end, status in sessions.iterator(chunk_size=500):
        if activity_id in found:
            continue
        local = timezone.localtime(start)
        slot = activity_choices.slot_bit(local.weekday(), activity_choices.part_of_day(local.hour))
        if slot & availability:
            found[activity_id] = {"id": pk, "start": start, "end": end, "status": status}
    return found


def _shortfall(profile: ResidentProfile, row: RecommendationSet, *, user) -> Shortfall:
    """Why this resident's list is short: not computed since their profile changed; no
    home given; fewer than TOP_K activities within their reach at all (before the other
    hard constraints, dismissed ones left out); else their other constraints."""
    if row.computed_at < profile.updated_at:
        return Shortfall.NOT_COMPUTED_YET
    if profile.home_lat is None and not profile.homebound:
        return Shortfall.NO_HOME
    dismissed = Feedback.objects.filter(user=user, signal=FeedbackSignal.DISMISSED)
    reachable = candidate_activities().exclude(pk__in=dismissed.values("activity_id"))
    found = set(
        reachable.filter(attendance_mode__in=REACHED_EVERYWHERE).values_list("pk", flat=True)[
            : engine.TOP_K
        ]
    )
    if profile.home_territory_id is not None and len(found) < engine.TOP_K:
        served = reachable.filter(
            attendance_mode__in=REACHED_AT_HOME, service_area=profile.home_territory_id
        )
        found.update(served.values_list("pk", flat=True)[: engine.TOP_K])
    if profile.home_lat is not None and not profile.homebound and len(found) < engine.TOP_K:
        found.update(_venues_within(reachable, profile, enough=engine.TOP_K - len(found)))
    return Shortfall.FEW_NEARBY if len(found) < engine.TOP_K else Shortfall.CONSTRAINTS


def _venues_within(
    activities: QuerySet[Activity], profile: ResidentProfile, *, enough: int
) -> list[int]:
    """Ids of these activities held at a venue within the resident's reach, as the engine
    measures it, until `enough` are found: a box on the indexed coordinates, then the
    distances, a chunk at a time."""
    reach = profile.max_distance_km
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(profile.home_lat, profile.home_lng, reach)
    rows = (
        activities.filter(
            attendance_mode__in=REACHED_AT_A_VENUE,
            lat__range=(min_lat, max_lat),
            lng__range=(min_lng, max_lng),
        )
        .values_list("pk", "lat", "lng")
        .iterator(chunk_size=VENUE_CHUNK)
    )
    home = engine.unit_vectors(np.array([profile.home_lat]), np.array([profile.home_lng]))[0]
    found: list[int] = []
    while len(found) < enough and (chunk := list(itertools.islice(rows, VENUE_CHUNK))):
        ids, lat, lng = (np.array(column) for column in zip(*chunk, strict=True))
        within = engine.arc_km(engine.unit_vectors(lat, lng) @ home) <= reach
        found.extend(ids[within].tolist())
    return found[:enough]


VENUE_CHUNK = 500


def feedback_of(*, user) -> QuerySet[Feedback]:
    """Everything this resident said: the only feedback they may read or withdraw."""
    return Feedback.objects.filter(user=user)


def feedback_list(*, user, filters: dict | None = None) -> QuerySet[Feedback]:
    """The resident's feedback on activities still published, filtered by `FeedbackFilterSet`
    (`signal`, `activity`); invalid filters are a `ValidationFailed` naming them."""
    feedback = feedback_of(user=user).filter(
        activity__status=activity_choices.ActivityStatus.PUBLISHED
    )
    filterset = FeedbackFilterSet(filters or {}, queryset=feedback)
    if not filterset.is_valid():
        raise validation_failed(
            {
                name: [str(message) for message in messages]
                for name, messages in filterset.errors.items()
            }
        )
    return filterset.qs
