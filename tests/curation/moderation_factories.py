"""Curators and the directory objects the moderation tests decide on: activities at a place
of a commune, with a schedule, submitted for review through the services."""

import datetime

from django.utils import timezone

from accounts.models import User
from activities import services
from activities.models import Activity, Membership, Organization, Territory
from tests.factories import ActivityFactory, OrganizationFactory, PlaceFactory, UserFactory

NANTES, REZE, NANTES_METROPOLE, LOIRE_ATLANTIQUE = "44109", "44143", "244400404", "44"
# A point inside each commune the tests place activities in.
POINTS = {NANTES: (47.2184, -1.5536), REZE: (47.1920, -1.5690)}


def territory(code: str) -> Territory:
    return Territory.objects.get(insee_code=code)


def curator_of(*codes: str, user: User | None = None) -> User:
    """An editor of a municipality organization that curates these territories."""
    user = user or UserFactory()
    organization = OrganizationFactory(kind="municipality")
    organization.territories.set(Territory.objects.filter(insee_code__in=codes))
    Membership.objects.create(user=user, organization=organization, role="editor")
    return user


def activity_in(
    code: str = NANTES,
    *,
    organization: Organization | None = None,
    status: str = "draft",
    **fields,
) -> Activity:
    """An activity at a place of commune `code`, with a weekly schedule (so it can be
    submitted)."""
    where = territory(code)
    organization = organization or OrganizationFactory()
    lat, lng = POINTS[code]
    place = PlaceFactory(
        organization=organization, territory=where, insee_code=code, lat=lat, lng=lng
    )
    activity = ActivityFactory(
        organization=organization,
        place=place,
        territory=where,
        lat=lat,
        lng=lng,
        h3_cell=place.h3_cell,
        status=status,
        **fields,
    )
    services.schedule_create(
        activity=activity,
        by=editor_in(organization),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        valid_from=timezone.localdate(),
    )
    return activity


def editor_in(organization: Organization) -> User:
    """An editor of the organization (the first member, or a new one)."""
    membership = organization.memberships.select_related("user").order_by("pk").first()
    if membership is not None:
        return membership.user
    user = UserFactory()
    Membership.objects.create(user=user, organization=organization, role="owner")
    return user


def submitted(code: str = NANTES, **fields) -> Activity:
    """An activity submitted for review by an editor of its (unverified) organization."""
    activity = activity_in(code, **fields)
    return services.activity_submit(activity=activity, by=editor_in(activity.organization))
