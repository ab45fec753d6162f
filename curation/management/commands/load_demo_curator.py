from django.core.management.base import BaseCommand

from curation.demo import DEMO_CURATOR_PASSWORD_FILE, demo_curator_ensure, demo_curator_password


class Command(BaseCommand):
    help = (
        "Create the demo curator of Nantes Métropole (idempotent) and print how to sign in on "
        "the curator tool. The password is generated once and kept in .demo/curator-password."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", default="/curation/", help="where the curator tool is served (printed)"
        )

    def handle(self, *args, url: str, **options) -> None:
        password = demo_curator_password(DEMO_CURATOR_PASSWORD_FILE)
        curator = demo_curator_ensure(password=password)
        self.stdout.write(
            f"Demo curator of {curator.territory.name}: sign in on {url} as "
            f"{curator.user.email} with the password {password}"
        )
