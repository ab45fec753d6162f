"""The directory: who offers what, where and when.

Field names follow the standards where one exists: Open Referral HSDS (organization, service,
location, schedule), schema.org Event/Schedule, OpenActive SessionSeries/ScheduledSession and
OpenAgenda's accessibility codes.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from activities import choices


class Territory(models.Model):
    """A commune, an intercommunality (EPCI) or a département, with its outline."""

    insee_code = models.CharField(_("INSEE code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=choices.TerritoryKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    min_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "min_lat", "max_lat"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.insee_code})"


class Category(models.Model):
    """A node of the two-level interest taxonomy (seeded by a migration)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    icon = models.CharField(_("icon"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name_fr

    def name_in(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_fr


siren_validator = RegexValidator(r"^\d{9}$", _("A SIREN number has 9 digits."))
rna_validator = RegexValidator(r"^W\d{9}$", _("An RNA number is W followed by 9 digits."))


class Organization(models.Model):
    """A provider: association, municipality, social service, health centre."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=choices.OrganizationKind.choices,
        default=choices.OrganizationKind.ASSOCIATION,
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    rna = models.CharField(_("RNA number"), max_length=10, blank=True, validators=[rna_validator])
    siren = models.CharField(
        _("SIREN number"), max_length=9, blank=True, validators=[siren_validator]
    )
    verified = models.BooleanField(_("verified"), default=False)
    territories = models.ManyToManyField(
        Territory,
        blank=True,
        related_name="curating_organizations",
        verbose_name=_("curated territories"),
        help_text=_("For a municipality organization: the territories it curates."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=choices.MembershipRole.choices,
        default=choices.MembershipRole.EDITOR,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) @ {self.organization}"


class Place(models.Model):
    """A venue: where in-person activities happen (HSDS location + address + accessibility)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(_("name"), max_length=160)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", _("A postal code has 5 digits."))],
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    insee_code = models.CharField(_("INSEE code of the commune"), max_length=5, blank=True)
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="places"
    )
    lat = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    lng = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    h3_cell = models.CharField(_("H3 cell"), max_length=16, db_index=True, editable=False)
    transport_access = models.CharField(_("public transport access"), max_length=300, blank=True)
    wheelchair = models.CharField(
        _("wheelchair access"),
        max_length=8,
        choices=choices.WheelchairAccess.choices,
        default=choices.WheelchairAccess.NONE,
    )
    # OpenAgenda accessibility: support offered for each kind of disability.
    hearing_support = models.BooleanField(_("hearing impairment support"), default=False)
    visual_support = models.BooleanField(_("visual impairment support"), default=False)
    psychic_support = models.BooleanField(_("psychic disability support"), default=False)
    motor_support = models.BooleanField(_("motor disability support"), default=False)
    intellectual_support = models.BooleanField(_("intellectual disability support"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        indexes = [models.Index(fields=["lat", "lng"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="place_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def accessibility(self) -> list[str]:
        return [flag for flag in choices.ACCESSIBILITY_FLAGS if getattr(self, f"{flag}_support")]


class Activity(models.Model):
    """A series offered by an organization (HSDS service, OpenActive SessionSeries)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=160)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=choices.ActivityKind.choices)
    categories = models.ManyToManyField(Category, related_name="activities")
    audiences_mask = models.PositiveIntegerField(_("audiences"), default=1)
    age_min = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    attendance_mode = models.CharField(
        _("attendance mode"),
        max_length=10,
        choices=choices.AttendanceMode.choices,
        default=choices.AttendanceMode.IN_PERSON,
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    service_area = models.ManyToManyField(
        Territory,
        blank=True,
        related_name="served_activities",
        verbose_name=_("service area"),
        help_text=_("Where an at-home or phone activity reaches residents."),
    )
    service_radius_km = models.FloatField(
        _("service radius (km)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(200)],
    )
    languages_mask = models.BigIntegerField(_("languages"), default=1)
    is_free = models.BooleanField(_("free"), default=True)
    price_min = models.DecimalField(
        _("minimum price (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    price_max = models.DecimalField(
        _("maximum price (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    reduced_price = models.DecimalField(
        _("reduced price (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    registration = models.CharField(
        _("registration"),
        max_length=10,
        choices=choices.Registration.choices,
        default=choices.Registration.NONE,
    )
    registration_url = models.URLField(_("registration URL"), blank=True)
    registration_phone = models.CharField(_("registration phone"), max_length=32, blank=True)
    registration_email = models.EmailField(_("registration email"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity per session"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    waitlist = models.BooleanField(
        _("waitlist"),
        default=True,
        help_text=_("When a session is full, residents may join its waitlist."),
    )
    # The welcome of newcomers: who greets them (a member of the organization) and where.
    greeter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="greeted_activities",
        verbose_name=_("greeter"),
        help_text=_("The member of the organization who welcomes newcomers."),
    )
    meeting_point = models.CharField(
        _("meeting point"),
        max_length=300,
        blank=True,
        help_text=_('Where newcomers go, e.g. "ask at the reception for the knitting circle".'),
    )
    intensity = models.CharField(
        _("physical intensity"),
        max_length=8,
        choices=choices.Intensity.choices,
        default=choices.Intensity.LOW,
    )
    group_size = models.CharField(
        _("group size"),
        max_length=12,
        choices=choices.GroupSize.choices,
        default=choices.GroupSize.SMALL,
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=choices.ActivityStatus.choices,
        default=choices.ActivityStatus.DRAFT,
        db_index=True,
    )
    featured = models.BooleanField(_("featured"), default=False)
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Denormalized for search and matching, kept up to date by the services: where the activity
    # takes place (copied from its place) and when (from its materialized sessions).
    lat = models.FloatField(null=True, blank=True, editable=False)
    lng = models.FloatField(null=True, blank=True, editable=False)
    h3_cell = models.CharField(max_length=16, blank=True, editable=False, db_index=True)
    territory = models.ForeignKey(
        Territory,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    weekly_slots = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Bit (weekday * 3 + part of day) set for each kind of upcoming session.",
    )
    next_start = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    source = models.CharField(_("source"), max_length=40, default="relier")
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["lat", "lng"], name="activity_lat_lng")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="activity_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_min__lte=F("age_max")),
                name="activity_age_range",
            ),
            models.CheckConstraint(
                condition=Q(price_min__isnull=True)
                | Q(price_max__isnull=True)
                | Q(price_min__lte=F("price_max")),
                name="activity_price_range",
            ),
            models.CheckConstraint(
                condition=(Q(price_min__isnull=True) | Q(price_min__gte=0))
                & (Q(price_max__isnull=True) | Q(price_max__gte=0))
                & (Q(reduced_price__isnull=True) | Q(reduced_price__gte=0)),
                name="activity_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """Cross-field rules, reported on the field at fault."""
        errors: dict[str, list[str]] = {}
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_min"] = [_("The minimum age is above the maximum age.")]
        prices = (self.price_min, self.price_max, self.reduced_price)
        if self.is_free and any(price not in (None, 0) for price in prices):
            errors["is_free"] = [_("A free activity has no price.")]
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_min > self.price_max
        ):
            errors["price_min"] = [_("The minimum price is above the maximum price.")]
        if self.is_remote:
            if self.place_id is not None:
                errors["place"] = [_("An online, phone or at-home activity has no venue.")]
        elif self.place_id is None and self.status != choices.ActivityStatus.DRAFT:
            errors["place"] = [_("An in-person activity needs a place.")]
        if self.place_id is not None and self.place.organization_id != self.organization_id:
            errors["place"] = [_("This place belongs to another organization.")]
        if errors:
            raise ValidationError(errors)

    @property
    def audiences(self) -> list[str]:
        return choices.values_of(self.audiences_mask, choices.AUDIENCES)

    @property
    def languages(self) -> list[str]:
        return choices.values_of(self.languages_mask, choices.LANGUAGES)

    @property
    def is_remote(self) -> bool:
        return self.attendance_mode in choices.REMOTE_MODES


class Schedule(models.Model):
    """When an activity happens: an RFC 5545 recurrence, or one-off dates (local wall clock)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="schedules")
    rrule = models.CharField(_("recurrence rule (RFC 5545)"), max_length=300, blank=True)
    dates = models.JSONField(_("one-off dates"), default=list, blank=True)
    start_time = models.TimeField(_("local start time"))
    end_time = models.TimeField(_("local end time"))
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    exdates = models.JSONField(_("exception dates"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["valid_from", "start_time", "id"]

    def __str__(self) -> str:
        return f"{self.activity}: {self.rrule or self.dates}"


class Occurrence(models.Model):
    """One session, materialized from a schedule for a rolling window.

    `series_start` identifies the slot within its schedule, so a session that was edited or
    cancelled on its own keeps its edits when the series is materialized again.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="occurrences")
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.CASCADE, related_name="occurrences"
    )
    series_start = models.DateTimeField(_("start in the series"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=choices.OccurrenceStatus.choices,
        default=choices.OccurrenceStatus.SCHEDULED,
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_modified = models.BooleanField(_("edited on its own"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["activity", "start"]),
            models.Index(fields=["start"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "series_start"], name="occurrence_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="occurrence_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} @ {self.start.isoformat()}"


class ActivityTombstone(models.Model):
    """Trace of an activity that left the published directory, for offline sync."""

    activity_id = models.BigIntegerField(_("activity id"), unique=True)
    removed_at = models.DateTimeField(_("removed at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=20)

    class Meta:
        verbose_name = _("activity tombstone")
        verbose_name_plural = _("activity tombstones")

    def __str__(self) -> str:
        return f"{self.activity_id} removed {self.removed_at.isoformat()}"


class Favorite(models.Model):
    """An activity a resident saved."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("favorite")
        verbose_name_plural = _("favorites")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "activity"], name="favorite_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} saved {self.activity}"


class Registration(models.Model):
    """A resident's place at a session, or at an ongoing activity without sessions
    (`occurrence` null).

    `position` is the order of arrival among the registrations of the same session (or
    activity), given under the lock that guards its seats: the waitlist is offered seats in
    that order. A cancelled registration stays as a trace; registering again makes a new row.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="registrations")
    occurrence = models.ForeignKey(
        Occurrence,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=choices.RegistrationStatus.choices
    )
    position = models.PositiveIntegerField(_("order of arrival"))
    first_visit = models.BooleanField(_("first visit"), default=False)
    offered_until = models.DateTimeField(_("seat offered until"), null=True, blank=True)
    shared_needs = models.CharField(
        _("needs shared with the organizers"), max_length=500, blank=True
    )
    # After a first visit: how it went, asked once.
    visit_feeling = models.CharField(
        _("how the visit went"), max_length=5, choices=choices.VisitFeeling.choices, blank=True
    )
    visit_note = models.CharField(_("note on the visit"), max_length=1000, blank=True)
    visit_answered_at = models.DateTimeField(_("visit question answered"), null=True, blank=True)
    # After a first visit missed: the organization's one friendly message.
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["occurrence", "status", "position"]),
            models.Index(fields=["activity", "status", "position"]),
            models.Index(fields=["user", "status"]),
            models.Index(
                fields=["offered_until"],
                condition=Q(status="offered"),
                name="registration_offer_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "occurrence"],
                condition=Q(occurrence__isnull=False) & ~Q(status="cancelled"),
                name="registration_active_per_session",
            ),
            models.UniqueConstraint(
                fields=["user", "activity"],
                condition=Q(occurrence__isnull=True) & ~Q(status="cancelled"),
                name="registration_active_per_ongoing_activity",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offered_until__isnull=False),
                name="registration_offer_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.status} @ {self.occurrence or self.activity}"
