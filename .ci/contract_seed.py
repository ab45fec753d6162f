"""Fixtures of the contract run (.ci/contract): the demo directory, a resident with a matching
profile, and an editor whose verified organization owns a place, a published activity with
its schedules and sessions, and objects meant to be deleted. Writes, as JSON to the file
named by its argument, each role's access token and the ids that the run sends as path
parameters.

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
from activities.models import Organization, Territory  # noqa: E402
from matching.services import profile_update  # noqa: E402

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
    territory = Territory.objects.filter(insee_code="44109").first() or Territory.objects.first()

    fixtures = {
        "tokens": {"resident": access_token(resident), "editor": access_token(editor)},
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
    }
    Path(output).write_text(json.dumps(fixtures, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
