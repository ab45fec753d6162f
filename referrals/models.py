"""What social prescribing keeps: the referred person (held by the organization that refers
them, with the least data that serves), their consents, every read of their record, the
shortlists made for them and their referrals.

A person usually has no Relier account: `Person` carries the fields of a resident's matching
profile that the matcher needs (home coarsened as `matching.ResidentProfile` stores it), so
the same engine serves them (`services.shortlist_compute`). The shortlist's link (signed,
expiring, revocable: SMS, email, the printed sheet's QR code)
is `ShortlistLink`; a person who later creates an account is `Person.user`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models import Activity, Organization
from referrals import choices


class Person(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referred_persons"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The account the person claimed the record with, if they made one (later).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_records",
    )
    first_name = models.CharField(_("first name or alias"), max_length=80)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # The home as residents' profiles hold it: the centre of an H3 cell, never the address.
    home_lat = models.FloatField(null=True, blank=True)
    home_lng = models.FloatField(null=True, blank=True)
    home_cell = models.CharField(max_length=16, blank=True)
    home_territory = models.ForeignKey(
        "activities.Territory", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mobility = models.CharField(
        _("mobility"), max_length=20, choices=choices.Mobility.choices, blank=True
    )
    max_distance_km = models.FloatField(
        _("how far the person can go (km)"),
        default=3.0,
        validators=[MinValueValidator(0.2), MaxValueValidator(50)],
    )
    step_free = models.BooleanField(_("needs step-free access"), default=False)
    homebound = models.BooleanField(_("cannot leave home"), default=False)
    languages_mask = models.BigIntegerField(_("languages"), default=1)
    availability_mask = models.PositiveIntegerField(_("weekly availability"), default=(1 << 21) - 1)
    interests = models.JSONField(_("interests"), default=dict, blank=True)
    budget_max = models.DecimalField(
        _("most they can pay per session (EUR)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    attendance_modes = models.JSONField(_("accepted attendance modes"), default=list, blank=True)
    access_needs = models.CharField(
        _("access needs"),
        max_length=500,
        blank=True,
        help_text=_("What the receiving organization needs to know to welcome them."),
    )
    # The referrer's own notes: never shown to a receiving organization.
    notes = models.TextField(_("referrer's notes"), max_length=2000, blank=True)
    anonymized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referred person")
        verbose_name_plural = _("referred persons")

    def __str__(self) -> str:
        return f"person {self.pk} of {self.organization_id}"


class Consent(models.Model):
    """One agreement of the person, withdrawable: withdrawing keeps the row (when, by whom)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=12, choices=choices.ConsentScope.choices)
    method = models.CharField(max_length=10, choices=choices.ConsentMethod.choices)
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "scope"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_standing_per_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} of person {self.person_id}"


class AccessLog(models.Model):
    """One read of a person record: who, when, which person, which view. Kept when the
    person is erased (the number stays, the link goes)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person, null=True, on_delete=models.SET_NULL, related_name="access_log"
    )
    person_number = models.PositiveBigIntegerField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    view = models.CharField(max_length=10, choices=choices.PersonView.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["organization", "-at"])]

    def __str__(self) -> str:
        return f"{self.view} of person {self.person_number} by {self.user_id} at {self.at}"


class Shortlist(models.Model):
    """Up to ten activities a referrer picked for a person, with a note for them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="shortlists")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note for the person"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shortlist")
        verbose_name_plural = _("shortlists")

    def __str__(self) -> str:
        return f"shortlist {self.pk} of person {self.person_id}"


class ShortlistItem(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="items")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    # What the person said of it on their link's page (blank: nothing yet).
    answer = models.CharField(max_length=12, choices=choices.Answer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "activity"], name="shortlist_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}: activity {self.activity_id}"


class ShortlistLink(models.Model):
    """A signed, expiring, revocable link to a shortlist's page, sent by SMS or email or
    printed as a QR code. The token is never stored: it is the HMAC-SHA256 (keyed by the
    project's secret key) of the row's id and its random salt, so the worker that sends it
    can compute it again, and only its SHA-256 digest is kept to find the row
    (`referrals.links`)."""

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    salt = models.CharField(max_length=64)
    token_digest = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=choices.LinkChannel.choices)
    # Where it was sent (the person's phone or email at the time); blank for a printed sheet.
    address = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery = models.CharField(
        max_length=8, choices=choices.LinkDelivery.choices, default=choices.LinkDelivery.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shortlist link")
        verbose_name_plural = _("shortlist links")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"link {self.pk} of shortlist {self.shortlist_id}"

    def state(self, now) -> str:
        if self.revoked_at is not None:
            return choices.LinkState.REVOKED
        if self.expires_at <= now:
            return choices.LinkState.EXPIRED
        return choices.LinkState.ACTIVE


class Referral(models.Model):
    """A person referred to an activity (and so its organization) or to an organization.
    Its status changes only through `services.referral_transition`; each change is a
    historical row (who, when, why)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="referrals")
    referring_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_made"
    )
    receiving_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_received"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    shortlist = models.ForeignKey(
        Shortlist, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12,
        choices=choices.ReferralStatus.choices,
        default=choices.ReferralStatus.REQUESTED,
    )
    # Why it was last rejected, put on hold, cancelled or failed (FHIR Task.statusReason).
    status_reason = models.CharField(max_length=500, blank=True)
    # The referrer's note: never shown to the receiving organization.
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The first session the person came to, as the receiving organization marked it (a
    # person without an account has no registration to mark).
    first_session = models.ForeignKey(
        "activities.Occurrence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_attended_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(
        excluded_fields=["updated_at", "note", "first_session", "first_attended_at"]
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.status})"
