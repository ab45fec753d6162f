"""Reads of the outcome measures: who agreed, who declined, when each person first attended,
the ties that last (per person, per activity) and the follow-ups due.

A session attended is a registration marked `attended`; its time is its session's start (the
registration's last change for an ongoing activity without sessions). A referred person's
sessions are those of the account they claimed their record with (`Person.user`)."""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import DateTimeField, Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from activities.choices import RegistrationStatus
from activities.models import Activity, Registration
from impact.choices import FOLLOW_UP_DAYS, FOLLOW_UP_UNTIL_DAYS
from impact.models import FollowUp, MeasureConsent, Measurement, Tie
from referrals.choices import ConsentScope
from referrals.models import Consent, Person, Referral
from referrals.selectors import referrer_organizations

TIES_WEEKS = (4, 8, 12)


def declined_user_ids() -> QuerySet:
    return MeasureConsent.objects.filter(user__isnull=False, declined_at__isnull=False).values(
        "user_id"
    )


def consenting_users() -> QuerySet[User]:
    """Residents who agreed to answer the measures and never declined."""
    return User.objects.filter(
        measure_consent__agreed_at__isnull=False, measure_consent__declined_at__isnull=True
    )


def consenting_persons() -> QuerySet[Person]:
    """Referred persons with a standing consent to follow-up questions, who never declined,
    and whose record is not anonymized."""
    standing = Consent.objects.filter(
        person=OuterRef("pk"), scope=ConsentScope.FOLLOW_UP, withdrawn_at__isnull=True
    )
    declined = MeasureConsent.objects.filter(person=OuterRef("pk"), declined_at__isnull=False)
    return Person.objects.filter(Exists(standing), ~Exists(declined), anonymized_at__isnull=True)


def reported_users() -> Q:
    """The accounts whose sessions may be counted in a report, as a condition on a `user`
    field: consenting residents, and the accounts of consenting referred persons. No one
    else's attendance is ever read."""
    residents = MeasureConsent.objects.filter(
        user__isnull=False, agreed_at__isnull=False, declined_at__isnull=True
    ).values("user_id")
    persons = consenting_persons().filter(user__isnull=False).values("user_id")
    return Q(user_id__in=residents) | Q(user_id__in=persons)


def user_consents(user: User) -> bool:
    return consenting_users().filter(pk=user.pk).exists()


def user_declined(user: User) -> bool:
    return MeasureConsent.objects.filter(user=user, declined_at__isnull=False).exists()


def person_consents(person: Person) -> bool:
    return consenting_persons().filter(pk=person.pk).exists()


def person_declined(person: Person) -> bool:
    return MeasureConsent.objects.filter(person=person, declined_at__isnull=False).exists()


ATTENDED_AT = Coalesce(F("occurrence__start"), F("updated_at"), output_field=DateTimeField())


def attended(*, users=None, activities=None, reported: bool = False) -> QuerySet[Registration]:
    """Sessions attended, each with its time `at`, by these accounts (`reported`: by the
    accounts that may be reported), at these activities."""
    sessions = Registration.objects.filter(status=RegistrationStatus.ATTENDED)
    if reported:
        sessions = sessions.filter(reported_users())
    if users is not None:
        sessions = sessions.filter(user__in=users)
    if activities is not None:
        sessions = sessions.filter(activity__in=activities)
    return sessions.annotate(at=ATTENDED_AT)


def first_attended_on(*, users) -> dict[int, datetime.date]:
    """Each account's first session attended (any activity), as a local date."""
    rows = Tie.objects.filter(user__in=users).values("user_id").annotate(first=Min("first_at"))
    return {row["user_id"]: timezone.localdate(row["first"]) for row in rows}


def reported_ties(*, activities=None) -> QuerySet[Tie]:
    """The ties of the accounts that may be reported, at these activities."""
    ties = Tie.objects.filter(reported_users())
    if activities is not None:
        ties = ties.filter(activity__in=activities)
    return ties


@dataclasses.dataclass(frozen=True)
class PersonTies:
    sessions: int
    first_attended_on: datetime.date | None
    activity: int | None  # the activity of the first session
    # weeks -> still attending that activity then (None: that day has not come yet)
    still_attending: dict[int, bool | None]


def person_ties(*, user: User | None, now: datetime.datetime | None = None) -> PersonTies:
    """A person's sessions attended, and whether they still attend the activity of their
    first session 4, 8 and 12 weeks after it (a session of it attended on or after then)."""
    now = now or timezone.now()
    if user is None:
        return PersonTies(0, None, None, {weeks: None for weeks in TIES_WEEKS})
    sessions = list(attended(users=[user.pk]).order_by("at", "id").values_list("activity_id", "at"))
    if not sessions:
        return PersonTies(0, None, None, {weeks: None for weeks in TIES_WEEKS})
    activity_id, first = sessions[0]
    last_there = max(at for activity, at in sessions if activity == activity_id)
    still = {}
    for weeks in TIES_WEEKS:
        then = first + datetime.timedelta(weeks=weeks)
        still[weeks] = None if then > now else last_there >= then
    return PersonTies(len(sessions), timezone.localdate(first), activity_id, still)


def activity_comebacks(*, activity: Activity) -> list[int]:
    """The activity's newcomers among the people who may be reported, by how often they
    came: [came once, came twice, came three times or more]."""
    per_person = reported_ties(activities=[activity.pk]).values_list("sessions", flat=True)
    counts = [0, 0, 0]
    for visits in per_person:
        counts[min(visits, 3) - 1] += 1
    return counts


def due_context(*, first: datetime.date, today: datetime.date) -> str | None:
    """The follow-up whose window `today` falls in, counted from the first session."""
    days = (today - first).days
    for context, start in FOLLOW_UP_DAYS.items():
        if start <= days < FOLLOW_UP_UNTIL_DAYS[context]:
            return context
    return None


def follow_ups_due_to_referrer(*, user: User) -> QuerySet[FollowUp]:
    """The follow-ups asked and not answered of the consenting persons held by the
    organizations `user` refers for."""
    return (
        FollowUp.objects.filter(
            person__in=consenting_persons().filter(
                organization__in=referrer_organizations(user=user)
            ),
            answered_at__isnull=True,
        )
        .select_related("person")
        .order_by("due_on", "id")
    )


def follow_ups_due_to_resident(*, user: User) -> QuerySet[FollowUp]:
    if not user_consents(user):
        return FollowUp.objects.none()
    return FollowUp.objects.filter(user=user, answered_at__isnull=True).order_by("due_on", "id")


def measurements_of(*, user: User) -> QuerySet[Measurement]:
    """A resident's own answers, and those of the persons held by the organizations they
    refer for."""
    return (
        Measurement.objects.filter(
            Q(user=user) | Q(person__organization__in=referrer_organizations(user=user))
        )
        .select_related("person")
        .order_by("-measured_on", "-id")
    )


def persons_first_attended_on(*, persons) -> dict[int, datetime.date]:
    """Each referred person's first session: their account's first attended one, else the
    first time one of their referrals went in progress (the receiving organization saw them
    come)."""
    firsts: dict[int, datetime.date] = {}
    with_account = dict(persons.filter(user__isnull=False).values_list("user_id", "pk"))
    for user_id, first in first_attended_on(users=list(with_account)).items():
        firsts[with_account[user_id]] = first
    started = (
        Referral.history.filter(person_id__in=persons.values("pk"), status="in-progress")
        .values("person_id")
        .annotate(first=Min("history_date"))
    )
    for row in started:
        day = timezone.localdate(row["first"])
        if row["person_id"] not in firsts or day < firsts[row["person_id"]]:
            firsts[row["person_id"]] = day
    return firsts


def last_asked(*, users=None, persons=None) -> dict[int, datetime.datetime]:
    """When each of these accounts (or persons) was last asked a follow-up."""
    if users is not None:
        rows = (
            FollowUp.objects.filter(user__in=users).values("user_id").annotate(last=Max("asked_at"))
        )
        return {row["user_id"]: row["last"] for row in rows}
    rows = (
        FollowUp.objects.filter(person__in=persons)
        .values("person_id")
        .annotate(last=Max("asked_at"))
    )
    return {row["person_id"]: row["last"] for row in rows}
