"""Recommendation sets computed against the whole directory and stored: a list is three short
JSON arrays (activity ids, scores, reason keys) written straight from the engine's arrays,
copied in bulk on PostgreSQL."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from activities import taxonomy
from matching import engine, signals
from matching.arrays import rows_of, take
from matching.candidates import current_candidates, prepared, with_ids
from matching.models import RecommendationSet
from matching.residents import current_residents, sets_written
from matching.selectors import EVERYONE_BIT, consenting_profile_of, consenting_profiles
from matching.services.reach import candidates_within_reach


class NewSets(NamedTuple):
    """New lists on their way to the database: row n of `lists` is resident `user_ids[n]`'s,
    their reason keys holding category ids (`engine.Lists.with_category_ids`)."""

    user_ids: np.ndarray  # int64
    lists: engine.Lists

    def thresholds(self) -> np.ndarray:
        """The lowest score of each full list (TOP_K items), 0 for a shorter one. The
        diversity re-rank reorders the head of a list: its lowest score may be anywhere."""
        lists = self.lists
        full = lists.count >= engine.TOP_K
        if not full.any():
            return np.zeros(len(full))
        listed = np.arange(lists.scores.shape[1]) < lists.count[:, None]
        return np.where(full, np.where(listed, lists.scores, np.inf).min(axis=1), 0.0)

    def take(self, rows) -> NewSets:
        return NewSets(self.user_ids[rows], self.lists.take(rows))


def new_sets(user_ids: np.ndarray, lists: engine.Lists, category_slugs: list[str]) -> NewSets:
    """The engine's lists (interests by category column, `category_slugs`) as stored, by
    category id: a category's column moves when another is added or removed, its id does
    not (a category removed since is no reason any more)."""
    ids = taxonomy.current().id_of
    by_column = np.array([ids.get(slug, 0) for slug in category_slugs], dtype=np.int64)
    return NewSets(np.asarray(user_ids, dtype=np.int64), lists.with_category_ids(by_column))


SET_FIELDS = ("computed_at", "engine_version", "activity_ids", "scores", "reasons", "threshold")
COPY_LINES = 1000  # rows handed to COPY at once


def _json_numbers(values: list[int] | list[float]) -> str:
    """A list of ints or finite floats as a JSON array: their repr is JSON (and this is
    several times faster than `json`'s encoder for short lists)."""
    return f"[{','.join(map(repr, values))}]"


@transaction.atomic
def recommendation_sets_store(
    *, sets: NewSets, computed_at: datetime.datetime, keep_computed_at: bool = False
) -> None:
    """Insert or replace these residents' sets, in the order of their user ids (the order
    `recommendations_for_activity` locks them in, so two writers never deadlock), computed
    at `computed_at`; with `keep_computed_at`, a set that exists keeps its time (a merge).

    A list is three short JSON arrays (ids, scores and reason keys, several times smaller
    than the same list as objects with their reasons), written straight from the engine's
    arrays. On PostgreSQL the rows are copied into a temporary table and moved with one
    INSERT ... ON CONFLICT DO UPDATE: COPY parses far less than the multi-row INSERT of
    `bulk_create` or the CASE of `bulk_update` (figures in docs/benchmarks.md). Elsewhere
    (the embedded SQLite) the bulk upsert does the same."""
    if not len(sets.user_ids):
        return
    sets = sets.take(np.argsort(sets.user_ids, kind="stable"))
    user_ids = sets.user_ids.tolist()
    _announce(user_ids)
    updated = [name for name in SET_FIELDS if not (keep_computed_at and name == "computed_at")]
    rows = zip(user_ids, sets.lists.rows(), sets.thresholds().tolist(), strict=True)
    if connection.vendor != "postgresql":
        RecommendationSet.objects.bulk_create(
            [
                RecommendationSet(
                    user_id=user_id,
                    computed_at=computed_at,
                    engine_version=engine.ENGINE_VERSION,
                    activity_ids=ids,
                    scores=scores,
                    reasons=keys,
                    threshold=threshold,
                )
                for user_id, (ids, scores, keys), threshold in rows
            ],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=updated,
        )
        return
    table = RecommendationSet._meta.db_table
    column = {name: RecommendationSet._meta.get_field(name).column for name in SET_FIELDS}
    copied = ("user_id", column["activity_ids"], column["scores"], column["reasons"])
    copied += (column["threshold"],)
    columns = ", ".join((*copied, column["computed_at"], column["engine_version"]))
    updates = ", ".join(f"{column[name]} = EXCLUDED.{column[name]}" for name in updated)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE matching_incoming ON COMMIT DROP AS "
            f'SELECT {", ".join(copied)} FROM "{table}" WITH NO DATA'
        )
        # Numbers and JSON arrays of numbers: nothing for COPY's text format to escape.
        lines = [
            f"{user_id}\t{_json_numbers(ids)}\t{_json_numbers(scores)}\t{_json_numbers(keys)}"
            f"\t{threshold!r}\n"
            for user_id, (ids, scores, keys), threshold in rows
        ]
        with cursor.cursor.copy(f"COPY matching_incoming ({', '.join(copied)}) FROM STDIN") as copy:
            for start in range(0, len(lines), COPY_LINES):
                copy.write("".join(lines[start : start + COPY_LINES]))
        cursor.execute(
            f'INSERT INTO "{table}" ({columns}) SELECT {", ".join(copied)}, %s, %s '
            f"FROM matching_incoming ORDER BY user_id "
            f"ON CONFLICT (user_id) DO UPDATE SET {updates}",
            [computed_at, engine.ENGINE_VERSION],
        )
        cursor.execute("DROP TABLE matching_incoming")


def _announce(user_ids: list[int]) -> None:
    """Tell the processes' tables of thresholds that these sets are being written: at once,
    for reads in this transaction, and again once it commits, for the others (one that
    re-read them in between saw the old rows)."""
    sets_written(user_ids)
    transaction.on_commit(lambda: sets_written(user_ids))


@transaction.atomic
def recommendations_compute(
    *, user_ids: Iterable[int], now: datetime.datetime | None = None
) -> int:
    """Recompute and store the recommendation sets of these residents (consenting ones)
    against the whole directory."""
    now = now or timezone.now()
    # The table of residents keeps a deleted resident's row until the next day: read who
    # still consents, the rows from the table.
    user_ids = sorted(
        with_ids(consenting_profiles(), list(user_ids), field="user").values_list(
            "user_id", flat=True
        )
    )
    if not user_ids:
        return 0
    candidates, slugs = current_candidates(now=now)
    residents = current_residents(now=now)
    residents = take(residents, rows_of(residents, user_ids))
    # The matrix prepared once for every call against it, or this call's region prepared.
    kept = prepared(candidates, build=len(residents) >= PREPARED_FROM)
    lists = engine.lists_batched(
        residents,
        candidates if kept else candidates_within_reach(residents, candidates),
        prepared=kept,
        everyone_bit=EVERYONE_BIT,
    )
    recommendation_sets_store(sets=new_sets(residents.ids, lists, slugs), computed_at=now)
    return len(residents)


# From this many residents, a computation prepares the whole matrix for itself and the calls
# after it (`candidates.prepared`, which costs time and memory once) rather than its region:
# below it, preparing the region is cheaper than preparing everything.
PREPARED_FROM = 500


def recommendations_refresh(*, user) -> None:
    """Queue the resident's recomputation (after commit, debounced). Refused with
    `ConsentRequired` when they do not consent: nothing would be computed."""
    consenting_profile_of(user=user)
    signals.residents_changed.send(sender=RecommendationSet, user_ids=[user.pk])
