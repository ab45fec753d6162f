"""Curators' decisions: who may take them, what they do, and what the audit trail keeps."""

import pytest

from activities import services as directory
from activities.models import Activity, Organization, Territory
from backend.errors import Conflict, PermissionDenied, ValidationFailed
from curation.scope import curator_scope
from curation.selectors.history import (
    activity_trail,
    changes_since_approved,
    last_decision,
    organization_trail,
)
from curation.services.moderation import activity_moderate, organization_verify
from tests.factories import ActivityFactory, OrganizationFactory, UserFactory, editor_of

pytestmark = pytest.mark.django_db


def curator_of(*codes: str):
    """An editor of a new municipality organization curating the territories `codes`."""
    organization = OrganizationFactory(kind="municipality")
    organization.territories.set(Territory.objects.filter(insee_code__in=codes))
    return editor_of(organization)


@pytest.fixture
def nantes():
    return Territory.objects.get(insee_code="44109")


@pytest.fixture
def pending(nantes):
    return ActivityFactory(status="pending", territory=nantes)


def test_a_scope_covers_the_communes_under_what_is_curated(nantes):
    epci, departement = nantes.parent, nantes.parent.parent
    assert curator_scope(curator_of("44109")).territory_ids == {nantes.pk}
    for above in (epci, departement):
        scope = curator_scope(curator_of(above.insee_code))
        assert nantes.pk in scope.territory_ids and above.pk in scope.territory_ids
    rezé = Territory.objects.get(insee_code="44143")
    assert not curator_scope(curator_of("44143")).covers(nantes.pk)
    assert curator_scope(curator_of("44143")).covers(rezé.pk)
    assert not curator_scope(UserFactory()).is_curator
    assert curator_scope(UserFactory(is_staff=True)).everything


def test_only_curators_of_the_territory_decide(pending, nantes):
    trail = activity_trail(activity=pending)
    for refused in (
        UserFactory(),
        editor_of(pending.organization),
        curator_of("44143"),
    ):
        with pytest.raises(PermissionDenied):
            activity_moderate(activity=pending, action="approve", by=refused)
        assert Activity.objects.get(pk=pending.pk).status == "pending"
        assert activity_trail(activity=pending) == trail
    departement = nantes.parent.parent.insee_code
    activity_moderate(activity=pending, action="approve", by=curator_of(departement))
    assert Activity.objects.get(pk=pending.pk).status == "published"


def test_a_rejection_keeps_who_and_why_and_the_organization_reads_it(pending):
    curator = curator_of("44109")
    with pytest.raises(ValidationFailed) as missing:
        activity_moderate(activity=pending, action="reject", by=curator, reason="  ")
    assert "reason" in missing.value.fields
    assert Activity.objects.get(pk=pending.pk).status == "pending"

    activity_moderate(activity=pending, action="reject", by=curator, reason="Adresse fausse.")
    decision = last_decision(activity=pending)
    assert (decision.action, decision.reason, decision.by_id) == (
        "rejected",
        "Adresse fausse.",
        curator.pk,
    )
    status = next(c for c in decision.changes if c.field == "status")
    assert (status.before, status.after) == ("pending", "rejected")


def test_request_changes_returns_it_to_draft_and_the_workflow_refuses_the_rest(pending):
    curator = curator_of("44109")
    activity_moderate(activity=pending, action="request_changes", by=curator, reason="Horaires ?")
    assert Activity.objects.get(pk=pending.pk).status == "draft"
    assert last_decision(activity=pending).action == "changes_requested"
    with pytest.raises(Conflict):
        activity_moderate(activity=pending, action="approve", by=curator)
    with pytest.raises(Conflict):
        activity_moderate(activity=pending, action="request_changes", by=curator, reason="Encore")
    with pytest.raises(Conflict):
        activity_moderate(activity=pending, action="feature", by=curator)
    activity_moderate(activity=pending, action="archive", by=curator)
    with pytest.raises(Conflict):
        activity_moderate(activity=pending, action="approve", by=curator)
    assert Activity.objects.get(pk=pending.pk).status == "archived"


def test_featuring_is_recorded_and_only_for_published_activities(nantes):
    activity = ActivityFactory(status="published", territory=nantes)
    curator = curator_of("44109")
    activity_moderate(activity=activity, action="feature", by=curator, reason="Été")
    activity_moderate(activity=activity, action="feature", by=curator)  # already: no entry
    assert Activity.objects.get(pk=activity.pk).featured
    activity_moderate(activity=activity, action="unfeature", by=curator)
    actions = [entry.action for entry in activity_trail(activity=activity)]
    assert actions[:2] == ["unfeatured", "featured"]


def test_edits_since_the_approved_version_are_listed(pending):
    curator = curator_of("44109")
    assert changes_since_approved(activity=pending) is None
    activity_moderate(activity=pending, action="approve", by=curator)
    editor = editor_of(pending.organization)
    directory.activity_update(activity=pending, by=editor, title="Tricot du jeudi")
    changes = changes_since_approved(activity=pending)
    assert [(c.field, c.after) for c in changes] == [("title", "Tricot du jeudi")]
    edit = activity_trail(activity=pending)[0]
    assert edit.action == "edited"
    assert [(c.field, c.after) for c in edit.changes] == [("title", "Tricot du jeudi")]


def test_verifying_an_organization_is_a_curators_act_in_its_territory(pending):
    organization = pending.organization
    for refused in (editor_of(organization, role="owner"), curator_of("44143")):
        with pytest.raises(PermissionDenied):
            organization_verify(organization=organization, by=refused, verified=True)
    assert not Organization.objects.get(pk=organization.pk).verified
    curator = curator_of("44109")
    organization_verify(organization=organization, by=curator, verified=True, reason="RNA vu")
    assert Organization.objects.get(pk=organization.pk).verified
    entry = organization_trail(organization=organization)[0]
    assert (entry.action, entry.reason, entry.by_id) == ("verified", "RNA vu", curator.pk)
