"""Fixtures of the contract run (.ci/contract): the demo directory, a resident with a matching
profile, an editor whose verified organization owns a place, a published activity with
its schedules and sessions, and objects meant to be deleted, and a curator of the commune
of that place (Nantes) with something to decide: an unverified association's activity
waiting for review there, and the published activity reported twice; a referrer of a
verified social action centre with persons, consents and a referral to that activity.
Writes, as JSON to the file named by its argument, each role's access token and the ids that
the run sends as path parameters.

Run with the environment of the served app (same database and JWT signing key).
"""

import datetime
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from accounts.services import user_register  # noqa: E402
from activities import services, taxonomy  # noqa: E402
from activities.models import Membership, Occurrence, Organization, Registration, Territory  # noqa: E402
from curation.models import Report  # noqa: E402
from curation.services.collections import (  # noqa: E402
    ItemInput,
    collection_create,
    collection_set_items,
)
from curation.services.indicators import indicator_upload  # noqa: E402
from impact import services as impact  # noqa: E402
from interop.exports.ids import export_id  # noqa: E402
from interop.imports.runner import import_job_create, job_run  # noqa: E402
from interop.services import calendar_feed_issue  # noqa: E402
from matching.services import profile_update  # noqa: E402
from referrals import services as referrals  # noqa: E402
from referrals.models import Shortlist, ShortlistItem  # noqa: E402
from visiting import services as visiting  # noqa: E402
from visiting.models import PairingRun  # noqa: E402

PASSWORD = "contract run password 25"
NANTES = (47.2184, -1.5536)


def access_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def main(output: str) -> None:
    call_command("load_demo", verbosity=0, stdout=sys.stderr)
    today = timezone.localdate()

    resident = user_register(email="resident@contract.test", password=PASSWORD)
    profile_update(
        user=resident,
        home=NANTES,
        matching_consent=True,
        interests={taxonomy.slugs()[0]: 1.0},
    )

    editor = user_register(email="editor@contract.test", password=PASSWORD)
    colleague = user_register(email="colleague@contract.test", password=PASSWORD)
    organization = services.organization_create(by=editor, name="Club du contrat")
    # Verifying is a curator's act; the fixture does it so that submitting publishes at once.
    Organization.objects.filter(pk=organization.pk).update(verified=True)
    organization.refresh_from_db()
    membership = services.membership_add(
        organization=organization, by=editor, email=colleague.email
    )
    place = services.place_create(
        organization=organization, by=editor, name="Salle du contrat", lat=NANTES[0], lng=NANTES[1]
    )
    spare_place = services.place_create(
        organization=organization, by=editor, name="Salle libre", lat=47.21, lng=-1.55
    )
    activity = services.activity_create(
        organization=organization,
        by=editor,
        title="Jeux de société du mardi",
        summary="Un après-midi de jeux pour faire connaissance.",
        kind="club",
        categories=[taxonomy.slugs()[0]],
        place=place,
    )
    schedule = services.schedule_create(
        activity=activity,
        by=editor,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        valid_from=today,
    )
    spare_schedule = services.schedule_create(
        activity=activity,
        by=editor,
        dates=[today + datetime.timedelta(days=10)],
        start_time=datetime.time(10),
        end_time=datetime.time(11),
        valid_from=today,
    )
    services.activity_submit(activity=activity, by=editor)
    occurrence = schedule.occurrences.filter(start__gt=timezone.now()).order_by("start").first()
    draft = services.activity_create(
        organization=organization,
        by=editor,
        title="Atelier à archiver",
        summary="Un brouillon que la suite archive.",
        kind="class",
        categories=[taxonomy.slugs()[0]],
        place=place,
    )
    # A published activity withdrawn since: the OpenActive feeds give it, and its sessions,
    # as deleted items.
    withdrawn = services.activity_create(
        organization=organization,
        by=editor,
        title="Atelier retiré",
        summary="Une activité publiée puis archivée.",
        kind="class",
        categories=[taxonomy.slugs()[0]],
        place=place,
    )
    services.schedule_create(
        activity=withdrawn,
        by=editor,
        rrule="FREQ=WEEKLY;BYDAY=WE",
        start_time=datetime.time(10),
        end_time=datetime.time(11),
        valid_from=today,
    )
    services.activity_submit(activity=withdrawn, by=editor)
    services.activity_transition(activity=withdrawn, to="archived", by=editor)
    territory = Territory.objects.filter(insee_code="44109").first() or Territory.objects.first()

    # The curator: an editor of the municipality that curates the place's commune (staff
    # decide who curates what; the fixture does it).
    curator = user_register(email="curator@contract.test", password=PASSWORD)
    city = services.organization_create(by=curator, name="Ville du contrat", kind="municipality")
    city.territories.set([place.territory or territory])
    # Something to decide: a new association's activity waiting for review in the commune...
    applicant = user_register(email="applicant@contract.test", password=PASSWORD)
    association = services.organization_create(by=applicant, name="Association à vérifier")
    hall = services.place_create(
        organization=association, by=applicant, name="Salle à vérifier", lat=47.2151, lng=-1.5531
    )
    pending = services.activity_create(
        organization=association,
        by=applicant,
        title="Chorale en attente",
        summary="Une chorale qui attend la décision de la ville.",
        kind="club",
        categories=[taxonomy.slugs()[0]],
        place=hall,
    )
    services.schedule_create(
        activity=pending,
        by=applicant,
        rrule="FREQ=WEEKLY;BYDAY=TH",
        start_time=datetime.time(15),
        end_time=datetime.time(16),
        valid_from=today,
    )
    services.activity_submit(activity=pending, by=applicant)
    # ... and the published activity reported twice, which raises it in the queue.
    reports = [
        Report.objects.create(activity=activity, reporter=reporter, reason="wrong_information")
        for reporter in (resident, colleague)
    ]
    # A newcomer who missed their first visit last week: the editor's one message after it.
    last_week = timezone.now() - datetime.timedelta(days=7)
    missed = Registration.objects.create(
        user=user_register(email="newcomer@contract.test", password=PASSWORD),
        activity=activity,
        occurrence=Occurrence.objects.create(
            activity=activity,
            series_start=last_week,
            start=last_week,
            end=last_week + datetime.timedelta(hours=2),
        ),
        status="no_show",
        position=1,
        first_visit=True,
    )
    # A published collection of the commune holding the activity, and one to delete.
    commune = place.territory or territory
    collection = collection_create(
        by=curator, territory=commune, title="Sélection du contrat", status="published"
    )
    collection_set_items(collection=collection, by=curator, items=[ItemInput(activity=activity.pk)])
    spare_collection = collection_create(by=curator, territory=commune, title="À supprimer")
    indicator = indicator_upload(
        organization=city,
        territory=commune,
        slug="isolement",
        title="Isolement",
        source="Contrat",
        csv_text=f"insee_code,value\n{commune.insee_code},0.2\n",
        by=curator,
    )
    # A calendar feed of someone who is none of the roles (their rotations would revoke it).
    subscriber = user_register(email="subscriber@contract.test", password=PASSWORD)
    _feed, calendar_token = calendar_feed_issue(user=subscriber)
    # A finished import of the editor's organization (its source held no item).
    import_job = job_run(
        job=import_job_create(
            organization=organization, by=editor, kind="csv", source="contrat.csv", data=b""
        ),
        entries=[],
    )

    # Social prescribing: a verified social action centre and its referrer, a person with
    # their consents referred to the published activity (the editor receives it), and a
    # person to erase.
    social = Organization.objects.create(
        slug="ccas-du-contrat", name="CCAS du contrat", kind="social_action_centre", verified=True
    )
    referrer = user_register(email="referrer@contract.test", password=PASSWORD)
    Membership.objects.create(user=referrer, organization=social, role="referrer")
    person = referrals.person_create(
        organization=social, by=referrer, home=NANTES, first_name="Jeanne", phone="+33612345678"
    )
    referrals.consent_record(person=person, by=referrer, scope="referral", method="oral")
    contact, _created = referrals.consent_record(
        person=person, by=referrer, scope="contact", method="written"
    )
    spare_person = referrals.person_create(organization=social, by=referrer, first_name="Marcel")
    referral = referrals.referral_create(person=person, by=referrer, activity=activity)
    # Outcome measures: the resident agreed to answer; the person to follow-up questions.
    impact.measure_consent_decide(by=resident, decision="agree")
    impact.measure_consent_decide(by=referrer, decision="agree", person=person)

    # A visiting team of the editor's organization (the editor coordinates it): the resident
    # volunteers in it, fully vetted, and is paired (active) with a person who asked, with a
    # visit logged; a second person waits; a pairing run done.
    team = visiting.team_create(organization=organization, by=editor, name="Équipe du contrat")
    volunteer = visiting.volunteer_create(
        team=team, user=resident, by=editor, home=NANTES, availability_mask=(1 << 21) - 1,
        offers=1, capacity=1, charter_signed_on=today, trained_on=today,
        reference_checked_on=today,
    )  # fmt: skip
    visit_request = visiting.request_create(
        team=team, by=editor, entered_by="coordinator", home=NANTES, first_name="Yvonne",
        availability_mask=(1 << 21) - 1, wants=1,
    )  # fmt: skip
    visiting.request_create(
        team=team, by=editor, entered_by="coordinator", home=NANTES, first_name="Lucien",
        availability_mask=1, wants=2,
    )  # fmt: skip
    pairing_run = visiting.pairing_run_execute(
        run=PairingRun.objects.create(team=team, created_by=editor)
    )
    pair = pairing_run.pairs.get()
    visiting.pair_transition(pair=pair, to="accepted_by_volunteer", by=resident)
    visiting.pair_transition(pair=pair, to="active", by=editor)
    visiting.contact_log(pair=pair, by=resident, date=today, duration_minutes=45, kind="visit")
    # A shortlist kept for the person (the seeded activity, whatever the matcher would offer)
    # and a link to it, sent by the log backend.
    shortlist = Shortlist.objects.create(person=person, created_by=referrer, note="Bienvenue")
    ShortlistItem.objects.create(shortlist=shortlist, activity=activity, position=0)
    link = referrals.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")

    fixtures = {
        "tokens": {
            "resident": access_token(resident),
            "editor": access_token(editor),
            "curator": access_token(curator),
            "referrer": access_token(referrer),
        },
        "person": person.pk,
        "spare_person": spare_person.pk,
        "consent": contact.pk,
        "referral": referral.pk,
        "shortlist": shortlist.pk,
        "link": link.pk,
        "organization": organization.slug,
        "membership": membership.pk,
        "place": place.pk,
        "spare_place": spare_place.pk,
        "activity": activity.pk,
        "draft": draft.pk,
        "schedule": schedule.pk,
        "spare_schedule": spare_schedule.pk,
        "occurrence": occurrence.pk,
        "territory": territory.insee_code,
        "pending": pending.pk,
        "applicant_organization": association.slug,
        "report": reports[0].pk,
        "missed_visit": missed.pk,
        "collection": collection.slug,
        "spare_collection": spare_collection.slug,
        "indicator": indicator.pk,
        "calendar_token": calendar_token,
        "hsds_service": export_id("service", activity.pk),
        "hsds_organization": export_id("organization", organization.pk),
        "import_job": import_job.pk,
        "team": team.pk,
        "volunteer": volunteer.pk,
        "visit_request": visit_request.pk,
        "pairing_run": pairing_run.pk,
        "pair": pair.pk,
    }
    Path(output).write_text(json.dumps(fixtures, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
