"""Curation's test data: curators of the territories of Loire-Atlantique (seeded by the
directory's migrations), reports and collections."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from activities.models import Activity, Organization, Territory
from tests.factories import ActivityFactory, OrganizationFactory, UserFactory, editor_of

NANTES = "44109"
REZE = "44143"
SAINT_NAZAIRE = "44184"  # in the département, outside Nantes Métropole
METROPOLE = "244400404"
DEPARTEMENT = "44"


def territory(code: str) -> Territory:
    return Territory.objects.get(insee_code=code)


def curating_organization(*codes: str, **fields) -> Organization:
    """A municipality organization curating these territories."""
    organization = OrganizationFactory(kind="municipality", **fields)
    organization.territories.set(Territory.objects.filter(insee_code__in=codes))
    return organization


def curator_of(*codes: str, organization: Organization | None = None):
    """An editor of a municipality organization that curates these territories."""
    return editor_of(organization or curating_organization(*codes))


def activity_in(code: str, **fields) -> Activity:
    """A published activity taking place in the commune `code`, with a session tomorrow, so
    that it is found by search."""
    from activities.models import Occurrence

    start = timezone.now() + datetime.timedelta(days=1)
    activity = ActivityFactory(territory=territory(code), next_start=start, **fields)
    Occurrence.objects.create(
        activity=activity,
        series_start=start,
        start=start,
        end=start + datetime.timedelta(hours=2),
    )
    return activity


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "curation.Report"

    activity = factory.SubFactory(ActivityFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = "wrong_information"
    comment = "Les horaires ont changé."
    status = "open"


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "curation.Collection"

    organization = factory.LazyAttribute(lambda c: curating_organization(c.territory.insee_code))
    territory = factory.LazyFunction(lambda: territory(NANTES))
    slug = factory.Sequence(lambda n: f"collection-{n}")
    title = factory.Sequence(lambda n: f"Collection {n}")
    description = "Une sélection."
    status = "published"


def with_items(collection, *activities: Activity):
    from curation.models import CollectionItem

    for position, activity in enumerate(activities):
        CollectionItem.objects.create(
            collection=collection, activity=activity, position=position, note=f"Note {position}"
        )
    return collection


@dataclass
class Roles:
    """Everyone a curation endpoint answers differently, around an association's activity in
    Nantes."""

    resident: Any
    other_resident: Any
    editor: Any  # of the activity's organization
    nantes_curator: Any
    reze_curator: Any  # another commune of the same EPCI
    metropole_curator: Any  # the EPCI above Nantes
    departement_curator: Any
    staff: Any
    nantes_activity: Activity
    reze_activity: Activity

    def named(self, role: str):
        return None if role == "anonymous" else getattr(self, role)


def roles() -> Roles:
    nantes_activity = activity_in(NANTES)
    staff = UserFactory(is_staff=True)
    return Roles(
        resident=UserFactory(),
        other_resident=UserFactory(),
        editor=editor_of(nantes_activity.organization),
        nantes_curator=curator_of(NANTES),
        reze_curator=curator_of(REZE),
        metropole_curator=curator_of(METROPOLE),
        departement_curator=curator_of(DEPARTEMENT),
        staff=staff,
        nantes_activity=nantes_activity,
        reze_activity=activity_in(REZE),
    )


ROLES = (
    "anonymous", "resident", "other_resident", "editor", "nantes_curator", "reze_curator",
    "metropole_curator", "departement_curator", "staff",
)  # fmt: skip
# Who curates an activity or a collection of Nantes.
CURATE_NANTES = {"nantes_curator", "metropole_curator", "departement_curator", "staff"}
