"""What the outcome measures keep: each person's agreement (or refusal, for good), their
answers per instrument and time, and the follow-up requests made to them.

A person measured is either a resident (`user`, who answers in the app) or a person referred
by a social prescriber (`person`, held by the referring organization, who answers through
their referrer); exactly one of the two is set on every row. A referred person's agreement is
their standing consent of scope `follow_up` (`referrals.Consent`); a resident's is
`MeasureConsent.agreed_at`. Declining is kept on `MeasureConsent` for both, and is final.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from impact import choices
from referrals.models import Person

ONE_SUBJECT = (Q(user__isnull=False) & Q(person__isnull=True)) | (
    Q(user__isnull=True) & Q(person__isnull=False)
)


class MeasureConsent(models.Model):
    """A person's answer to "may we ask you how you feel, now and later?"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="measure_consent",
    )
    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="measure_consent"
    )
    agreed_at = models.DateTimeField(_("agreed"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined for good"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consent to measures")
        verbose_name_plural = _("consents to measures")
        constraints = [models.CheckConstraint(condition=ONE_SUBJECT, name="measure_consent_one")]

    def __str__(self) -> str:
        return f"measure consent of {self.user_id or self.person_id}"


class Measurement(models.Model):
    """One instrument answered by one person at one time (intake, 6 weeks, 3 months).

    The scores are kept in columns of their own (the instrument's measures, None where the
    answers needed are missing), so a report averages them in the database."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="measurements"
    )
    instrument = models.CharField(_("instrument"), max_length=12, choices=choices.Instrument)
    context = models.CharField(_("when"), max_length=8, choices=choices.Context)
    answers = models.JSONField(_("answers"))
    measured_on = models.DateField(_("measured on"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ucla3 = models.PositiveSmallIntegerField(null=True, blank=True)
    lonely = models.PositiveSmallIntegerField(null=True, blank=True)
    life_satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    worthwhile = models.PositiveSmallIntegerField(null=True, blank=True)
    happiness = models.PositiveSmallIntegerField(null=True, blank=True)
    anxiety = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["measured_on", "id"]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="measurement_one_subject"),
            models.UniqueConstraint(
                fields=["user", "instrument", "context"],
                condition=Q(user__isnull=False),
                name="measurement_once_per_user_time",
            ),
            models.UniqueConstraint(
                fields=["person", "instrument", "context"],
                condition=Q(person__isnull=False),
                name="measurement_once_per_person_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.context} of {self.user_id or self.person_id}"


class FollowUp(models.Model):
    """A follow-up asked: to a resident in their inbox, to a referred person through the
    follow-ups listed to their referrer. One per person and time; answered when a measure of
    that time is recorded."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    context = models.CharField(_("when"), max_length=8, choices=choices.Context)
    first_attended_on = models.DateField(_("first session attended"))
    due_on = models.DateField(_("due"))
    asked_at = models.DateTimeField(_("asked"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["asked_at"])]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="follow_up_one_subject"),
            models.UniqueConstraint(
                fields=["user", "context"],
                condition=Q(user__isnull=False),
                name="follow_up_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["person", "context"],
                condition=Q(person__isnull=False),
                name="follow_up_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.context} follow-up of {self.user_id or self.person_id}"


class Tie(models.Model):
    """A person's sessions attended at one activity: the first, the last, how many. The ties
    that last, kept up to date by the receiver of the directory's `registration_changed` (and
    rebuilt every night from the registrations, `services.ties_rebuild`), so that a report
    reads one row per person and activity instead of every session."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField(_("first session attended"))
    last_at = models.DateTimeField(_("last session attended"))
    sessions = models.PositiveIntegerField(_("sessions attended"))

    class Meta:
        verbose_name = _("tie")
        verbose_name_plural = _("ties")
        indexes = [models.Index(fields=["activity", "user"])]
        constraints = [models.UniqueConstraint(fields=["user", "activity"], name="tie_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.activity_id}: {self.sessions}"
