"""Every write of the outcome measures: a person's agreement or refusal (for good), their
answers, and the follow-ups asked.

A resident answers for themself; a referrer records the answers of a person their
organization holds, who agreed to follow-up questions (a standing `follow_up` consent).
Nothing is asked of, or stored for, a person who declined."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from backend.errors import PermissionDenied
from backend.validation import full_clean, validation_failed
from impact import instruments, selectors
from impact.choices import REQUEST_GAP_DAYS, Context, Decision
from impact.errors import AlreadyMeasured, MeasureConsentRequired, MeasuresDeclined
from impact.models import FollowUp, MeasureConsent, Measurement, Tie
from notifications.services import notify
from referrals import services as referral_services
from referrals.choices import ConsentMethod, ConsentScope
from referrals.models import Person

FOLLOW_UP_KIND = "measure_follow_up"  # the inbox item's kind


def _subject(user: User | None, person: Person | None) -> dict:
    if (user is None) == (person is None):
        raise TypeError("exactly one of user and person")
    return {"user": user} if user is not None else {"person": person}


@transaction.atomic
def measure_consent_decide(
    *,
    by: User,
    decision: str,
    person: Person | None = None,
    method: str = ConsentMethod.ORAL,
) -> MeasureConsent:
    """A resident (`by`, no `person`) or a referrer for their `person` agrees or declines.
    Declining is for good: the pending follow-ups are dropped, nothing is asked again, and a
    later agreement is refused. A referred person's agreement is their consent of scope
    `follow_up`, recorded through social prescribing (how: `method`)."""
    if person is not None:
        referral_services.require_referrer(user=by, organization=person.organization)
        Person.objects.select_for_update().filter(pk=person.pk).first()
        subject = {"person": person}
    else:
        User.objects.select_for_update().filter(pk=by.pk).first()
        subject = {"user": by}
    consent, _created = MeasureConsent.objects.get_or_create(
        **subject, defaults={"recorded_by": by}
    )
    if consent.declined_at is not None:
        raise MeasuresDeclined()
    now = timezone.now()
    if decision == Decision.DECLINE:
        consent.declined_at, consent.recorded_by = now, by
        if person is not None:
            standing = person.consents.filter(
                scope=ConsentScope.FOLLOW_UP, withdrawn_at__isnull=True
            )
            for follow_up_consent in standing:
                referral_services.consent_withdraw(consent=follow_up_consent, by=by)
        FollowUp.objects.filter(**subject, answered_at__isnull=True).delete()
    else:
        if person is not None:
            referral_services.consent_record(
                person=person, by=by, scope=ConsentScope.FOLLOW_UP, method=method
            )
        consent.agreed_at = consent.agreed_at or now
        consent.recorded_by = by
    full_clean(consent, exclude=["user", "person", "recorded_by"])
    consent.save()
    return consent


def _require_consent(*, by: User, user: User | None, person: Person | None) -> None:
    if person is not None:
        referral_services.require_referrer(user=by, organization=person.organization)
        if selectors.person_declined(person):
            raise MeasuresDeclined()
        if not selectors.person_consents(person):
            raise MeasureConsentRequired()
    else:
        if user != by:
            raise PermissionDenied(_("A resident answers for themself only."))
        if selectors.user_declined(user):
            raise MeasuresDeclined()
        if not selectors.user_consents(user):
            raise MeasureConsentRequired()


@transaction.atomic
def measurement_record(
    *,
    by: User,
    instrument: str,
    context: str,
    answers: Mapping[str, int | None],
    user: User | None = None,
    person: Person | None = None,
    measured_on: datetime.date | None = None,
) -> Measurement:
    """Store one instrument's answers for a resident (`user`, answering themself) or a referred
    person (`person`, through their referrer), scored as the instrument is published. A blank
    answer is kept blank; an answer the question does not offer is refused (400, on the
    question's name). A follow-up of that time, if asked, is answered."""
    subject = _subject(user, person)
    _require_consent(by=by, user=user, person=person)
    today = timezone.localdate()
    if measured_on is not None and measured_on > today:
        raise validation_failed({"measured_on": [_("A measure cannot be taken in the future.")]})
    definition = instruments.INSTRUMENTS[instrument]
    try:
        scores = instruments.score(definition, answers)
    except instruments.InvalidAnswer as error:
        if error.value is None:
            message = _("This instrument asks no such question.")
        else:
            message = _("This answer is not one the question offers.")
        raise validation_failed({f"answers.{error.question}": [message]}) from error
    measurement = Measurement(
        **subject,
        instrument=instrument,
        context=context,
        answers={code: answers.get(code) for code in (q.code for q in definition.questions)},
        measured_on=measured_on or today,
        asked_by=by,
        **{measure: value for measure, value in scores.items()},
    )
    full_clean(measurement, exclude=["user", "person", "asked_by"])
    try:
        with transaction.atomic():
            measurement.save()
    except IntegrityError as error:
        raise AlreadyMeasured() from error
    if context != Context.INTAKE:
        FollowUp.objects.filter(**subject, context=context, answered_at__isnull=True).update(
            answered_at=timezone.now()
        )
    return measurement


def _ask_resident(follow_up: FollowUp) -> None:
    user = follow_up.user
    with translation.override(user.preferred_language or "fr"):
        title = _("How are you these days?")
        body = _(
            "You started going to an activity a little while ago. Would you tell us how you "
            "feel now? A few short questions; you can skip them or say no for good."
        )
    notify(
        user=user,
        kind=FOLLOW_UP_KIND,
        title=title,
        body=body,
        data={"follow_up": follow_up.pk, "context": follow_up.context},
        dedupe_key=f"{FOLLOW_UP_KIND}:{follow_up.context}",
    )


def follow_ups_ask(*, now: datetime.datetime | None = None) -> int:
    """Ask the follow-ups that fell due: 6 weeks and 3 months after the first session
    attended, to consenting persons who have not answered that time yet, never within a week
    of the last request. Residents get one question in their inbox; a referred person's
    follow-up is listed to their referrer. Idempotent (one follow-up per person and time).
    Returns how many were asked."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    gap = now - datetime.timedelta(days=REQUEST_GAP_DAYS)
    asked = 0
    users = selectors.consenting_users()
    firsts = selectors.first_attended_on(users=users)
    recent = selectors.last_asked(users=list(firsts))
    for user_id, first in firsts.items():
        if recent.get(user_id) is not None and recent[user_id] > gap:
            continue
        asked += _ask(subject={"user_id": user_id}, first=first, today=today, now=now)
    persons = selectors.consenting_persons()
    firsts = selectors.persons_first_attended_on(persons=persons)
    recent = selectors.last_asked(persons=list(firsts))
    for person_id, first in firsts.items():
        if recent.get(person_id) is not None and recent[person_id] > gap:
            continue
        asked += _ask(subject={"person_id": person_id}, first=first, today=today, now=now)
    return asked


@transaction.atomic
def _ask(*, subject: dict, first: datetime.date, today: datetime.date, now) -> int:
    context = selectors.due_context(first=first, today=today)
    if context is None:
        return 0
    if Measurement.objects.filter(**subject, context=context).exists():
        return 0
    due_on = first + datetime.timedelta(days=selectors.FOLLOW_UP_DAYS[context])
    follow_up, created = FollowUp.objects.get_or_create(
        **subject,
        context=context,
        defaults={"first_attended_on": first, "due_on": due_on, "asked_at": now},
    )
    if not created:
        return 0
    if follow_up.user_id is not None:
        _ask_resident(follow_up)
    return 1


TIES_BATCH = 10_000


def tie_refresh(*, user_id: int, activity_id: int) -> Tie | None:
    """The person's tie to the activity, from their sessions attended there (none: no tie)."""
    row = selectors.attended(users=[user_id], activities=[activity_id]).aggregate(
        first=Min("at"), last=Max("at"), sessions=Count("id")
    )
    if not row["sessions"]:
        Tie.objects.filter(user_id=user_id, activity_id=activity_id).delete()
        return None
    tie, _created = Tie.objects.update_or_create(
        user_id=user_id,
        activity_id=activity_id,
        defaults={"first_at": row["first"], "last_at": row["last"], "sessions": row["sessions"]},
    )
    return tie


@transaction.atomic
def ties_rebuild() -> int:
    """Every tie again from the registrations (nightly: nothing missed stays missed).
    Readers see the old ties until the new ones commit."""
    Tie.objects.all().delete()
    rows = (
        selectors.attended()
        .values("user_id", "activity_id")
        .annotate(first=Min("at"), last=Max("at"), sessions=Count("id"))
        .order_by()
        .values_list("user_id", "activity_id", "first", "last", "sessions")
    )
    made, batch = 0, []
    for user_id, activity_id, first, last, sessions in rows.iterator(chunk_size=TIES_BATCH):
        batch.append(Tie(user_id=user_id, activity_id=activity_id, first_at=first,
                         last_at=last, sessions=sessions))  # fmt: skip
        if len(batch) >= TIES_BATCH:
            made += len(Tie.objects.bulk_create(batch))
            batch = []
    made += len(Tie.objects.bulk_create(batch))
    return made
