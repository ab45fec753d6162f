from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the Nantes demo directory (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write("The demo directory arrives with the activities app.")
