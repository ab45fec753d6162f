"""Reports: a resident flags a published activity (wrong information, no longer exists,
inappropriate, unsafe); the curators of its territory triage the report, and the reporter
reads the outcome on their report."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices as activity_choices
from activities.models import Activity
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from backend.text import require_plain_text
from backend.validation import full_clean, validation_failed
from curation.choices import ReportStatus
from curation.models import Report
from curation.scope import require_curator

OUTCOMES = (ReportStatus.DISMISSED, ReportStatus.ACTED_ON)


@transaction.atomic
def report_create(
    *, activity: Activity, by: User, reason: str, comment: str = ""
) -> tuple[Report, bool]:
    """Report a published activity (any other is not found, as for a resident it does not
    exist). A reporter has at most one open report of an activity: reporting it again returns
    that report, unchanged, and False."""
    # Locked: two reports of the same activity by the same person at once make one.
    activity = (
        Activity.objects.select_for_update()
        .filter(pk=activity.pk, status=activity_choices.ActivityStatus.PUBLISHED)
        .first()
    )
    if activity is None:
        raise NotFound(_("No published activity has this id."))
    require_plain_text(multiline=("comment",), comment=comment)
    existing = Report.objects.filter(
        activity=activity, reporter=by, status=ReportStatus.OPEN
    ).first()
    if existing is not None:
        return existing, False
    report = Report(
        activity=activity, reporter=by, reason=reason, comment=comment, status=ReportStatus.OPEN
    )
    full_clean(report)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Where the lock above does nothing (SQLite), the constraint of one open report per
        # reporter and activity is what stops the second: it reads the first.
        existing = Report.objects.get(activity=activity, reporter=by, status=ReportStatus.OPEN)
        return existing, False
    return report, True


@transaction.atomic
def report_triage(*, report: Report, by: User, status: str, note: str = "") -> Report:
    """Close an open report as `dismissed` or `acted_on`, with a note the reporter reads. Only
    the curators of the activity's territory may (403); a report is triaged once (409).
    Acting on the activity itself (unpublishing, archiving) is moderation's."""
    scope = require_curator(by)
    if not scope.activities(Activity.objects.filter(pk=report.activity_id)).exists():
        raise PermissionDenied(_("You do not curate this activity's territory."))
    if status not in OUTCOMES:
        raise validation_failed(
            {"status": [_("A report is closed as dismissed or acted on.")]}, code="invalid_choice"
        )
    require_plain_text(multiline=("note",), note=note)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.OPEN:
        raise Conflict(_("This report has already been triaged."), code="already_triaged")
    report.status = status
    report.resolution_note = note
    report.resolved_at = timezone.now()
    report.resolved_by = by
    try:
        # The reporter may have erased their account since: the report is still triaged.
        full_clean(report, exclude=["reporter"])
    except ValidationFailed as error:
        # The note is what the client sent as `note`: name it so.
        if "resolution_note" in error.fields:
            raise validation_failed({"note": error.fields["resolution_note"]}) from error
        raise
    report.save()
    return report
