"""What a visiting and befriending programme keeps: its teams, their volunteers and vetting,
the people who asked to be visited or called, the pairing runs, the pairs and their life,
the contacts a volunteer logs, and the pair health alerts.

Homes are stored as residents' are (`matching.services.coarsen`: the centre of an H3 cell,
never the address). A volunteer is fully vetted when every check their team requires is
recorded (`Volunteer.fully_vetted`, and `selectors.vetted_q` for querysets); only they are
ever proposed. A pair's status changes only through `services.pair_transition`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models import Organization, Territory
from visiting import choices

ALL_SLOTS = (1 << 21) - 1


class Team(models.Model):
    """A team of volunteers of an organization, covering territories. Its coordinators are
    the organization's owners and editors."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="visiting_teams"
    )
    name = models.CharField(_("name"), max_length=120)
    territories = models.ManyToManyField(Territory, blank=True, related_name="visiting_teams")
    requires_reference_check = models.BooleanField(_("a reference is checked"), default=True)
    requires_record_check = models.BooleanField(
        _("a criminal record check is required"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visiting team")
        verbose_name_plural = _("visiting teams")

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="volunteers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteering"
    )
    home_lat = models.FloatField()
    home_lng = models.FloatField()
    home_cell = models.CharField(max_length=16)
    reach_km = models.FloatField(
        _("reach (km)"), default=5.0, validators=[MinValueValidator(0.2), MaxValueValidator(100)]
    )
    travel_mode = models.CharField(
        _("travel mode"), max_length=20, choices=choices.TravelMode.choices, default="walk"
    )
    availability_mask = models.PositiveIntegerField(
        _("weekly availability"), validators=[MinValueValidator(1), MaxValueValidator(ALL_SLOTS)]
    )
    languages_mask = models.BigIntegerField(_("languages"), default=1)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    offers = models.PositiveSmallIntegerField(
        _("what they offer"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("how many people they can follow"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    gender = models.CharField(max_length=1, choices=choices.Gender.choices, blank=True)
    wants_gender = models.CharField(
        _("the person's gender they ask for"),
        max_length=1,
        choices=choices.Gender.choices,
        blank=True,
    )
    # Vetting, as the team requires it.
    charter_signed_on = models.DateField(_("charter signed on"), null=True, blank=True)
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    reference_checked_on = models.DateField(_("reference checked on"), null=True, blank=True)
    record_checked_on = models.DateField(_("record checked on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="volunteer_once_per_team")
        ]

    def __str__(self) -> str:
        return f"volunteer {self.pk} of team {self.team_id}"

    @property
    def fully_vetted(self) -> bool:
        team = self.team
        return (
            self.charter_signed_on is not None
            and self.trained_on is not None
            and (not team.requires_reference_check or self.reference_checked_on is not None)
            and (not team.requires_record_check or self.record_checked_on is not None)
        )


class VisitRequest(models.Model):
    """A person who asked (or for whom someone asked) to be visited or called."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="requests")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_by = models.CharField(max_length=12, choices=choices.EnteredBy.choices)
    first_name = models.CharField(_("first name or alias"), max_length=80)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(
        _("address"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the paired volunteer only once the pair is active."),
    )
    home_lat = models.FloatField()
    home_lng = models.FloatField()
    home_cell = models.CharField(max_length=16)
    availability_mask = models.PositiveIntegerField(
        _("weekly availability"), validators=[MinValueValidator(1), MaxValueValidator(ALL_SLOTS)]
    )
    languages_mask = models.BigIntegerField(_("languages"), default=1)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    wants = models.PositiveSmallIntegerField(
        _("what they want"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    gender = models.CharField(max_length=1, choices=choices.Gender.choices, blank=True)
    wants_gender = models.CharField(
        _("the volunteer's gender they ask for"),
        max_length=1,
        choices=choices.Gender.choices,
        blank=True,
    )
    access_notes = models.CharField(_("access notes"), max_length=500, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=0, validators=[MaxValueValidator(3)]
    )
    requested_on = models.DateField(_("requested on"))
    # A professional or a relative enters a request only with the person's consent.
    consent_method = models.CharField(
        max_length=10, choices=choices.ConsentMethod.choices, blank=True
    )
    consent_given_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=choices.RequestStatus.choices, default=choices.RequestStatus.WAITING
    )
    # Set when a pair ended and the person waits again: they go first in the queue.
    returned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit request")
        verbose_name_plural = _("visit requests")
        indexes = [models.Index(fields=["team", "status"])]

    def __str__(self) -> str:
        return f"request {self.pk} of team {self.team_id}"


class PairingRun(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pairing_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=choices.RunStatus.choices, default=choices.RunStatus.QUEUED
    )
    proposed = models.PositiveIntegerField(default=0)
    unpaired = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pairing run")
        verbose_name_plural = _("pairing runs")

    def __str__(self) -> str:
        return f"pairing run {self.pk} of team {self.team_id}"


class Pair(models.Model):
    """A volunteer and a person. Its status changes only through `services.pair_transition`;
    each change is a historical row (who, when, why)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pairs")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="pairs")
    request = models.ForeignKey(VisitRequest, on_delete=models.CASCADE, related_name="pairs")
    run = models.ForeignKey(
        PairingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairs"
    )
    status = models.CharField(
        max_length=24, choices=choices.PairStatus.choices, default=choices.PairStatus.PROPOSED
    )
    kinds = models.PositiveSmallIntegerField(default=0)  # what they will do together (bits)
    score = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list, blank=True)
    end_reason = models.CharField(max_length=20, choices=choices.EndReason.choices, blank=True)
    end_note = models.CharField(max_length=500, blank=True)
    proposed_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The day of the last contact logged, or of the start: a lapse is counted from it.
    last_contact_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_contact_on", "reasons", "score"])

    class Meta:
        verbose_name = _("pair")
        verbose_name_plural = _("pairs")
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=~Q(status="ended"),
                name="pair_one_open_per_request",
            )
        ]
        indexes = [models.Index(fields=["status", "last_contact_on"])]

    def __str__(self) -> str:
        return f"pair {self.pk} ({self.status})"


class Contact(models.Model):
    """A visit, call or outing, logged by the pair's volunteer."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="contacts")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    kind = models.CharField(_("kind"), max_length=8, choices=choices.ContactKind.choices)
    # For the coordinator only: never shown back to anyone else.
    note = models.TextField(_("note for the coordinator"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of pair {self.pair_id} on {self.date}"


class PairAlert(models.Model):
    """A pair health alert: no contact since the day `since`. One per pair and lapse."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="alerts")
    since = models.DateField()
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pair health alert")
        verbose_name_plural = _("pair health alerts")
        constraints = [
            models.UniqueConstraint(fields=["pair", "since"], name="pair_alert_once_per_lapse")
        ]

    def __str__(self) -> str:
        return f"alert of pair {self.pair_id} since {self.since}"
