"""What the person reads: their link's page and their printed sheet (A4, large print, a QR
code per activity). Both show the same entries (`selectors.shortlist_page`), written out
here in the reader's language; the sheet is the page's template printed by WeasyPrint."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from referrals import selectors
from referrals.models import Shortlist, ShortlistLink

ACCESSIBILITY_LABELS = {
    "hearing": lambda: _("support for hearing impairment"),
    "visual": lambda: _("support for visual impairment"),
    "psychic": lambda: _("support for psychic disability"),
    "motor": lambda: _("support for motor disability"),
    "intellectual": lambda: _("support for intellectual disability"),
}


def _cost(activity) -> str:
    if activity.is_free:
        return _("Free")
    low, high = activity.price_min, activity.price_max
    if low is not None and high is not None and low != high:
        text = _("%(low)s to %(high)s €") % {"low": low, "high": high}
    elif low is not None or high is not None:
        text = _("%(price)s €") % {"price": low if low is not None else high}
    else:
        text = _("Paying")
    if activity.reduced_price is not None:
        text += " " + _("(reduced: %(price)s €)") % {"price": activity.reduced_price}
    return text


def _contact(activity) -> str:
    parts = [activity.registration_phone or activity.organization.phone]
    parts.append(activity.registration_email or activity.organization.email)
    return " · ".join(p for p in parts if p)


def _zone(occurrence) -> ZoneInfo:
    name = occurrence.schedule.timezone if occurrence.schedule_id else settings.TIME_ZONE
    return ZoneInfo(name)


def entries_for(shortlist: Shortlist, *, now: datetime.datetime | None = None) -> list:
    """The shortlist's entries with their texts in the active language."""
    entries = selectors.shortlist_page(shortlist=shortlist, now=now)
    for entry in entries:
        entry.cost = _cost(entry.activity)
        entry.contact = _contact(entry.activity)
        entry.accessibility_labels = [ACCESSIBILITY_LABELS[f]() for f in entry.accessibility]
        for session in entry.sessions:
            session.local_start = session.start.astimezone(_zone(session))
    return entries


def activity_url(link_url: str, activity_id: int) -> str:
    """Where an activity's QR code points: its section of the link's page."""
    return f"{link_url}#activity-{activity_id}"


def qr_svg(url: str) -> str:
    """A QR code (error correction M, scaled for print) as an SVG data URI."""
    import segno  # loaded only when a sheet is printed, not by every web worker

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4)


def sheet_pdf(*, link: ShortlistLink, link_url: str, language: str) -> bytes:
    """The printed sheet: A4, large print, each activity's essentials, next sessions, access,
    and a QR code to its place on the link's page."""
    from weasyprint import HTML  # heavy (Pango): loaded only when a sheet is printed

    shortlist = link.shortlist
    with override(language):
        entries = entries_for(shortlist)
        for entry in entries:
            entry.url = activity_url(link_url, entry.activity.pk)
            entry.qr = qr_svg(entry.url)
        html = render_to_string(
            "referrals/sheet.html",
            {
                "language": language,
                "person": shortlist.person,
                "organization": shortlist.person.organization,
                "shortlist": shortlist,
                "link": link,
                "link_url": link_url,
                "entries": entries,
            },
        )
    return HTML(string=html, base_url=settings.PUBLIC_BASE_URL).write_pdf()
