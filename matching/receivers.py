"""The matcher listens to the directory's domain signals (sent after commit)."""

from django.dispatch import receiver

from activities import signals
from matching.candidates import directory_changed


@receiver(signals.activity_published)
@receiver(signals.activity_changed)
@receiver(signals.activity_unpublished)
def _activity_moved(sender, activity, **kwargs) -> None:
    from matching.tasks import recommendations_for_activity_task

    directory_changed(activity.pk)
    recommendations_for_activity_task.delay(activity.pk)


@receiver(signals.occurrence_changed)
def _occurrence_changed(sender, occurrence, **kwargs) -> None:
    from matching.tasks import recommendations_for_activity_task

    directory_changed(occurrence.activity_id)
    recommendations_for_activity_task.delay(occurrence.activity_id)
