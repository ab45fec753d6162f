"""When a notification may go out, from the resident's quiet hours."""

import datetime

from notifications.models import NotificationPreferences
from notifications.quiet import quiet_until


def deliver_after_for(
    preferences: NotificationPreferences, now: datetime.datetime
) -> datetime.datetime:
    """Now, or the end of the resident's quiet hours when now is within them (and they keep
    quiet hours)."""
    if not preferences.quiet_hours:
        return now
    end = quiet_until(
        now,
        start=preferences.quiet_start,
        end=preferences.quiet_end,
        zone=preferences.timezone,
    )
    return end or now
