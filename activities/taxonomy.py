"""The interest taxonomy as the code reads it: slugs, ids, sub-categories, localized names.

Every lookup of a category by slug or by id goes through here. The taxonomy is small and read on
nearly every search, so each process keeps one snapshot of it. Saving or deleting a category (the
admin, a migration) drops this process's snapshot and bumps a generation in the shared cache;
other processes (web workers, Celery workers) see the new generation within
`RECHECK_SECONDS` and read the taxonomy again.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from activities.models import Category

GENERATION_KEY = "activities:taxonomy:generation"
# How long a process trusts its snapshot before asking the shared cache whether a category was
# edited elsewhere: an edit reaches every process within this many seconds.
RECHECK_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class Taxonomy:
    """One reading of the categories table."""

    # In id order: the matcher's columns are these positions.
    ids: tuple[int, ...]
    slugs: tuple[str, ...]
    parent_ids: tuple[int | None, ...]
    names_fr: tuple[str, ...]
    names_en: tuple[str, ...]

    @classmethod
    def read(cls) -> Taxonomy:
        rows = list(
            Category.objects.order_by("id").values_list(
                "id", "slug", "parent_id", "name_fr", "name_en"
            )
        )
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
        return cls(*(tuple(column) for column in columns))

    # Derived once per snapshot, on first use (a frozen dataclass still takes cached
    # properties: they write to the instance's __dict__).
    @functools.cached_property
    def column_of(self) -> dict[int, int]:
        """The matcher's column of each category id."""
        return {pk: n for n, pk in enumerate(self.ids)}

    @functools.cached_property
    def slug_of(self) -> dict[int, str]:
        return dict(zip(self.ids, self.slugs, strict=True))

    @functools.cached_property
    def id_of(self) -> dict[str, int]:
        return dict(zip(self.slugs, self.ids, strict=True))

    @functools.cached_property
    def top_column_of(self) -> dict[int, int]:
        """The column of each category's top category (itself for a top category)."""
        column_of = self.column_of
        return {
            pk: column_of.get(parent, column_of[pk]) if parent else column_of[pk]
            for pk, parent in zip(self.ids, self.parent_ids, strict=True)
        }

    @functools.cached_property
    def _ids_under(self) -> dict[str, tuple[int, ...]]:
        found = {slug: [pk] for pk, slug in zip(self.ids, self.slugs, strict=True)}
        for pk, parent in zip(self.ids, self.parent_ids, strict=True):
            if parent in self.slug_of:
                found[self.slug_of[parent]].append(pk)
        return {slug: tuple(ids) for slug, ids in found.items()}

    def ids_under(self, slug: str) -> tuple[int, ...]:
        """The category's id and, for a top category, the ids of its sub-categories."""
        return self._ids_under.get(slug, ())

    def name(self, slug: str, language: str) -> str:
        """The category's name in `language` (English for "en...", else French); the slug
        itself for a category no longer there."""
        pk = self.id_of.get(slug)
        if pk is None:
            return slug
        names = self.names_en if language.startswith("en") else self.names_fr
        return names[self.column_of[pk]]


class _Snapshot:
    lock = threading.Lock()
    taxonomy: Taxonomy | None = None
    generation: int | None = None
    checked_at = 0.0


def current() -> Taxonomy:
    """This process's snapshot of the taxonomy, read again after a category was edited."""
    now = time.monotonic()
    snapshot = _Snapshot.taxonomy
    if snapshot is not None and now - _Snapshot.checked_at < RECHECK_SECONDS:
        return snapshot
    with _Snapshot.lock:
        generation = cache.get(GENERATION_KEY, 0)
        if _Snapshot.taxonomy is None or generation != _Snapshot.generation:
            _Snapshot.taxonomy = Taxonomy.read()
            _Snapshot.generation = generation
        _Snapshot.checked_at = now
        return _Snapshot.taxonomy


def slugs() -> tuple[str, ...]:
    """Every category's slug, in id order."""
    return current().slugs


def forget() -> None:
    """Drop this process's snapshot: the next read queries the table."""
    with _Snapshot.lock:
        _Snapshot.taxonomy = None
        _Snapshot.generation = None


@receiver(post_save, sender=Category, dispatch_uid="activities.taxonomy.saved")
@receiver(post_delete, sender=Category, dispatch_uid="activities.taxonomy.deleted")
def _category_edited(sender, **kwargs) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet in this cache
        cache.set(GENERATION_KEY, 1, timeout=None)
    forget()
