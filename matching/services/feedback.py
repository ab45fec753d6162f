"""What a resident says of an activity: seen, saved, dismissed, joined, attended, a rating; and
taking it back."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import Activity
from backend.validation import full_clean, validation_failed
from matching import signals
from matching.choices import FeedbackSignal
from matching.errors import NotAttended
from matching.models import Feedback, RecommendationSet, ResidentProfile

# The signals the matcher reads (matching.selectors): a change to one recomputes the list.
MATCHER_SIGNALS = (FeedbackSignal.DISMISSED, FeedbackSignal.SAVED, FeedbackSignal.JOINED)


@transaction.atomic
def feedback_record(
    *, user: User, activity: Activity, signal: str, rating: int | None = None
) -> tuple[Feedback, bool]:
    """Record what the resident said, once: the same signal for the same activity again
    returns the row already there (a new rating replaces the old one), with `created` False.
    A rating needs the `attended` signal for that activity first. Dismissed leaves their
    list at once; dismissed, saved and joined recompute it."""
    if signal == FeedbackSignal.RATING:
        if rating is None:
            raise validation_failed({"rating": [_("Give a rating from 1 to 5.")]})
        went = Feedback.objects.filter(
            user=user, activity=activity, signal=FeedbackSignal.ATTENDED
        ).exists()
        if not went:
            raise NotAttended()
    elif rating is not None:
        raise validation_failed({"rating": [_("A rating goes only with the signal rating.")]})
    feedback, created = _feedback_once(user=user, activity=activity, signal=signal, rating=rating)
    if not created:
        if signal == FeedbackSignal.RATING and feedback.rating != rating:
            feedback.rating = rating
            full_clean(feedback, exclude=["user"])
            feedback.save(update_fields=["rating"])
        return feedback, False
    if signal == FeedbackSignal.DISMISSED:
        # Gone at once from what the resident sees; the recomputation fills the gap.
        row = RecommendationSet.objects.select_for_update().filter(user=user).first()
        if row is not None:
            kept = [n for n, a in enumerate(row.activity_ids) if a != activity.pk]
            row.activity_ids = [row.activity_ids[n] for n in kept]
            row.scores = [row.scores[n] for n in kept]
            row.reasons = [row.reasons[n] for n in kept]
            row.save(update_fields=["activity_ids", "scores", "reasons"])
    if signal in MATCHER_SIGNALS:
        signals.residents_changed.send(sender=Feedback, user_ids=[user.pk])
    return feedback, True


def _feedback_once(
    *, user: User, activity: Activity, signal: str, rating: int | None
) -> tuple[Feedback, bool]:
    """The row of this signal, created when there is none. Two taps at once both find none:
    the unique constraint fails the second insert (in a savepoint), which then reads the
    first's row."""
    lookup = {"user": user, "activity": activity, "signal": signal}
    existing = Feedback.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    feedback = Feedback(**lookup, rating=rating)
    # The constraint is left to the database: checked here, a tap committed meanwhile would
    # make the second one a validation error rather than the row it asked for.
    full_clean(feedback, exclude=["user"])
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        return Feedback.objects.get(**lookup), False
    return feedback, True


@transaction.atomic
def feedback_withdraw(*, feedback: Feedback) -> None:
    """Take back what the resident said: the row goes, and with `attended` the rating that
    needed it. A dismissed activity may come back, a saved one no longer moves up: the list
    is recomputed."""
    withdrawn = Feedback.objects.filter(pk=feedback.pk)
    if feedback.signal == FeedbackSignal.ATTENDED:
        withdrawn |= Feedback.objects.filter(
            user_id=feedback.user_id, activity_id=feedback.activity_id, signal=FeedbackSignal.RATING
        )
    withdrawn.delete()
    if feedback.signal in MATCHER_SIGNALS:
        # The residents' tables (matching.residents) find new feedback by its id, which a
        # deletion does not move: the profile's time does, and makes them rebuild this
        # resident's row (and the sweep renew a list older than it).
        ResidentProfile.objects.filter(user_id=feedback.user_id).update(updated_at=timezone.now())
        signals.residents_changed.send(sender=Feedback, user_ids=[feedback.user_id])
