"""What notifications say, in the recipient's language (rendered when they are made)."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _

from notifications.choices import Kind


def when(start: datetime.datetime, zone: str) -> str:
    """ "lundi 7 décembre à 15:00" / "Monday 7 December at 15:00", in the active language."""
    local = start.astimezone(ZoneInfo(zone))
    return _("%(day)s at %(time)s") % {
        "day": formats.date_format(local, "l j F"),
        "time": local.strftime("%H:%M"),
    }


def reminder(*, kind: str, title: str, start: datetime.datetime, zone: str) -> tuple[str, str]:
    if kind == Kind.REMINDER_DAY_BEFORE:
        heading = _("Tomorrow: %(title)s") if _is_tomorrow(start, zone) else _("Soon: %(title)s")
    else:
        heading = _("In two hours: %(title)s")
    return heading % {"title": title}, _("%(title)s, %(when)s. See you there!") % {
        "title": title,
        "when": when(start, zone),
    }


def _is_tomorrow(start: datetime.datetime, zone: str) -> bool:
    tz = ZoneInfo(zone)
    today = datetime.datetime.now(tz).date()
    return start.astimezone(tz).date() == today + datetime.timedelta(days=1)


def session_changed(
    *,
    kind: str,
    title: str,
    start: datetime.datetime,
    previous_start: datetime.datetime,
    zone: str,
    note: str = "",
) -> tuple[str, str]:
    """A session's change: named by the time the resident knew it at (`previous_start`), and
    for a new time, the new one."""
    before, at = when(previous_start, zone), when(start, zone)
    if kind == Kind.SESSION_CANCELLED:
        heading = _("Cancelled: %(title)s") % {"title": title}
        body = _("The session of %(when)s is cancelled.") % {"when": before}
    elif kind == Kind.SESSION_RESTORED:
        heading = _("Back on: %(title)s") % {"title": title}
        if start == previous_start:
            body = _("The session of %(when)s takes place after all.") % {"when": before}
        else:
            body = _("The session of %(before)s takes place after all, %(when)s.") % {
                "before": before,
                "when": at,
            }
    elif kind == Kind.SESSION_MOVED_ONLINE:
        heading = _("Online: %(title)s") % {"title": title}
        if start == previous_start:
            body = _("The session of %(when)s takes place online.") % {"when": before}
        else:
            body = _("The session of %(before)s takes place online, %(when)s.") % {
                "before": before,
                "when": at,
            }
    else:
        heading = _("New time: %(title)s") % {"title": title}
        body = _("The session of %(before)s now takes place %(when)s.") % {
            "before": before,
            "when": at,
        }
    if note:
        body = f"{body} {note}"
    return heading, body


def seat_offered(
    *, title: str, start: datetime.datetime | None, until: datetime.datetime | None, zone: str
) -> tuple[str, str]:
    heading = _("A seat for you: %(title)s") % {"title": title}
    parts = []
    if start is not None:
        parts.append(_("A seat is free for %(when)s.") % {"when": when(start, zone)})
    else:
        parts.append(_("A seat is free."))
    if until is not None:
        parts.append(
            _("Confirm before %(when)s, or it goes to the next person.")
            % {"when": when(until, zone)}
        )
    return heading, " ".join(parts)


def newcomer_coming(
    *, first_name: str, title: str, start: datetime.datetime | None, zone: str
) -> tuple[str, str]:
    heading = _("A newcomer is coming: %(title)s") % {"title": title}
    if start is not None:
        body = _("%(name)s comes for the first time, %(when)s. Will you welcome them?") % {
            "name": first_name,
            "when": when(start, zone),
        }
    else:
        body = _("%(name)s comes for the first time. Will you welcome them?") % {"name": first_name}
    return heading, body


def missed_first_visit(
    *, organization: str, title: str, start: datetime.datetime | None, zone: str
) -> tuple[str, str]:
    """The heading of the organization's message after a missed first visit, and the kind
    default text it sends when it writes none."""
    heading = _("A word from %(organization)s") % {"organization": organization}
    if start is not None:
        body = _(
            "We missed you at %(title)s, %(when)s. No worry: you are welcome at the next "
            "session, and we look forward to meeting you."
        ) % {"title": title, "when": when(start, zone)}
    else:
        body = _(
            "We missed you at %(title)s. No worry: you are welcome any time, and we look "
            "forward to meeting you."
        ) % {"title": title}
    return heading, body


def first_name(display_name: str) -> str:
    """The first word of a display name (the greeter gets no more)."""
    words = display_name.split()
    return words[0] if words else _("Someone")


def rendered_in(language: str):
    return translation.override(language or "fr")


def referral_changed(*, number: int, status_label: str, title: str, new: bool) -> tuple[str, str]:
    """A referral's news for the other side: its number, status and where to; never the
    person's notes."""
    if new:
        heading = _("A person is referred to you: %(title)s") % {"title": title}
        body = _("Referral %(number)d is waiting for your answer.") % {"number": number}
    else:
        heading = _("Referral %(number)d: %(status)s") % {"number": number, "status": status_label}
        body = _("Referral %(number)d to %(title)s is now: %(status)s.") % {
            "number": number,
            "title": title,
            "status": status_label,
        }
    return heading, body
