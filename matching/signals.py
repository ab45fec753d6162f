"""The matcher's own event: a resident's inputs changed (profile, consent, feedback).

The services send it; `matching.receivers` schedules the recomputation after commit
(`matching.scheduling`). Through a signal, the services never import the Celery tasks, which
import them."""

from django.dispatch import Signal

# user_ids: list[int]. Sent inside the writer's transaction; receivers defer their work to
# its commit.
residents_changed = Signal()
