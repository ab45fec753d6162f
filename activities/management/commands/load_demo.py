import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from activities.demo import demo_directory_load


class Command(BaseCommand):
    help = "Load the Nantes demo directory (idempotent: what is already loaded stays as it is)."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        counts = demo_directory_load(today=timezone.localdate())
        self.stdout.write(
            f"Demo directory: {counts['activities_total']} activities of "
            f"{counts['organizations']} organizations "
            f"({counts['activities_created']} new) in {time.perf_counter() - started:.1f} s"
        )
