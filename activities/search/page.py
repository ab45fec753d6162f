"""What both searches return, a page and where the next one starts, and the second look they
take forgiving typos when the words match nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from activities.filters import SearchParams
from activities.search.text import stems


@dataclasses.dataclass
class Page:
    rows: list[dict]
    after: list | None  # where the next page starts, None on the last page


def with_typo_fallback(
    search: Callable[..., Page], params: SearchParams, *, after: list | None, **kwargs
) -> Page:
    """`search(params, after=after, **kwargs)`, looking again with typos forgiven when the words
    match nothing (trigram word similarity on PostgreSQL, the vocabulary's stems one edit away
    on SQLite: activities.search.text_sqlite): "jardinnage" finds "jardinage".
    Later pages of a forgiving search come back here, find nothing with the words either,
    and so continue forgiving. Words that are all stop words ("le la de") have nothing to
    forgive: trigrams would find them in any text."""
    page = search(params, after=after, **kwargs)
    if page.rows or not stems(params.q):
        return page
    if after and search(params, after=None, **{**kwargs, "size": 1}).rows:
        return page  # the words match: this is truly the end of their pages
    return search(dataclasses.replace(params, typos=True), after=after, **kwargs)
