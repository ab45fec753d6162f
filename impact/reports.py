"""Impact reports for curators (their territories) and organizations (their own activities
and referrals): referrals by stage, the mean change of the measures from intake to 3 months,
and retention, broken down by territory, programme kind and referring organization kind.

Only people who agreed to the measures are read (`selectors.reported_users`,
`selectors.consenting_persons`); a referral's stages before attendance (made, accepted) are
the referral's own record. Every count goes through `impact.suppression`; the tables that
break down the same total (the referrals by territory, by kind, by referring kind) are
suppressed together, so that one never publishes a total another needed hidden. A mean is
published only with its number of people, and only when that number is.

One module for the report's parts, its CSV and its charts: they share one shape (`Report`)."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import Activity, Organization, Territory
from backend.errors import PermissionDenied
from curation.scope import curator_scope
from curation.selectors.coverage import territory_and_below
from impact import instruments, selectors, stats
from impact.choices import Context
from impact.models import Measurement
from impact.suppression import THRESHOLD, published, published_linked

if TYPE_CHECKING:
    from matplotlib.figure import Figure
from referrals.choices import ReferralStatus
from referrals.models import Referral
from referrals.selectors import receiving_organizations, referrer_organizations

STAGES = ("not_accepted", "accepted_not_attended", "attended_not_at_3_months", "at_3_months")
RETENTION_WEEKS = selectors.TIES_WEEKS
THREE_MONTHS = datetime.timedelta(weeks=12)
MEASURES = (instruments.UCLA3, "life_satisfaction", "worthwhile", "happiness", "anxiety")
CHARTS = (("funnel", "Referrals by stage"), ("change", "Mean change"), ("retention", "Retention"))
ACCEPTED = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.IN_PROGRESS,
    ReferralStatus.ON_HOLD,
    ReferralStatus.COMPLETED,
)
STARTED = (ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED)
NONE = "none"


@dataclasses.dataclass(frozen=True)
class ReportScope:
    kind: str  # territory | organization
    key: str  # INSEE code or slug
    name: str
    activities: QuerySet[Activity]
    referrals: QuerySet[Referral]


@dataclasses.dataclass(frozen=True)
class Report:
    scope: ReportScope
    body: dict


def activities_reported_to(*, user: User) -> QuerySet[Activity]:
    """The activities of the organizations `user` owns or edits, and those in the
    territories they curate."""
    scope = curator_scope(user)
    own = Activity.objects.filter(organization__in=receiving_organizations(user=user))
    if not scope.is_curator:
        return own
    return Activity.objects.filter(
        Q(pk__in=own.values("pk")) | Q(pk__in=scope.activities(Activity.objects.all()).values("pk"))
    )


def report_scope(
    *, user: User, territory: str | None = None, organization: str | None = None
) -> ReportScope:
    """A curator's territory (with the territories under it), or an organization its owners,
    editors or referrers read: its activities, the referrals it made or received."""
    if territory is not None:
        place = get_object_or_404(Territory, insee_code=territory)
        if not curator_scope(user).covers(place.pk):
            raise PermissionDenied(_("Only the curators of this territory can read its report."))
        # The territories' ids as values, not a subquery: the planner then knows how many
        # activities and sessions it reads.
        below = list(
            Territory.objects.filter(territory_and_below(place)).values_list("pk", flat=True)
        )
        activities = Activity.objects.filter(territory_id__in=below)
        return ReportScope(
            "territory",
            place.insee_code,
            place.name,
            activities,
            Referral.objects.filter(activity__in=activities),
        )
    held = get_object_or_404(Organization, slug=organization)
    mine = receiving_organizations(user=user) | referrer_organizations(user=user)
    if not (user.is_staff or mine.filter(pk=held.pk).exists()):
        raise PermissionDenied(_("Only the members of this organization can read its report."))
    return ReportScope(
        "organization",
        held.slug,
        held.name,
        Activity.objects.filter(organization=held),
        Referral.objects.filter(Q(receiving_organization=held) | Q(referring_organization=held)),
    )


def _table(labels: list[str], columns: tuple[str, ...], grid: list[list[int | None]]) -> dict:
    """A suppressed grid as JSON: None where suppressed."""
    return {
        "rows": labels,
        "columns": list(columns),
        "cells": [row[:-1] for row in grid[:-1]],
        "row_totals": [row[-1] for row in grid[:-1]],
        "column_totals": grid[-1][:-1],
        "total": grid[-1][-1],
    }


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


def _referral_stages(scope: ReportScope) -> list[tuple[int, dict[str, str], int]]:
    """The referrals counted by furthest stage and breakdown labels, in the database:
    (stage, labels, referrals), a few dozen rows whatever the number of referrals."""
    history = Referral.history.filter(id=OuterRef("pk"))
    ties = selectors.reported_ties().filter(
        user_id=OuterRef("person__user_id"), activity_id=OuterRef("activity_id")
    )
    rows = (
        scope.referrals.annotate(
            accepted=Exists(history.filter(status__in=ACCEPTED)),
            started=Exists(history.filter(status__in=STARTED)),
            seen=Exists(ties),
            stayed=Exists(ties.filter(last_at__gte=F("first_at") + THREE_MONTHS)),
        )
        .values(
            "status",
            "accepted",
            "started",
            "seen",
            "stayed",
            "activity__kind",
            "activity__territory__name",
            "referring_organization__kind",
        )
        .annotate(referrals=Count("pk"))
        .order_by()
    )
    out = []
    for row in rows:
        stage = 0
        if row["accepted"] or row["status"] in ACCEPTED:
            stage = 1
        if row["started"] or row["status"] in STARTED or row["seen"]:
            stage = 2
        if row["stayed"]:
            stage = 3
        labels = {
            "territory": row["activity__territory__name"] or NONE,
            "programme_kind": row["activity__kind"] or NONE,
            "referring_kind": row["referring_organization__kind"] or NONE,
        }
        out.append((stage, labels, row["referrals"]))
    return out


def _referrals_part(stages) -> dict:
    breakdowns = ("territory", "programme_kind", "referring_kind")
    tables, labels = [], []
    for by in breakdowns:
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(STAGES))
        for stage, groups, referrals in stages:
            counts[groups[by]][stage] += referrals
        names = sorted(counts) or [NONE]
        labels.append(names)
        tables.append([counts[name] if name in counts else [0] * len(STAGES) for name in names])
    grids = published_linked(tables)
    totals = grids[0][-1]
    # Each stage reached counts the referrals at that stage or further: the grand total for
    # the first; for the others, published only when every part is (a sum of published cells
    # gives nothing away).
    parts = totals[:-1]
    reached = {"made": totals[-1]}
    for index, name in enumerate(("accepted", "attended_once", "still_at_3_months"), start=1):
        tail = parts[index:]
        reached[name] = None if any(value is None for value in tail) else sum(tail)
    return {
        "stages": list(STAGES),
        "funnel": reached,
        "by": {
            by: _table(names, STAGES, grid)
            for by, names, grid in zip(breakdowns, labels, grids, strict=True)
        },
    }


def _subjects(scope: ReportScope) -> tuple[QuerySet, QuerySet]:
    """The people of the report, as subqueries: the accounts that may be reported with a tie
    to the scope's activities, and the consenting persons referred in the scope."""
    users = selectors.reported_ties(activities=scope.activities.values("pk")).values("user_id")
    persons = (
        selectors.consenting_persons()
        .filter(referrals__in=scope.referrals.values("pk"))
        .values("pk")
    )
    return users, persons


def _change_part(users: QuerySet, persons: QuerySet) -> dict:
    """Mean change from intake to 3 months, per measure, over the people measured at both:
    the count, sum and sum of squares of the differences, summed in the database. The ORM
    builds the pairs (one row per person: each measure at intake and at 3 months); an outer
    SELECT sums them, which the ORM cannot do over grouped rows."""
    pairs = (
        Measurement.objects.filter(
            Q(user_id__in=users) | Q(person_id__in=persons),
            context__in=[Context.INTAKE, Context.MONTH_3],
            instrument__in=[instruments.UCLA3, instruments.ONS4],
        )
        .values("user_id", "person_id")
        .annotate(
            **{f"b_{m}": Max(m, filter=Q(context=Context.INTAKE)) for m in MEASURES},
            **{f"a_{m}": Max(m, filter=Q(context=Context.MONTH_3)) for m in MEASURES},
        )
        .order_by()
    )
    inner, params = pairs.query.sql_with_params()
    columns = ", ".join(
        f"COUNT(a_{m} - b_{m}), SUM(a_{m} - b_{m}), SUM((a_{m} - b_{m}) * (a_{m} - b_{m}))"
        for m in MEASURES
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM ({inner}) pairs", params)
        row = cursor.fetchone()
    sums = {
        m: (int(row[3 * i]), float(row[3 * i + 1] or 0), float(row[3 * i + 2] or 0))
        for i, m in enumerate(MEASURES)
    }
    changes = {m: stats.mean_change_from_sums(*sums[m]) for m in MEASURES}
    grid = published([[changes[m].n] for m in MEASURES])  # people per measure, hidden under 5
    part = {}
    for index, measure in enumerate(MEASURES):
        change = changes[measure]
        shown = grid[index][0] is not None and change.n >= THRESHOLD
        part[measure] = {
            "n": grid[index][0],
            "mean": _rounded(change.mean if shown else None),
            "low": _rounded(change.low if shown else None),
            "high": _rounded(change.high if shown else None),
            "lower_is_better": measure in instruments.LOWER_IS_BETTER,
        }
    return part


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _retention_part(scope: ReportScope, now) -> dict:
    """Per person, their first activity in the scope (their earliest tie there): still
    attending it 4, 8, 12 weeks later, by that activity's programme kind; counted in the
    database. People whose week has not come are not counted for it yet."""
    in_scope = selectors.reported_ties(activities=scope.activities.values("pk"))
    earlier = in_scope.filter(user_id=OuterRef("user_id")).filter(
        Q(first_at__lt=OuterRef("first_at"))
        | Q(first_at=OuterRef("first_at"), activity_id__lt=OuterRef("activity_id"))
    )
    counted = {}
    for weeks in RETENTION_WEEKS:
        span = datetime.timedelta(weeks=weeks)
        come = Q(first_at__lte=now - span)
        counted[f"people_{weeks}"] = Count("pk", filter=come)
        counted[f"still_{weeks}"] = Count("pk", filter=come & Q(last_at__gte=F("first_at") + span))
    rows = list(
        in_scope.filter(~Exists(earlier))
        .values("activity__kind")
        .annotate(**counted)
        .order_by("activity__kind")
    )
    names = [row["activity__kind"] for row in rows] or [NONE]
    part = {"weeks": list(RETENTION_WEEKS), "by_programme_kind": {}, "curve": []}
    for weeks in RETENTION_WEEKS:
        cells = [
            [row[f"still_{weeks}"], row[f"people_{weeks}"] - row[f"still_{weeks}"]] for row in rows
        ] or [[0, 0]]
        grid = published(cells)
        part["by_programme_kind"][str(weeks)] = _table(names, ("still_attending", "stopped"), grid)
        still, total = grid[-1][0], grid[-1][-1]
        part["curve"].append(
            {
                "weeks": weeks,
                "people": total,
                "still_attending": still,
                "share": _share(still, total),
            }
        )
    return part


def build(
    *, scope: ReportScope, language: str = "en", now: datetime.datetime | None = None
) -> Report:
    now = now or timezone.now()
    users, persons = _subjects(scope)
    body = {
        "scope": {"kind": scope.kind, "key": scope.key, "name": scope.name},
        "generated_at": now,
        "threshold": THRESHOLD,
        "referrals": _referrals_part(_referral_stages(scope)),
        "change": _change_part(users, persons),
        "retention": _retention_part(scope, now),
    }
    return Report(scope=scope, body=body)


def activity_ties(*, activity: Activity) -> dict:
    """The activity's newcomers by how often they came back, suppressed."""
    grid = published([selectors.activity_comebacks(activity=activity)])
    once, twice, more, total = grid[0]
    back_second = None if twice is None or more is None else twice + more
    return {
        "activity": activity.pk,
        "newcomers": total,
        "came_once": once,
        "came_twice": twice,
        "came_three_times_or_more": more,
        "back_second_time_share": _share(back_second, total),
        "back_third_time_share": _share(more, total),
    }


def as_csv(report: Report) -> str:
    """One line per published figure: part, table, row, column, value (empty: suppressed)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["part", "table", "row", "column", "value"])
    body = report.body
    for name, value in body["referrals"]["funnel"].items():
        writer.writerow(["referrals", "funnel", name, "referrals", _cell(value)])
    for by, table in body["referrals"]["by"].items():
        _table_rows(writer, "referrals", by, table)
    for measure, change in body["change"].items():
        for column in ("n", "mean", "low", "high"):
            writer.writerow(
                ["change", "intake_to_3_months", measure, column, _cell(change[column])]
            )
    for weeks, table in body["retention"]["by_programme_kind"].items():
        _table_rows(writer, "retention", f"{weeks}_weeks", table)
    return out.getvalue()


def _cell(value) -> str:
    return "" if value is None else str(value)


def _table_rows(writer, part: str, name: str, table: dict) -> None:
    for label, cells, total in zip(table["rows"], table["cells"], table["row_totals"], strict=True):
        for column, value in zip(table["columns"], cells, strict=True):
            writer.writerow([part, name, label, column, _cell(value)])
        writer.writerow([part, name, label, "total", _cell(total)])
    for column, value in zip(table["columns"], table["column_totals"], strict=True):
        writer.writerow([part, name, "total", column, _cell(value)])
    writer.writerow([part, name, "total", "total", _cell(table["total"])])


# --- charts ------------------------------------------------------------------------------


def chart_png(report: Report, chart: str) -> bytes:
    """One chart of the report as a PNG (matplotlib, Agg)."""
    # matplotlib is imported where a chart is drawn, not with the module: every web worker
    # imports this one, and few of their requests ever draw a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(chart_figure(report, chart)).print_png(buffer)
    return buffer.getvalue()


def chart_figure(report: Report, chart: str) -> Figure:
    """One chart of the report: a title naming the scope, named axes and the number of
    people (or referrals) on each bar or point."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5), dpi=100)
    axes = figure.add_subplot()
    body = report.body
    name = report.scope.name
    if chart == "funnel":
        funnel = body["referrals"]["funnel"]
        labels = [_("Made"), _("Accepted"), _("Attended once"), _("Still at 3 months")]
        values = [funnel[key] for key in ("made", "accepted", "attended_once", "still_at_3_months")]
        bars = axes.bar(labels, [value or 0 for value in values], color="#3182bd")
        for bar, value in zip(bars, values, strict=True):
            axes.annotate(
                _("n = %(n)s") % {"n": value} if value is not None else _("suppressed"),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
            )
        axes.set_title(_("Referrals by stage: %(name)s") % {"name": name})
        axes.set_xlabel(_("Stage"))
        axes.set_ylabel(_("Referrals"))
    elif chart == "change":
        labels, means, errors, notes = [], [], [[], []], []
        for measure, change in body["change"].items():
            labels.append(measure)
            if change["mean"] is None or change["low"] is None:
                means.append(0)
                errors[0].append(0)
                errors[1].append(0)
                notes.append(
                    _("suppressed")
                    if change["n"] is None or change["mean"] is None
                    else _("n = %(n)s") % {"n": change["n"]}
                )
            else:
                means.append(change["mean"])
                errors[0].append(change["mean"] - change["low"])
                errors[1].append(change["high"] - change["mean"])
                notes.append(_("n = %(n)s") % {"n": change["n"]})
        positions = range(len(labels))
        axes.errorbar(list(positions), means, yerr=errors, fmt="o", capsize=6, color="#de2d26")
        axes.axhline(0, color="#636363", linewidth=0.8)
        for position, mean, note in zip(positions, means, notes, strict=True):
            axes.annotate(note, (position, mean), textcoords="offset points", xytext=(8, 8))
        axes.set_xticks(list(positions), labels)
        axes.set_title(
            _("Mean change, intake to 3 months (95 %% interval): %(name)s") % {"name": name}
        )
        axes.set_xlabel(_("Measure"))
        axes.set_ylabel(_("Change (follow-up minus intake)"))
    else:
        curve = body["retention"]["curve"]
        weeks = [point["weeks"] for point in curve]
        shares = [point["share"] for point in curve]
        axes.plot(
            [w for w, s in zip(weeks, shares, strict=True) if s is not None],
            [s for s in shares if s is not None],
            marker="o",
            color="#31a354",
        )
        for point in curve:
            note = (
                _("n = %(n)s") % {"n": point["people"]}
                if point["people"] is not None
                else _("suppressed")
            )
            axes.annotate(
                note,
                (point["weeks"], point["share"] or 0),
                textcoords="offset points",
                xytext=(4, 8),
            )
        axes.set_ylim(0, 1.05)
        axes.set_xticks(list(RETENTION_WEEKS))
        axes.set_title(_("Still attending their first activity: %(name)s") % {"name": name})
        axes.set_xlabel(_("Weeks after the first session"))
        axes.set_ylabel(_("Share of people"))
    figure.tight_layout()
    return figure
