"""What the matcher knows of a resident, what it recommends, and what the resident said."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from matching import choices


class ResidentProfile(models.Model):
    """A resident's matching profile.

    The home location is stored coarsened to the centre of an H3 cell (resolution 8, cells of
    about 0.7 km²): the exact address is never stored, and the coarse point is never shown to
    anyone else. Sensitive fields (audiences such as caregiver or illness, the loneliness
    score) are kept only with an explicit consent, recorded with its time.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident_profile"
    )
    home_lat = models.FloatField(null=True, blank=True)
    home_lng = models.FloatField(null=True, blank=True)
    home_cell = models.CharField(max_length=16, blank=True, db_index=True)
    home_territory = models.ForeignKey(
        "activities.Territory", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    max_distance_km = models.FloatField(
        _("how far the resident can go (km)"),
        default=3.0,
        validators=[MinValueValidator(0.2), MaxValueValidator(50)],
    )
    transport_modes = models.JSONField(_("transport modes"), default=list, blank=True)
    step_free = models.BooleanField(_("needs step-free access"), default=False)
    homebound = models.BooleanField(_("cannot leave home"), default=False)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    interests = models.JSONField(
        _("interests"), default=dict, blank=True, help_text=_("Category slug -> weight 0..1.")
    )
    availability_mask = models.PositiveIntegerField(
        _("weekly availability"),
        default=(1 << 21) - 1,
        help_text=_("Bit (weekday * 3 + part of day) set when the resident is free."),
    )
    languages_mask = models.BigIntegerField(_("languages"), default=1)
    budget_max = models.DecimalField(
        _("most they can pay per session (EUR)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    attendance_modes = models.JSONField(_("accepted attendance modes"), default=list, blank=True)
    group_sizes = models.JSONField(_("preferred group sizes"), default=list, blank=True)
    audiences_mask = models.PositiveIntegerField(_("audiences (sensitive)"), default=0)
    loneliness_score = models.PositiveSmallIntegerField(
        _("UCLA 3-item loneliness score (sensitive)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(9)],
    )
    matching_consent_at = models.DateTimeField(_("consent to matching"), null=True, blank=True)
    sensitive_consent_at = models.DateTimeField(
        _("consent to sensitive data"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("resident profile")
        verbose_name_plural = _("resident profiles")

    def __str__(self) -> str:
        return f"profile of {self.user}"


class JSONDocumentField(models.JSONField):
    """A JSONField kept on PostgreSQL as `json` (the text, checked on the way in) rather
    than `jsonb`: for values that are always written and read whole and never queried
    inside. A publication rewrites hundreds of lists, and converting them to `jsonb`'s binary
    form was most of PostgreSQL's part of that write (see docs/benchmarks.md)."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg decodes `json` itself (Django has it hand over `jsonb` as text).
        if isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value


class RecommendationSet(models.Model):
    """One resident's current recommendations, best first: `activity_ids`, with each one's
    `scores` and `reasons` (one reason key per activity, see `engine.reason_keys`: a category
    id, a distance or a way of attending, and the other reasons as bits). Read through
    `selectors.recommendation_list_for`, which renders the reasons in the reader's language.

    `computed_at` is when the list was last computed against the whole directory; merging one
    published or changed activity into it (`services.recommendations_for_activity`) changes
    the list but not that time, so the sweep still renews lists that are old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations"
    )
    computed_at = models.DateTimeField()
    engine_version = models.CharField(max_length=20)
    # The ids, in order: what a publication reads for thousands of residents (GIN-indexed on
    # PostgreSQL: the sets listing an activity).
    activity_ids = models.JSONField(default=list)
    scores = JSONDocumentField(default=list)
    reasons = JSONDocumentField(default=list)
    # The lowest score of a full list (TOP_K items), 0 for a shorter one: an activity scoring
    # below it cannot enter the list.
    threshold = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("recommendation set")
        verbose_name_plural = _("recommendation sets")

    def __str__(self) -> str:
        return f"recommendations of {self.user}"


class Feedback(models.Model):
    """What a resident said of an activity: one row per signal and activity, so saving twice
    keeps one save, and undoing it deletes that row. A `rating` needs an `attended` signal
    for the same activity first: nothing else records that the resident went."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="feedback")
    signal = models.CharField(max_length=10, choices=choices.FeedbackSignal.choices)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            # Also what a double tap meets: the second insert fails and reads the first.
            models.UniqueConstraint(
                fields=["user", "activity", "signal"], name="feedback_one_per_signal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.signal} {self.activity_id}"
