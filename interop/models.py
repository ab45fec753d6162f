"""Formats in and out. For now: the private address of a resident's calendar feed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """A resident's private calendar address: `/api/v1/calendar/<token>.ics`.

    Calendar apps cannot send a header, so the token in the address is the credential. It is
    not stored: the token is an HMAC of `key` under the server's secret (so the resident can be
    shown their address again), and only its SHA-256 is kept, to find the feed by the token
    it is read with. A database read alone gives neither. Rotating draws a new key; revoking
    deletes the row: the old address is a 404 at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key = models.CharField(_("key"), max_length=64)
    token_hash = models.CharField(_("token hash (SHA-256)"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"


class ImportKind(models.TextChoices):
    CSV = "csv", _("CSV file")
    ICAL = "ical", _("iCalendar feed")
    JSONLD = "jsonld", _("schema.org JSON-LD")
    OPENAGENDA = "openagenda", _("OpenAgenda export")


class ImportState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportRepeat(models.TextChoices):
    """How often a feed given by its address is read again (`next_run_at`)."""

    NEVER = "", _("never")
    DAILY = "daily", _("every day")
    WEEKLY = "weekly", _("every week")


def empty_report() -> dict:
    return {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "archived": 0,
        "skipped": 0,
        "errors": [],
        "warnings": [],
    }


class ImportJob(models.Model):
    """One import of a source (an uploaded file or an address) into an organization.

    `source_key` is what the activities it writes keep as `Activity.source`: with their
    `external_id` it finds them again on the next run of the same source, so an import is
    idempotent, and an item gone from the source is archived. It is derived from the
    organization, the kind and the source (see `interop.imports.runner.source_key`).

    The uploaded bytes are kept for the run only (`data`, emptied when it ends). Messages of
    the report are written in `language`, the importer's, when the task runs. `publish` is
    decided by the API from the importer's rights: True publishes at once, False submits for
    review (which publishes at once for a verified organization, as `activity_submit` says).
    """

    organization = models.ForeignKey(
        "activities.Organization", on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    source = models.CharField(_("source (address or file name)"), max_length=2000)
    source_key = models.CharField(_("source key of its activities"), max_length=40)
    data = models.BinaryField(_("uploaded file"), null=True, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=8, choices=ImportState.choices, default=ImportState.QUEUED
    )
    total = models.PositiveIntegerField(_("items in the source"), default=0)
    done = models.PositiveIntegerField(_("items done"), default=0)
    report = models.JSONField(_("report"), default=empty_report, blank=True)
    language = models.CharField(_("language of the importer"), max_length=8, default="fr")
    publish = models.BooleanField(_("publishes directly"), default=False)
    repeat = models.CharField(
        _("read again"), max_length=8, choices=ImportRepeat.choices, default="", blank=True
    )
    next_run_at = models.DateTimeField(_("next reading"), null=True, blank=True)
    # What a source often lacks (an association's calendar has no categories, its events a
    # room's name without coordinates): given once for the job's items that give none.
    default_categories = models.JSONField(
        _("categories of the items that give none"), default=list, blank=True
    )
    default_place = models.ForeignKey(
        "activities.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place of the in-person items that give none Relier can locate"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="importjob_org_created"),
            models.Index(
                fields=["next_run_at"],
                condition=~models.Q(repeat=""),
                name="importjob_due",
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.kind}) into {self.organization_id}"
