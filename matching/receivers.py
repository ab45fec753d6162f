"""The matcher listens to the directory's domain signals (sent after commit) and to its own
(`matching.signals`, sent by its services), and queues the work."""

from django.dispatch import receiver

from activities import signals as directory
from matching import signals
from matching.candidates import directory_changed
from matching.scheduling import recommendations_schedule
from matching.tasks import recommendations_for_activity_task


@receiver(directory.activity_published)
@receiver(directory.activity_changed)
@receiver(directory.activity_unpublished)
def _activity_moved(sender, activity, **kwargs) -> None:
    directory_changed(activity.pk)
    recommendations_for_activity_task.delay(activity.pk)


@receiver(directory.occurrence_changed)
def _occurrence_changed(sender, occurrence, **kwargs) -> None:
    directory_changed(occurrence.activity_id)
    recommendations_for_activity_task.delay(occurrence.activity_id)


@receiver(signals.residents_changed)
def _residents_changed(sender, user_ids: list[int], **kwargs) -> None:
    recommendations_schedule(user_ids=user_ids)
