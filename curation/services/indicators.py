"""Indicators a curating organization uploads per commune (a CSV), to weigh its coverage."""

from __future__ import annotations

import csv
import io
import math

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices
from activities.models import Organization, Territory
from backend.errors import Conflict, PermissionDenied
from backend.validation import full_clean, validation_failed
from curation.models import Indicator, IndicatorValue
from curation.scope import curator_scope
from curation.selectors.coverage import territory_and_below

CSV_COLUMNS = ("insee_code", "value")
# Errors listed for one upload: enough to fix a file, not a wall of text.
MAX_REPORTED_ERRORS = 20


def _parse(csv_text: str, communes: dict[str, int]) -> dict[int, float]:
    """Commune id -> value, or `ValidationFailed` on `csv` listing the lines at fault."""
    lines = csv_text.lstrip("\ufeff").splitlines()
    header = lines[0] if lines else ""
    # French spreadsheets write semicolons between columns (the comma is their decimal mark).
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    errors: list[str] = []
    try:
        columns = [column.strip().lower() for column in next(reader, [])]
    except csv.Error:
        columns = []
    if tuple(columns) != CSV_COLUMNS:
        message = _("Line 1: the header must be %(header)s.") % {"header": ",".join(CSV_COLUMNS)}
        raise validation_failed({"csv": [message]})
    values: dict[int, float] = {}
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            problem = _row_problem(row, communes, seen)
            if problem:
                errors.append(_("Line %(line)s: %(problem)s") % {"line": line, "problem": problem})
                continue
            code, value = row[0].strip(), _number(row[1])
            seen[code] = line
            values[communes[code]] = value
    except csv.Error:
        errors.append(
            _("Line %(line)s: %(problem)s")
            % {"line": reader.line_num, "problem": _("the line cannot be read as CSV.")}
        )
    if not errors and not values:
        errors.append(_("The file has no value: give one line per commune after the header."))
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > len(shown):
            shown.append(
                _("… and %(count)s more lines at fault.") % {"count": len(errors) - len(shown)}
            )
        raise validation_failed({"csv": shown})
    return values


def _number(text: str) -> float:
    return float(text.strip().replace("\u202f", "").replace(" ", "").replace(",", "."))


def _row_problem(row: list[str], communes: dict[str, int], seen: dict[str, int]) -> str | None:
    if len(row) != len(CSV_COLUMNS):
        return _("give two columns, %(header)s.") % {"header": ",".join(CSV_COLUMNS)}
    code = row[0].strip()
    if code in seen:
        return _("commune %(code)s is already given on line %(line)s.") % {
            "code": code,
            "line": seen[code],
        }
    if code not in communes:
        return _("%(code)s is not the INSEE code of a commune of this territory.") % {
            "code": code[:12]
        }
    try:
        value = _number(row[1])
    except ValueError:
        return _("the value is not a number.")
    if not math.isfinite(value) or value < 0:
        return _("the value must be a number, 0 or more.")
    return None


@transaction.atomic
def indicator_upload(
    *,
    organization: Organization,
    territory: Territory,
    slug: str,
    title: str,
    source: str,
    csv_text: str,
    by: User,
) -> Indicator:
    """Store an indicator of `territory`'s communes from a CSV (`insee_code,value`, a header
    line, a decimal comma accepted), replacing the organization's indicator of the same slug
    for that territory. `by` curates the territory as a member of `organization`."""
    scope = curator_scope(by)
    member = organization.pk in scope.organization_ids or by.is_staff
    if not scope.covers(territory.pk) or not member:
        raise PermissionDenied(_("Only the curators of a territory can do this."))
    communes = dict(
        Territory.objects.filter(
            territory_and_below(territory), kind=choices.TerritoryKind.COMMUNE
        ).values_list("insee_code", "pk")
    )
    indicator = (
        Indicator.objects.select_for_update()
        .filter(organization=organization, territory=territory, slug=slug)
        .first()
    ) or Indicator(organization=organization, territory=territory, slug=slug)
    indicator.title = title
    indicator.source = source
    indicator.uploaded_by = by
    full_clean(indicator)
    values = _parse(csv_text, communes)
    try:
        with transaction.atomic():
            indicator.save()
    except IntegrityError as error:  # the same slug uploaded at the same moment
        raise Conflict(_("This indicator is being uploaded by someone else: try again.")) from error
    IndicatorValue.objects.filter(indicator=indicator).delete()
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicator, territory_id=commune, value=value)
        for commune, value in values.items()
    )
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, by: User) -> None:
    """Delete an indicator: the members of its organization who curate its territory."""
    scope = curator_scope(by)
    member = indicator.organization_id in scope.organization_ids or by.is_staff
    if not scope.covers(indicator.territory_id) or not member:
        raise PermissionDenied(_("Only the curators of the organization can delete it."))
    indicator.delete()
