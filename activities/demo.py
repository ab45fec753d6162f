"""Loading the generated Nantes demo directory through the directory's own services."""

import datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from activities import choices, services
from activities.demo_data import DemoDirectory, DemoPlace, generate
from activities.models import Activity, Membership, Organization, Place

DEMO_SOURCE = "demo"
DEMO_EMAIL_DOMAIN = "demo.relier.example"


def _owner_of(organization_slug: str) -> User:
    user, _ = User.objects.get_or_create(
        email=f"{organization_slug}@{DEMO_EMAIL_DOMAIN}",
        defaults={"display_name": organization_slug, "password": make_password(None)},
    )
    return user


def _organization(demo, owner: User) -> Organization:
    organization = Organization.objects.filter(slug=demo.slug).first()
    if organization is None:
        organization = Organization(
            slug=demo.slug,
            name=demo.name,
            kind=demo.kind,
            description=demo.description,
            email=demo.email,
            phone=demo.phone,
            website=demo.website,
            siren=demo.siren,
            verified=demo.verified,
        )
        organization.full_clean()
        organization.save()
    Membership.objects.get_or_create(
        user=owner, organization=organization, defaults={"role": choices.MembershipRole.OWNER}
    )
    return organization


def _place(demo: DemoPlace, organization: Organization, owner: User) -> Place:
    existing = Place.objects.filter(organization=organization, name=demo.name).first()
    if existing is not None:
        return existing
    return services.place_create(
        organization=organization,
        by=owner,
        name=demo.name,
        address=demo.address,
        postal_code=demo.postal_code,
        city=demo.city,
        lat=demo.lat,
        lng=demo.lng,
        transport_access=demo.transport,
        wheelchair=demo.wheelchair,
        **{f"{flag}_support": flag in demo.accessibility for flag in choices.ACCESSIBILITY_FLAGS},
    )


@transaction.atomic
def demo_directory_load(
    *, today: datetime.date, directory: DemoDirectory | None = None
) -> dict[str, int]:
    """Load the demo directory; activities already loaded (same external id) are left as they
    are, so running it again changes nothing."""
    directory = directory or generate(today=today)
    loaded = set(Activity.objects.filter(source=DEMO_SOURCE).values_list("external_id", flat=True))
    owners = {o.slug: _owner_of(o.slug) for o in directory.organizations}
    organizations = {o.slug: _organization(o, owners[o.slug]) for o in directory.organizations}
    demo_places = {p.key: p for p in directory.places}
    places: dict[str, Place] = {}
    created = 0
    for demo in directory.activities:
        if demo.external_id in loaded:
            continue
        organization = organizations[demo.organization_slug]
        owner = owners[demo.organization_slug]
        place = None
        if demo.place_key is not None:
            if demo.place_key not in places:
                places[demo.place_key] = _place(demo_places[demo.place_key], organization, owner)
            place = places[demo.place_key]
        activity = services.activity_create(
            organization=organization,
            by=owner,
            categories=demo.category_slugs,
            audiences=demo.audiences,
            languages=demo.languages,
            service_area=demo.service_area_insee,
            source=DEMO_SOURCE,
            external_id=demo.external_id,
            title=demo.title,
            summary=demo.summary,
            description=demo.description,
            kind=demo.kind,
            age_min=demo.age_min,
            age_max=demo.age_max,
            attendance_mode=demo.attendance_mode,
            place=place,
            is_free=demo.is_free,
            price_min=demo.price_min,
            price_max=demo.price_max,
            reduced_price=demo.reduced_price,
            registration=demo.registration,
            registration_url=demo.registration_url,
            registration_phone=demo.registration_phone,
            registration_email=demo.registration_email,
            capacity=demo.capacity,
            intensity=demo.intensity,
            group_size=demo.group_size,
        )
        for schedule in demo.schedules:
            services.schedule_create(
                activity=activity,
                by=owner,
                rrule=schedule.rrule or "",
                dates=list(schedule.dates),
                start_time=schedule.start_time,
                end_time=schedule.end_time,
                timezone=schedule.timezone,
                valid_from=schedule.valid_from,
                valid_to=schedule.valid_to,
                exdates=list(schedule.exdates),
            )
        if demo.status == choices.ActivityStatus.PUBLISHED:
            services.activity_publish(activity=activity)
        elif demo.status == choices.ActivityStatus.PENDING:
            services.activity_submit(activity=activity, by=owner)
        created += 1
    return {
        "organizations": len(organizations),
        "activities_created": created,
        "activities_total": Activity.objects.filter(source=DEMO_SOURCE).count(),
    }
