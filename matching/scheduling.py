"""Queueing recomputations: once per resident within a debounce delay, after commit."""

from django.core.cache import cache
from django.db import transaction

from matching.tasks import DEBOUNCE_SECONDS, pending_key, recommendations_recompute_task


def recommendations_schedule(*, user_ids: list[int]) -> None:
    """Queue a recomputation of these residents after commit, once per resident within the
    debounce delay (the task clears the mark when it runs)."""
    fresh = [uid for uid in user_ids if cache.add(pending_key(uid), 1, DEBOUNCE_SECONDS)]
    if fresh:
        transaction.on_commit(
            lambda: recommendations_recompute_task.apply_async(
                args=[fresh], countdown=DEBOUNCE_SECONDS
            )
        )
