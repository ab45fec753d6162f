import factory

from accounts.models import User
from activities.geo import cell_of

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Faker("first_name", locale="fr_FR")
    preferred_language = "fr"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Organization"

    name = factory.Sequence(lambda n: f"Association {n}")
    slug = factory.Sequence(lambda n: f"association-{n}")
    kind = "association"


def editor_of(organization, user=None, role: str = "editor"):
    """A user with a role in the organization (created if not given)."""
    from activities.models import Membership

    user = user or UserFactory()
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Place"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Salle {n}")
    city = "Nantes"
    lat = 47.2184
    lng = -1.5536
    h3_cell = factory.LazyAttribute(lambda p: cell_of(p.lat, p.lng))
    wheelchair = "full"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Activity"
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    place = factory.SubFactory(PlaceFactory, organization=factory.SelfAttribute("..organization"))
    title = factory.Sequence(lambda n: f"Atelier {n}")
    summary = "Un atelier convivial."
    kind = "club"
    status = "published"

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        from activities.models import Category

        if create:
            obj.categories.set(Category.objects.filter(slug__in=extracted or ["tricot-couture"]))


def listed_activity(
    lat: float | None = None,
    lng: float | None = None,
    *,
    starts=(),
    categories=("tricot-couture",),
    **fields,
):
    """A published activity ready for search: location copied, sessions at `starts` (aware
    datetimes), timing fields derived the way the services derive them."""
    import datetime

    from django.utils import timezone

    from activities import choices
    from activities.models import Occurrence

    place = None
    if lat is not None:
        place = PlaceFactory(lat=lat, lng=lng, **fields.pop("place_fields", {}))
        fields.setdefault("organization", place.organization)
    fields.setdefault("attendance_mode", "in_person" if place else "online")
    activity = ActivityFactory(place=place, lat=lat, lng=lng, categories=list(categories), **fields)
    slots = 0
    for start in starts:
        Occurrence.objects.create(
            activity=activity,
            series_start=start,
            start=start,
            end=start + datetime.timedelta(hours=2),
        )
        local = timezone.localtime(start)
        slots |= choices.slot_bit(local.weekday(), choices.part_of_day(local.hour))
    activity.weekly_slots = slots
    activity.next_start = min(starts) if starts else None
    activity.save(update_fields=["weekly_slots", "next_start"])
    return activity


def weekly_schedule(activity, *, days: str = "MO,TH", hour: int = 15):
    """A two-hour weekly schedule from today, added through the services by an editor, so its
    sessions are materialized."""
    import datetime

    from django.utils import timezone

    from activities import services

    return services.schedule_create(
        activity=activity,
        by=editor_of(activity.organization),
        rrule=f"FREQ=WEEKLY;BYDAY={days}",
        start_time=datetime.time(hour),
        end_time=datetime.time(hour + 2),
        valid_from=timezone.localdate(),
    )
