"""The demo curator: an account of the municipality organization "Nantes Métropole", which
curates the intercommunality of Nantes Métropole (the EPCI territory seeded by the migrations,
its SIREN as code), hence its 24 communes.

`make run` calls `demo_curator_ensure` after loading the demo directory, so a developer can
sign in on the curator tool (`/curation/`) at once. The password is not in the code: it is
generated on the first run, kept in a git-ignored file (`DEMO_CURATOR_PASSWORD_FILE`) and
printed at every start, so a database loaded with the demo and left reachable somewhere does
not open to a password anyone can read in the repository.
"""

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.services import user_register
from activities import choices, services
from activities.demo import DEMO_EMAIL_DOMAIN
from activities.models import Membership, Organization, Territory
from activities.seed import NANTES_METROPOLE

DEMO_CURATOR_EMAIL = f"curateur@{DEMO_EMAIL_DOMAIN}"
DEMO_CURATOR_ORGANIZATION = "Nantes Métropole"
DEMO_CURATOR_PASSWORD_FILE = Path(settings.BASE_DIR) / ".demo" / "curator-password"


@dataclass(frozen=True)
class DemoCurator:
    user: User
    organization: Organization
    territory: Territory
    created: bool


def demo_curator_password(path: Path = DEMO_CURATOR_PASSWORD_FILE) -> str:
    """The demo curator's password kept in `path`, generated and written (owner-readable
    only) on the first call."""
    if path.exists():
        password = path.read_text(encoding="utf-8").strip()
        if password:
            return password
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(password + "\n", encoding="utf-8")
    return password


@transaction.atomic
def demo_curator_ensure(*, password: str) -> DemoCurator:
    """The demo curator of Nantes Métropole, created on the first call; on later calls the
    account, its organization and the curated territory are left as they are, except that the
    password is set back to `password` so the one printed at start always signs in."""
    territory = Territory.objects.get(insee_code=NANTES_METROPOLE["insee_code"])
    user = User.objects.filter(email=DEMO_CURATOR_EMAIL).first()
    created = user is None
    if user is None:
        user = user_register(
            email=DEMO_CURATOR_EMAIL, password=password, display_name="Curatrice de démo"
        )
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__name=DEMO_CURATOR_ORGANIZATION)
        .first()
    )
    if membership is None:
        organization = services.organization_create(
            by=user,
            name=DEMO_CURATOR_ORGANIZATION,
            kind=choices.OrganizationKind.MUNICIPALITY,
            description="Métropole de 24 communes ; veille sur les activités de son territoire.",
            siren=NANTES_METROPOLE["insee_code"],
        )
    else:
        organization = membership.organization
    # Which territories a municipality curates is set by the platform's staff (the main admin);
    # no service of the API writes it, so the demo sets it as staff would.
    organization.territories.add(territory)
    return DemoCurator(user=user, organization=organization, territory=territory, created=created)
