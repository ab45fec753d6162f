"""Row operations on the engine's tables (`engine.Candidates`, `engine.Residents`): every
field holds one entry per row, a numpy array along its first axis or a list, and `ids` orders
the rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TypeVar

import numpy as np

Table = TypeVar("Table")


def take(table: Table, rows: np.ndarray, *, lists: bool = True) -> Table:
    """The table's rows at these positions, in this order (its list fields left out, empty,
    when `lists` is false: the batch engine's matrices do not read them)."""
    rows = np.asarray(rows)
    fields = {}
    for field in dataclasses.fields(table):
        value = getattr(table, field.name)
        if isinstance(value, list):
            fields[field.name] = list(map(value.__getitem__, rows.tolist())) if lists else []
        else:
            fields[field.name] = value[rows]
    return type(table)(**fields)


def rows_of(table, ids: Iterable[int] | np.ndarray) -> np.ndarray:
    """Positions of the rows whose id is in `ids`, in the table's order."""
    ids = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=np.int64)
    return np.flatnonzero(np.isin(table.ids, ids))


def locate(sorted_ids: np.ndarray, ids) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `ids` (an array of any shape) stands in the ascending `sorted_ids`, and
    whether it is there: a binary search for all of them at once. Where an id is not there,
    its position is only some valid one (0 when `sorted_ids` is empty)."""
    ids = np.asarray(ids)
    if not len(sorted_ids):
        return np.zeros(ids.shape, dtype=np.int64), np.zeros(ids.shape, dtype=bool)
    at = np.searchsorted(sorted_ids, ids).clip(max=len(sorted_ids) - 1)
    return at, sorted_ids[at] == ids


def concat(tables: list[Table]) -> Table:
    """The rows of these tables, one after the other."""
    fields = {}
    for field in dataclasses.fields(tables[0]):
        values = [getattr(table, field.name) for table in tables]
        if isinstance(values[0], list):
            fields[field.name] = [row for value in values for row in value]
        else:
            fields[field.name] = np.concatenate(values)
    return type(tables[0])(**fields)


def concat_by_id(tables: list[Table]) -> Table:
    """The rows of these tables, ordered by id (the order the selectors build tables in)."""
    merged = concat(tables)
    return take(merged, np.argsort(merged.ids, kind="stable"))


def splice(table: Table, drop: Iterable[int], added: Table) -> Table:
    """The table without the rows whose id is in `drop`, plus the rows of `added`, ordered by
    id (the order the selectors build tables in)."""
    kept = np.setdiff1d(np.arange(len(table.ids)), rows_of(table, drop), assume_unique=True)
    return concat_by_id([take(table, kept), added])
