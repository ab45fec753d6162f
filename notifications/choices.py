from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    ANDROID = "android", _("Android")
    IOS = "ios", _("iOS")
    WEB = "web", _("Web")


class Channel(models.TextChoices):
    """Where a notification goes beyond the inbox, which it always reaches."""

    PUSH = "push", _("Push")
    EMAIL = "email", _("Email")


class DeliveryStatus(models.TextChoices):
    # Claimed by a worker (the row is the claim), not yet handed to the channel: a claim left
    # by a dead worker is taken over after the lease and sent.
    CLAIMED = "claimed", _("Claimed")
    # Being handed to the channel: if its worker dies now, whether it went out is unknown,
    # and it is never sent again.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryState(models.TextChoices):
    """A notification's way out: waiting (perhaps for the end of quiet hours), or done."""

    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class Kind(models.TextChoices):
    """The kinds the notifications room writes itself; other apps may use their own."""

    REMINDER_DAY_BEFORE = "reminder_day_before", _("Reminder the day before")
    REMINDER_TWO_HOURS = "reminder_two_hours", _("Reminder two hours before")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    SESSION_MOVED = "session_moved", _("Session moved")
    SESSION_MOVED_ONLINE = "session_moved_online", _("Session moved online")
    SESSION_RESTORED = "session_restored", _("Session back on")
    SEAT_OFFERED = "seat_offered", _("Seat offered")
    NEWCOMER_COMING = "newcomer_coming", _("A newcomer is coming")
    VISIT_FOLLOW_UP = "visit_follow_up", _("A word after a missed first visit")


class Reminder(models.TextChoices):
    DAY_BEFORE = "day_before", _("The day before")
    TWO_HOURS = "two_hours", _("Two hours before")


class ReferralKind(models.TextChoices):
    """Notifications of social prescribing (sent by `referrals`)."""

    REFERRAL_RECEIVED = "referral_received", _("A person is referred to you")
    REFERRAL_CHANGED = "referral_changed", _("A referral changed")
