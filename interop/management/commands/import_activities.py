"""`manage.py import_activities`: the import the API starts, run here with a progress bar."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from activities.models import Membership, Organization
from backend.errors import ApplicationError
from interop.imports import runner
from interop.models import ImportJob, ImportKind


class Command(BaseCommand):
    help = (
        "Import activities into an organization from a file or an address, through the same "
        "runner as the API: idempotent (the same source twice changes nothing), activities "
        "gone from the source archived. Submitted for review unless --publish."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="A file's path, or an http(s) address.")
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument(
            "--publish", action="store_true", help="Publish at once rather than submit."
        )
        parser.add_argument(
            "--user",
            help="Email of the editor the import acts as (default: the organization's first "
            "owner, else its first editor).",
        )
        parser.add_argument("--language", default=settings.LANGUAGE_CODE)
        parser.add_argument(
            "--category",
            action="append",
            default=[],
            help="A category (slug or name) for the items that give none; repeat for more.",
        )
        parser.add_argument(
            "--place",
            help="The name of the organization's place for the in-person items that give none "
            "Relier can locate.",
        )

    def handle(self, *args, **options) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organization has the slug {options['organization']!r}.")
        by = self._importer(organization, options["user"])
        source = options["source"]
        data = None
        if not source.startswith(("http://", "https://")):
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"No file at {source}.")
            data, source = path.read_bytes(), os.path.basename(source)
        place = None
        if options["place"]:
            place = organization.places.filter(name__iexact=options["place"]).first()
            if place is None:
                raise CommandError(f"{organization.slug} has no place named {options['place']!r}.")
        try:
            job = runner.import_job_create(
                organization=organization,
                by=by,
                kind=options["kind"],
                source=source,
                data=data,
                publish=options["publish"],
                language=options["language"],
                default_categories=options["category"],
                default_place=place,
            )
        except ApplicationError as error:
            raise CommandError(runner.describe(error)) from error
        bar: tqdm | None = None

        def progress(job: ImportJob) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=job.total, unit="item", file=self.stderr._out)
            bar.update(job.done - bar.n)

        try:
            job = runner.job_run(job=job, on_progress=progress)
        finally:
            if bar is not None:
                bar.close()
        self._report(job)

    def _importer(self, organization: Organization, email: str | None) -> User:
        memberships = Membership.objects.filter(organization=organization).select_related("user")
        if email:
            membership = memberships.filter(user__email__iexact=email).first()
            if membership is None:
                raise CommandError(f"{email} is not an editor of {organization.slug}.")
            return membership.user
        membership = memberships.order_by("-role", "pk").first()  # owner before editor
        if membership is None:
            raise CommandError(f"{organization.slug} has no member to act as: give --user.")
        return membership.user

    def _report(self, job: ImportJob) -> None:
        report = job.report
        counts = ", ".join(
            f"{name} {report[name]}"
            for name in ("created", "updated", "unchanged", "archived", "skipped")
        )
        self.stdout.write(f"Import {job.pk} {job.state}: {job.total} items; {counts}.")
        for key in ("warnings", "errors"):
            for entry in report[key]:
                where = f"{entry['position']}: " if entry["position"] else ""
                self.stdout.write(f"  {key[:-1]} {where}{entry['message']}")
            hidden = report.get(f"{key}_count", 0) - len(report[key])
            if hidden > 0:
                self.stdout.write(f"  ... and {hidden} more {key}")
        if job.state == "failed":
            raise CommandError("The import failed: nothing was read.")
