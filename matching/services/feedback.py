"""What a resident says of an activity: seen, saved, dismissed, joined, attended, a rating."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import Activity
from backend.validation import full_clean, validation_failed
from matching import signals
from matching.choices import FeedbackSignal
from matching.models import Feedback, RecommendationSet


@transaction.atomic
def feedback_record(
    *, user: User, activity: Activity, signal: str, rating: int | None = None
) -> Feedback:
    """Record what the resident said. Dismissed leaves their list at once; dismissed,
    saved and joined recompute it."""
    if signal == FeedbackSignal.RATING and rating is None:
        raise validation_failed({"rating": [_("Give a rating from 1 to 5.")]})
    feedback = Feedback(user=user, activity=activity, signal=signal, rating=rating)
    full_clean(feedback)
    feedback.save()
    if signal == FeedbackSignal.DISMISSED:
        # Gone at once from what the resident sees; the recomputation fills the gap.
        row = RecommendationSet.objects.select_for_update().filter(user=user).first()
        if row is not None:
            kept = [n for n, a in enumerate(row.activity_ids) if a != activity.pk]
            row.activity_ids = [row.activity_ids[n] for n in kept]
            row.scores = [row.scores[n] for n in kept]
            row.reasons = [row.reasons[n] for n in kept]
            row.save(update_fields=["activity_ids", "scores", "reasons"])
    if signal in (FeedbackSignal.DISMISSED, FeedbackSignal.SAVED, FeedbackSignal.JOINED):
        signals.residents_changed.send(sender=Feedback, user_ids=[user.pk])
    return feedback
