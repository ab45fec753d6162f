"""What municipalities keep: the audit trail of the directory, residents' reports, curated
collections, and the indicators they upload for the coverage map.

The audit trail is django-simple-history's: a historical table per audited model of the
directory, kept here so the directory does not know it is watched. Each historical row holds
the whole row after the change, who made it (`history_user`, from the request or the service's
`by`) and why (`history_change_reason`); what the change was (approved, rejected...) is read
off the difference with the row before it (`selectors.history`).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register

from activities.models import Activity, Organization, Place, Schedule, Territory
from curation import choices

# The denormalized columns the services recompute (location, sessions, timestamps) are left
# out: they change without anyone deciding anything.
register(
    Activity,
    app="curation",
    excluded_fields=[
        "lat",
        "lng",
        "h3_cell",
        "territory",
        "weekly_slots",
        "next_start",
        "created_at",
        "updated_at",
    ],
    m2m_fields=["categories"],
)
register(Organization, app="curation", excluded_fields=["created_at", "updated_at"])
register(Place, app="curation", excluded_fields=["h3_cell", "created_at", "updated_at"])
register(Schedule, app="curation", excluded_fields=["updated_at"])


class Report(models.Model):
    """A resident flags a published activity; the curators of its territory triage it."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="activity_reports",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=choices.ReportReason.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.ReportStatus.choices,
        default=choices.ReportStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.TextField(_("outcome"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["activity", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "reporter"],
                condition=models.Q(status="open"),
                name="report_one_open_per_reporter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.reason} ({self.status})"


class Collection(models.Model):
    """A titled, ordered list of activities that a curating organization publishes for one
    of its territories ("Summer for seniors")."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="collections"
    )
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="collections")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.CollectionStatus.choices,
        default=choices.CollectionStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activities = models.ManyToManyField(
        Activity, through="CollectionItem", related_name="collections"
    )

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("position"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("collection item")
        verbose_name_plural = _("collection items")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "activity"], name="collection_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection_id} #{self.position}: {self.activity_id}"


class Indicator(models.Model):
    """A figure per commune that a curating organization uploads (the share of people over
    75 living alone, say), to weigh the coverage of its territory."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="indicators"
    )
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="indicators")
    slug = models.SlugField(_("slug"), max_length=60)
    title = models.CharField(_("title"), max_length=160)
    source = models.CharField(_("source"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "territory", "slug"], name="indicator_slug_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    value = models.FloatField(_("value"), validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory"], name="indicator_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.territory_id}: {self.value}"
