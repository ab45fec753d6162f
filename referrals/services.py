"""Every write of social prescribing: persons and their consents, the access log,
shortlists, referrals and their one state machine (`referral_transition`), retention.

Only referrers of a verified organization of a referring kind act on persons; a person's
data leaves their organization (a shortlist sent, a referral) only with their standing
consent to be referred."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from accounts.models import User
from activities import choices as activity_choices
from activities.models import Activity, Occurrence, Organization
from activities.territories import territory_for_point
from backend.errors import NotFound, PermissionDenied
from backend.validation import full_clean, validation_failed
from matching import engine
from matching.models import ResidentProfile
from matching.selectors import RecommendationItem
from matching.services import coarsen, profile_update, recommendations_for_profile
from notifications import backends
from referrals import choices, links, selectors, signals
from referrals.choices import (
    Answer,
    ConsentScope,
    LinkChannel,
    LinkDelivery,
    LinkState,
    ReferralStatus,
    Side,
)
from referrals.errors import (
    AlreadyClaimed,
    ConsentRequired,
    LinkGone,
    NotAReferrer,
    TransitionNotAllowed,
)
from referrals.models import (
    AccessLog,
    Consent,
    Person,
    Referral,
    Shortlist,
    ShortlistItem,
    ShortlistLink,
)

SHORTLIST_MAX = 10  # what a referrer may pick for one person
SHORTLIST_OFFERED = engine.TOP_K  # what the matcher offers to pick from

PERSON_FIELDS = (
    "first_name", "phone", "email", "mobility", "max_distance_km", "step_free", "homebound",
    "languages_mask", "availability_mask", "interests", "budget_max", "attendance_modes",
    "access_needs", "notes",
)  # fmt: skip


def require_referrer(*, user: User, organization: Organization) -> None:
    if not selectors.referrer_organizations(user=user).filter(pk=organization.pk).exists():
        raise NotAReferrer()


def _require_consent(person: Person) -> None:
    if not selectors.has_consent(person=person, scope=ConsentScope.REFERRAL):
        raise ConsentRequired()


def _check_modes(attendance_modes: Any) -> None:
    if attendance_modes is not None and any(m not in engine.MODES for m in attendance_modes):
        raise validation_failed({"attendance_modes": [_("Unknown attendance mode.")]})


def _set_home(person: Person, home: tuple[float, float] | None) -> None:
    if home is None:
        person.home_lat = person.home_lng = None
        person.home_cell, person.home_territory = "", None
    else:
        person.home_lat, person.home_lng, person.home_cell = coarsen(*home)
        person.home_territory = territory_for_point(lat=home[0], lng=home[1])


def _reach_of(person: Person, fields: dict) -> None:
    """A mobility given without a distance sets the distance it usually allows."""
    if fields.get("mobility") and "max_distance_km" not in fields:
        person.max_distance_km = choices.MOBILITY_REACH_KM[fields["mobility"]]


@transaction.atomic
def person_create(
    *,
    organization: Organization,
    by: User,
    home: tuple[float, float] | None = None,
    **fields: Any,
) -> Person:
    """A person record held by `organization`, created by one of its referrers. The home
    is coarsened as a resident's is; the exact point is never stored."""
    require_referrer(user=by, organization=organization)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    _check_modes(fields.get("attendance_modes"))
    person = Person(organization=organization, created_by=by, **fields)
    _reach_of(person, fields)
    _set_home(person, home)
    full_clean(person, exclude=["organization", "created_by", "user", "home_territory"])
    person.save()
    return person


_KEEP = object()


@transaction.atomic
def person_update(*, person: Person, by: User, home: Any = _KEEP, **fields: Any) -> Person:
    """Change what is given; `home=None` forgets the home."""
    require_referrer(user=by, organization=person.organization)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    _check_modes(fields.get("attendance_modes"))
    for name, value in fields.items():
        setattr(person, name, value)
    _reach_of(person, fields)
    if home is not _KEEP:
        _set_home(person, home)
    full_clean(person, exclude=["organization", "created_by", "user", "home_territory"])
    person.save()
    return person


@transaction.atomic
def consent_record(
    *,
    person: Person,
    by: User,
    scope: str,
    method: str,
    given_at: datetime.datetime | None = None,
) -> tuple[Consent, bool]:
    """Record the person's agreement (`scope`), given `method`-ly at `given_at` (now by
    default, never in the future). A standing consent of the same scope is returned as it
    is (False)."""
    require_referrer(user=by, organization=person.organization)
    now = timezone.now()
    if given_at is not None and given_at > now:
        raise validation_failed({"given_at": [_("A consent cannot be given in the future.")]})
    Person.objects.select_for_update().filter(pk=person.pk).first()
    standing = selectors.standing_consent(person=person, scope=scope)
    if standing is not None:
        return standing, False
    consent = Consent(
        person=person, scope=scope, method=method, given_at=given_at or now, recorded_by=by
    )
    full_clean(consent, exclude=["person", "recorded_by", "withdrawn_by"])
    consent.save()
    return consent, True


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User) -> Consent:
    """The person takes back an agreement. Withdrawing consent to be referred cancels the
    referrals still open: nothing more is shared."""
    require_referrer(user=by, organization=consent.person.organization)
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at, consent.withdrawn_by = timezone.now(), by
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    if consent.scope == ConsentScope.REFERRAL:
        ShortlistLink.objects.filter(
            shortlist__person=consent.person, revoked_at__isnull=True
        ).update(revoked_at=consent.withdrawn_at, revoked_by=by)
        open_referrals = consent.person.referrals.exclude(status__in=choices.CLOSED_STATUSES)
        for referral in open_referrals.select_for_update():
            _move(
                referral,
                to=ReferralStatus.CANCELLED,
                side=Side.REFERRER,
                by=by,
                reason=str(_("The person withdrew their consent.")),
            )
    return consent


def person_access_record(*, persons: Iterable[Person], by: User | None, view: str) -> None:
    """Log a read of these person records (who, when, which, how)."""
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                organization_id=person.organization_id,
                person=person,
                person_number=person.pk,
                user=by if by is not None and by.is_authenticated else None,
                view=view,
            )
            for person in persons
        ]
    )


def person_profile(person: Person) -> ResidentProfile:
    """The person as the matcher reads a resident: an unsaved profile, never stored."""
    return ResidentProfile(
        home_lat=person.home_lat,
        home_lng=person.home_lng,
        home_cell=person.home_cell,
        home_territory_id=person.home_territory_id,
        max_distance_km=person.max_distance_km,
        step_free=person.step_free,
        homebound=person.homebound,
        interests=person.interests,
        availability_mask=person.availability_mask,
        languages_mask=person.languages_mask,
        budget_max=person.budget_max,
        attendance_modes=person.attendance_modes,
    )


def shortlist_compute(
    *, person: Person, by: User, language: str, now: datetime.datetime | None = None
) -> list[RecommendationItem]:
    """The activities that fit the person, best first, with their reasons: the residents'
    engine and hard constraints, for a profile that is not a resident's. Logged as a read."""
    require_referrer(user=by, organization=person.organization)
    _require_consent(person)
    items = recommendations_for_profile(
        profile=person_profile(person), language=language, k=SHORTLIST_OFFERED, now=now
    )
    person_access_record(persons=[person], by=by, view=choices.PersonView.SHORTLIST)
    return items


@transaction.atomic
def shortlist_save(
    *, person: Person, by: User, activity_ids: list[int], note: str = ""
) -> Shortlist:
    """Keep up to ten of the activities the matcher offers the person, in the order given,
    with a note for them. An activity it does not offer them (it breaks one of their needs,
    or is no longer published) is refused."""
    require_referrer(user=by, organization=person.organization)
    _require_consent(person)
    if not activity_ids or len(activity_ids) > SHORTLIST_MAX:
        raise validation_failed(
            {"activities": [_("Pick from 1 to %(max)d activities.") % {"max": SHORTLIST_MAX}]}
        )
    if len(set(activity_ids)) != len(activity_ids):
        raise validation_failed({"activities": [_("An activity is listed twice.")]})
    offered = {
        item.activity_id
        for item in recommendations_for_profile(
            profile=person_profile(person), language="en", k=SHORTLIST_OFFERED
        )
    }
    refused = [pk for pk in activity_ids if pk not in offered]
    if refused:
        raise validation_failed(
            {
                "activities": [
                    _("Not among the activities that fit this person: %(ids)s.")
                    % {"ids": ", ".join(map(str, refused))}
                ]
            },
            code="not_in_shortlist",
        )
    shortlist = Shortlist(person=person, created_by=by, note=note)
    full_clean(shortlist, exclude=["person", "created_by"])
    shortlist.save()
    ShortlistItem.objects.bulk_create(
        ShortlistItem(shortlist=shortlist, activity_id=pk, position=n)
        for n, pk in enumerate(activity_ids)
    )
    return shortlist


# --- the shortlist's link -----------------------------------------------------------------

# The delivery task by name: the tasks module imports these services.
LINK_DELIVER_TASK = "referrals.tasks.shortlist_link_deliver_task"


def _link_make(
    *, shortlist: Shortlist, by: User, channel: str, address: str, language: str
) -> ShortlistLink:
    now = timezone.now()
    salt = links.new_salt()
    link = ShortlistLink(
        shortlist=shortlist,
        created_by=by,
        salt=salt,
        # Unique until the row has the id its token is computed from.
        token_digest=f"new:{salt[:60]}",
        channel=channel,
        address=address,
        language=language,
        expires_at=now + datetime.timedelta(days=settings.REFERRALS_LINK_DAYS),
        delivery=LinkDelivery.PRINTED if channel == LinkChannel.PRINT else LinkDelivery.PENDING,
    )
    link.save()
    link.token_digest = links.digest_of(link_token(link))
    link.save(update_fields=["token_digest"])
    return link


def link_token(link: ShortlistLink) -> str:
    return links.token_for(link_id=link.pk, salt=link.salt)


def link_url(link: ShortlistLink) -> str:
    """The link's public address (PUBLIC_BASE_URL + /s/<token>)."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/s/{link_token(link)}"


@transaction.atomic
def shortlist_link_send(
    *, shortlist: Shortlist, by: User, channel: str, language: str = "fr"
) -> ShortlistLink:
    """Make a link to the shortlist's page and send it to the person by SMS or email (after
    commit, by a task), with their standing consent to be referred. The link opens the page
    for REFERRALS_LINK_DAYS days unless it is revoked."""
    person = shortlist.person
    require_referrer(user=by, organization=person.organization)
    _require_consent(person)
    if channel not in (LinkChannel.SMS, LinkChannel.EMAIL):
        raise validation_failed({"channel": [_("Send it by sms or email.")]})
    address = person.phone if channel == LinkChannel.SMS else person.email
    if not address:
        raise validation_failed(
            {
                "channel": [
                    _("The person has no phone number.")
                    if channel == LinkChannel.SMS
                    else _("The person has no email address.")
                ]
            },
            code="no_address",
        )
    link = _link_make(
        shortlist=shortlist, by=by, channel=channel, address=address, language=language
    )
    pk = link.pk
    transaction.on_commit(lambda: current_app.signature(LINK_DELIVER_TASK, args=[pk]).delay())
    return link


@transaction.atomic
def shortlist_sheet_link(*, shortlist: Shortlist, by: User, language: str = "fr") -> ShortlistLink:
    """The link the printed sheet's QR codes point at (nothing is sent): the newest printed
    link of the shortlist still open with more than a week to go, else a new one."""
    require_referrer(user=by, organization=shortlist.person.organization)
    _require_consent(shortlist.person)
    now = timezone.now()
    link = (
        shortlist.links.filter(
            channel=LinkChannel.PRINT,
            revoked_at__isnull=True,
            expires_at__gt=now + datetime.timedelta(days=7),
        )
        .order_by("-id")
        .first()
    )
    if link is not None:
        return link
    return _link_make(
        shortlist=shortlist, by=by, channel=LinkChannel.PRINT, address="", language=language
    )


def shortlist_link_message(link: ShortlistLink) -> tuple[str, str]:
    """The SMS's or email's subject and text, in the link's language."""
    shortlist = link.shortlist
    with override(link.language):
        title = _("Activities picked for you by %(organization)s") % {
            "organization": shortlist.person.organization.name
        }
        count = shortlist.items.count()
        body = ngettext(
            "Hello %(name)s, %(organization)s picked an activity near you. See it and say "
            "whether you would like to go: %(url)s (until %(until)s)",
            "Hello %(name)s, %(organization)s picked %(count)d activities near you. See them "
            "and say which you would like: %(url)s (until %(until)s)",
            count,
        ) % {
            "name": shortlist.person.first_name,
            "organization": shortlist.person.organization.name,
            "count": count,
            "url": link_url(link),
            "until": timezone.localdate(link.expires_at).strftime("%d/%m/%Y"),
        }
    return str(title), str(body)


def shortlist_link_deliver(*, link_id: int) -> str:
    """Send the link once: the row is turned `sending` before the channel is called, so a
    task run twice (a retry, a redelivered message) never sends it twice. A revoked or
    expired link, or a person who withdrew their consent, is not sent. The outcome."""
    with transaction.atomic():
        link = (
            ShortlistLink.objects.select_for_update()
            .select_related("shortlist__person__organization")
            .filter(pk=link_id)
            .first()
        )
        if link is None or link.delivery != LinkDelivery.PENDING:
            return "gone" if link is None else link.delivery
        person = link.shortlist.person
        if link.state(timezone.now()) != LinkState.ACTIVE or not selectors.has_consent(
            person=person
        ):
            link.delivery, link.delivery_error = LinkDelivery.FAILED, "link closed before sending"
            link.save(update_fields=["delivery", "delivery_error"])
            return link.delivery
        link.delivery = LinkDelivery.SENDING
        link.save(update_fields=["delivery"])
    title, body = shortlist_link_message(link)
    message = backends.Message(
        notification_id=link.pk, kind="shortlist_link", title=title, body=body
    )
    try:
        backends.backend_for(link.channel).send(message, backends.Recipient(address=link.address))
    except backends.DeliveryError as error:
        ShortlistLink.objects.filter(pk=link.pk).update(
            delivery=LinkDelivery.FAILED, delivery_error=str(error)[:500]
        )
        return LinkDelivery.FAILED
    ShortlistLink.objects.filter(pk=link.pk).update(
        delivery=LinkDelivery.SENT, sent_at=timezone.now()
    )
    return LinkDelivery.SENT


@transaction.atomic
def shortlist_link_revoke(*, link: ShortlistLink, by: User) -> ShortlistLink:
    """Close the link now: its page answers 410 from then on. Idempotent."""
    require_referrer(user=by, organization=link.shortlist.person.organization)
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by = timezone.now(), by
        link.save(update_fields=["revoked_at", "revoked_by"])
    return link


def shortlist_link_open(*, token: str) -> ShortlistLink:
    """The link of this token, for its page: NotFound for an unknown token, LinkGone for an
    expired or revoked one (or a person whose consent was withdrawn). Each open is noted."""
    link = selectors.link_by_token(token)
    if link is None:
        raise NotFound(_("This link does not exist."))
    now = timezone.now()
    if link.state(now) != LinkState.ACTIVE or not selectors.has_consent(
        person=link.shortlist.person
    ):
        raise LinkGone(_("This link is no longer open."))
    ShortlistLink.objects.filter(pk=link.pk).update(last_opened_at=now)
    ShortlistLink.objects.filter(pk=link.pk, first_opened_at__isnull=True).update(
        first_opened_at=now
    )
    return link


@transaction.atomic
def shortlist_link_answer(*, link: ShortlistLink, activity_id: int, answer: str) -> ShortlistItem:
    """What the person says of one activity of their shortlist, from their link's page. "I'd
    like to go" refers them to it (once: saying it again changes nothing), made for the
    referrer who sent the link; the receiving organization and the referrers are told."""
    link = (
        ShortlistLink.objects.select_for_update()
        .select_related("shortlist__person")
        .get(pk=link.pk)
    )
    person = link.shortlist.person
    if link.state(timezone.now()) != LinkState.ACTIVE or not selectors.has_consent(person=person):
        raise LinkGone(_("This link is no longer open."))
    if answer not in Answer.values:
        raise validation_failed({"answer": [_("Unknown answer.")]})
    item = (
        link.shortlist.items.select_related("activity__organization")
        .filter(activity_id=activity_id)
        .first()
    )
    if item is None:
        raise NotFound(_("This activity is not on the list."))
    previous = item.answer
    item.answer, item.answered_at = answer, timezone.now()
    item.save(update_fields=["answer", "answered_at"])
    referral = None
    if answer == Answer.GOING:
        referral = (
            Referral.objects.filter(shortlist=link.shortlist, activity_id=activity_id)
            .exclude(status__in=choices.CLOSED_STATUSES)
            .first()
        )
        if referral is None:
            referral = _referral_make(
                person=person,
                activity=item.activity,
                organization=None,
                shortlist=link.shortlist,
                note="",
                created_by=link.created_by,
                by=None,
            )
    if previous != answer:
        shortlist_id, referral_id = link.shortlist_id, referral.pk if referral else None
        transaction.on_commit(
            lambda: signals.shortlist_answered.send(
                sender=ShortlistItem,
                shortlist_id=shortlist_id,
                activity_id=activity_id,
                answer=answer,
                referral_id=referral_id,
            )
        )
    return item


@transaction.atomic
def person_claim(*, token: str, user: User, prefill: bool) -> Person:
    """The person, signed in with an account of their own, claims their record from their
    link (`Person.user`): the sessions they are marked attended at with that account then move
    their referrals. With their agreement (`prefill`), their resident profile takes the
    record's needs (home as coarsened, reach, step-free, homebound, languages, availability,
    interests, budget, attendance modes) and their consent to matching, given now. The
    referrer's notes and access needs stay with the referring organization."""
    link = selectors.link_by_token(token)
    if link is None:
        raise NotFound(_("This link does not exist."))
    person = Person.objects.select_for_update().get(pk=link.shortlist.person_id)
    if link.state(timezone.now()) != LinkState.ACTIVE or not selectors.has_consent(person=person):
        raise LinkGone(_("This link is no longer open."))
    if person.user_id is not None and person.user_id != user.pk:
        raise AlreadyClaimed(_("This record was claimed with another account."))
    if person.user_id is None:
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    if prefill:
        profile_update(
            user=user,
            home=None if person.home_lat is None else (person.home_lat, person.home_lng),
            max_distance_km=person.max_distance_km,
            step_free=person.step_free,
            homebound=person.homebound,
            languages_mask=person.languages_mask,
            availability_mask=person.availability_mask,
            interests=person.interests,
            budget_max=person.budget_max,
            attendance_modes=person.attendance_modes,
            matching_consent=True,
        )
    return person


# The one state machine of a referral (FHIR Task statuses): (from, to) -> who may move it.
# The receiving organization answers and follows the person; the referrer withdraws the
# referral; either side may pause, resume, close it. The system moves it to in progress when
# the person's first session is marked attended.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED): frozenset({Side.RECEIVER}),
    (ReferralStatus.REQUESTED, ReferralStatus.REJECTED): frozenset({Side.RECEIVER}),
    (ReferralStatus.REQUESTED, ReferralStatus.CANCELLED): frozenset({Side.REFERRER}),
    (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS): frozenset({Side.RECEIVER, Side.SYSTEM}),
    (ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD): frozenset({Side.RECEIVER, Side.REFERRER}),
    (ReferralStatus.ACCEPTED, ReferralStatus.CANCELLED): frozenset({Side.REFERRER}),
    (ReferralStatus.ACCEPTED, ReferralStatus.FAILED): frozenset({Side.RECEIVER, Side.REFERRER}),
    (ReferralStatus.IN_PROGRESS, ReferralStatus.ON_HOLD): frozenset({Side.RECEIVER, Side.REFERRER}),
    (ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED): frozenset(
        {Side.RECEIVER, Side.REFERRER}
    ),
    (ReferralStatus.IN_PROGRESS, ReferralStatus.CANCELLED): frozenset({Side.REFERRER}),
    (ReferralStatus.ON_HOLD, ReferralStatus.IN_PROGRESS): frozenset({Side.RECEIVER, Side.REFERRER}),
    (ReferralStatus.ON_HOLD, ReferralStatus.ACCEPTED): frozenset({Side.RECEIVER, Side.REFERRER}),
    (ReferralStatus.ON_HOLD, ReferralStatus.CANCELLED): frozenset({Side.REFERRER}),
    (ReferralStatus.ON_HOLD, ReferralStatus.FAILED): frozenset({Side.RECEIVER, Side.REFERRER}),
}
# A reason is required for these (FHIR Task.statusReason).
REASON_REQUIRED = (ReferralStatus.REJECTED, ReferralStatus.FAILED, ReferralStatus.ON_HOLD)


def sides_of(*, user: User | None, referral: Referral) -> set[str]:
    """The sides `user` acts for on this referral (None is the system)."""
    if user is None:
        return {Side.SYSTEM}
    sides = set()
    if (
        selectors.referrer_organizations(user=user)
        .filter(pk=referral.referring_organization_id)
        .exists()
    ):
        sides.add(Side.REFERRER)
    if (
        selectors.receiving_organizations(user=user)
        .filter(pk=referral.receiving_organization_id)
        .exists()
    ):
        sides.add(Side.RECEIVER)
    return sides


def allowed_transitions(*, referral: Referral, sides: set[str]) -> list[str]:
    return [
        to for (start, to), who in TRANSITIONS.items() if start == referral.status and who & sides
    ]


@transaction.atomic
def referral_create(
    *,
    person: Person,
    by: User,
    activity: Activity | None = None,
    organization: Organization | None = None,
    shortlist: Shortlist | None = None,
    note: str = "",
) -> Referral:
    """Refer the person to a published activity (its organization receives the referral) or
    to an organization. Needs the person's standing consent to be referred."""
    require_referrer(user=by, organization=person.organization)
    _require_consent(person)
    if (activity is None) == (organization is None):
        raise validation_failed({"activity": [_("Give either an activity or an organization.")]})
    if shortlist is not None and shortlist.person_id != person.pk:
        raise validation_failed({"shortlist": [_("Not a shortlist of this person.")]})
    return _referral_make(
        person=person,
        activity=activity,
        organization=organization,
        shortlist=shortlist,
        note=note,
        created_by=by,
        by=by,
    )


def _referral_make(
    *,
    person: Person,
    activity: Activity | None,
    organization: Organization | None,
    shortlist: Shortlist | None,
    note: str,
    created_by: User | None,
    by: User | None,
) -> Referral:
    """The referral row, its first history row and its announcement; `by` is who acted (None:
    the person, from their link's page), `created_by` the referrer it is made for."""
    if activity is not None:
        if activity.status != activity_choices.ActivityStatus.PUBLISHED:
            raise NotFound(_("No published activity with this id."))
        organization = activity.organization
    referral = Referral(
        person=person,
        referring_organization=person.organization,
        receiving_organization=organization,
        activity=activity,
        shortlist=shortlist,
        created_by=created_by,
        note=note,
    )
    full_clean(
        referral,
        exclude=["person", "referring_organization", "receiving_organization", "activity",
                 "shortlist", "created_by"],
    )  # fmt: skip
    referral._history_user = by
    referral.save()
    _announce(referral, previous=None, side=Side.REFERRER, by=by)
    return referral


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    to: str,
    by: User | None,
    reason: str = "",
    acting_as: str | None = None,
) -> Referral:
    """Move the referral to status `to`, if `by` (None: the system) acts for a side that may
    (`TRANSITIONS`), only for side `acting_as` when given; audited (who, when, why) and
    announced to the other side."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if to not in ReferralStatus.values:
        raise validation_failed({"status": [_("Unknown status.")]})
    sides = sides_of(user=by, referral=referral)
    if acting_as is not None:
        sides &= {acting_as}
    allowed = TRANSITIONS.get((referral.status, to))
    if allowed is None:
        raise TransitionNotAllowed(
            _("A referral %(status)s cannot become %(to)s.")
            % {"status": referral.get_status_display(), "to": ReferralStatus(to).label}
        )
    acting = allowed & sides
    if not acting:
        raise PermissionDenied(_("The other side of this referral decides this."))
    if to in REASON_REQUIRED and not reason.strip():
        raise validation_failed({"reason": [_("Say why.")]})
    side = Side.SYSTEM if Side.SYSTEM in acting else sorted(acting)[0]
    _move(referral, to=to, side=side, by=by, reason=reason)
    return referral


def _move(referral: Referral, *, to: str, side: str, by: User | None, reason: str) -> None:
    previous = referral.status
    referral.status = to
    referral.status_reason = reason
    if to in choices.CLOSED_STATUSES:
        referral.closed_at = timezone.now()
    elif previous in choices.CLOSED_STATUSES:
        referral.closed_at = None
    referral._history_user = by
    referral._change_reason = reason or None
    referral.save()
    _announce(referral, previous=previous, side=side, by=by)


def _announce(referral: Referral, *, previous: str | None, side: str, by: User | None) -> None:
    pk = referral.pk

    def send() -> None:
        current = Referral.objects.filter(pk=pk).select_related("person").first()
        if current is not None:
            signals.referral_changed.send(
                sender=Referral, referral=current, previous_status=previous, side=side, by=by
            )

    transaction.on_commit(send)


@transaction.atomic
def referral_mark_attended(*, referral: Referral, occurrence: Occurrence, by: User) -> Referral:
    """The receiving organization marks that the person came to a session of the activity
    they were referred to (a person without an account has no registration to mark). The
    first one is kept; an accepted referral moves to in progress, and the referrer is told."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if Side.RECEIVER not in sides_of(user=by, referral=referral):
        raise PermissionDenied(_("The receiving organization marks attendance."))
    if referral.activity_id is None or occurrence.activity_id != referral.activity_id:
        raise validation_failed({"occurrence": [_("Not a session of the activity referred to.")]})
    if occurrence.start > timezone.now():
        raise validation_failed({"occurrence": [_("This session has not started yet.")]})
    if referral.status not in (
        ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.ON_HOLD
    ):  # fmt: skip
        raise TransitionNotAllowed(
            _("A referral %(status)s cannot be followed by attendance.")
            % {"status": referral.get_status_display()}
        )
    if referral.first_attended_at is None:
        # An update, not a save: the audit trail records status changes, and this is none.
        Referral.objects.filter(pk=referral.pk).update(
            first_session=occurrence, first_attended_at=timezone.now(), updated_at=timezone.now()
        )
    if referral.status == ReferralStatus.ACCEPTED:
        referral_transition(
            referral=referral,
            to=ReferralStatus.IN_PROGRESS,
            by=by,
            acting_as=Side.RECEIVER,
            reason=str(_("First session attended.")),
        )
        referral.refresh_from_db()
    return referral


def referrals_started_by_attendance(*, user_id: int, activity_id: int) -> int:
    """The accepted referrals to this activity of the person who claimed their record with
    this account move to in progress: their first session was marked attended."""
    moved = 0
    accepted = Referral.objects.filter(
        person__user_id=user_id, activity_id=activity_id, status=ReferralStatus.ACCEPTED
    )
    for referral in accepted:
        referral_transition(referral=referral, to=ReferralStatus.IN_PROGRESS, by=None)
        moved += 1
    return moved


def person_export(*, person: Person, by: User) -> dict:
    """Everything held on the person, for them (on their referrer's request); logged."""
    require_referrer(user=by, organization=person.organization)
    person_access_record(persons=[person], by=by, view=choices.PersonView.EXPORT)
    return {
        "person": {
            "id": person.pk,
            "organization": person.organization.slug,
            "first_name": person.first_name,
            "phone": person.phone,
            "email": person.email,
            "home": (
                None
                if person.home_lat is None
                else {"lat": person.home_lat, "lng": person.home_lng}
            ),
            "mobility": person.mobility,
            "max_distance_km": person.max_distance_km,
            "step_free": person.step_free,
            "homebound": person.homebound,
            "languages": activity_choices.values_of(
                person.languages_mask, activity_choices.LANGUAGES
            ),
            "availability_mask": person.availability_mask,
            "interests": person.interests,
            "budget_max": None if person.budget_max is None else str(person.budget_max),
            "attendance_modes": person.attendance_modes,
            "access_needs": person.access_needs,
            "notes": person.notes,
            "created_at": person.created_at.isoformat(),
        },
        "consents": [
            {
                "scope": c.scope,
                "method": c.method,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in person.consents.order_by("id")
        ],
        "shortlists": [
            {
                "id": s.pk,
                "created_at": s.created_at.isoformat(),
                "note": s.note,
                "activities": [item.activity_id for item in s.items.all()],
            }
            for s in person.shortlists.order_by("id")
        ],
        "referrals": [
            {
                "id": r.pk,
                "activity": r.activity_id,
                "organization": r.receiving_organization.slug,
                "status": r.status,
                "status_reason": r.status_reason,
                "note": r.note,
                "created_at": r.created_at.isoformat(),
            }
            for r in person.referrals.select_related("receiving_organization").order_by("id")
        ],
    }


@transaction.atomic
def person_erase(*, person: Person, by: User) -> None:
    """Erase the person on their request: their record, consents, shortlists and referrals
    (open referrals are cancelled first, so the receiving side is told). The access log
    keeps the record's number, not the record."""
    require_referrer(user=by, organization=person.organization)
    for referral in person.referrals.exclude(status__in=choices.CLOSED_STATUSES):
        _move(
            referral,
            to=ReferralStatus.CANCELLED,
            side=Side.REFERRER,
            by=by,
            reason=str(_("The person asked for their data to be erased.")),
        )
    person.referrals.all().delete()
    # The audit trail of their referrals goes too (deleting them wrote its last rows).
    Referral.history.filter(person_id=person.pk).delete()
    person.delete()


ANONYMOUS = "—"


@transaction.atomic
def persons_anonymize(*, now: datetime.datetime | None = None) -> int:
    """Anonymize the persons whose referrals are all closed, the last one more than
    `REFERRALS_RETENTION_DAYS` ago: what identifies them or tells of their life goes; the
    referrals' statuses stay (for the counts). Idempotent."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REFERRALS_RETENTION_DAYS)
    still_open = Referral.objects.exclude(status__in=choices.CLOSED_STATUSES).values("person_id")
    recent = Referral.objects.filter(closed_at__gt=cutoff).values("person_id")
    persons = (
        Person.objects.filter(anonymized_at__isnull=True, referrals__closed_at__lte=cutoff)
        .exclude(pk__in=still_open)
        .exclude(pk__in=recent)
        .distinct()
    )
    ids = list(persons.values_list("pk", flat=True))
    if not ids:
        return 0
    Person.objects.filter(pk__in=ids).update(
        first_name=ANONYMOUS, phone="", email="", home_lat=None, home_lng=None, home_cell="",
        home_territory=None, interests={}, access_needs="", notes="", budget_max=None,
        user=None, anonymized_at=now,
    )  # fmt: skip
    Referral.objects.filter(person_id__in=ids).update(note="", status_reason="")
    Referral.history.filter(person_id__in=ids).update(status_reason="", history_change_reason=None)
    Shortlist.objects.filter(person_id__in=ids).update(note="")
    ShortlistLink.objects.filter(shortlist__person_id__in=ids).update(address="")
    ShortlistLink.objects.filter(shortlist__person_id__in=ids, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return len(ids)
