"""How a full refresh is cut into chunks: by space, so that each chunk's residents share
their candidates.

The engine scores a batch of neighbours against only the venues within reach of some of them
(`engine.recommend_batched`); a chunk of residents drawn from all over the country makes each
of its batches span a region and drag in far more venues. So residents are grouped by the
coarse H3 cell of their home, cells too full for one chunk are split into their children
(adaptive cells), and the pieces are packed in the order of their cell ids, which keeps
neighbouring cells together. Residents who are only reached remotely (homebound, or without a
home) get chunks of their own: they are scored against the remote activities only.

Every chunk holds at most `size` residents and each resident is in exactly one chunk, so the
chunks can go to any number of workers, in any order, and be retried on their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import h3

from matching.selectors import consenting_profiles

# Each call of the engine has fixed costs beyond the matrix it keeps prepared (the plan of its
# batches, the residents' side of the products, the write of the sets), and each interest
# category's block of online activities holds the chunk's residents interested in it: larger
# chunks spread the one and fill the other (docs/benchmarks.md compares chunk sizes), and
# 100,000 residents still make about a dozen chunks for two processes to share.
CHUNK_SIZE = 10_000
COARSE_RESOLUTION = 4  # cells of about 1,800 km²: a city and its surroundings
FINEST_RESOLUTION = 8  # the resolution of the stored home cell (services.HOME_CELL_RESOLUTION)


def plan_chunks(
    residents: Iterable[tuple[int, str, bool]], *, size: int = CHUNK_SIZE
) -> list[list[int]]:
    """Chunks of user ids from (user id, home cell or "", reached only remotely) triples."""
    remote: list[int] = []
    by_cell: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for user_id, cell, remote_only in residents:
        if remote_only or not cell:
            remote.append(user_id)
        else:
            by_cell[h3.cell_to_parent(cell, COARSE_RESOLUTION)].append((user_id, cell))
    pieces: list[list[int]] = []
    for cell in sorted(by_cell):
        pieces.extend(_split(by_cell[cell], COARSE_RESOLUTION + 1, size))
    remote.sort()
    # Remote-only residents first: a list built from remote activities alone costs the engine
    # several times more per resident, and the longest chunks go first so that the workers
    # finish together.
    chunks = [remote[start : start + size] for start in range(0, len(remote), size)]
    return chunks + _pack(pieces, size)


def _split(members: list[tuple[int, str]], resolution: int, size: int) -> list[list[int]]:
    """The members of one cell, as pieces of at most `size`, split along child cells."""
    if len(members) <= size:
        return [[user_id for user_id, _cell in members]]
    if resolution > FINEST_RESOLUTION:  # one home cell fuller than a chunk: cut it in order
        ids = sorted(user_id for user_id, _cell in members)
        return [ids[start : start + size] for start in range(0, len(ids), size)]
    children: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for user_id, cell in members:
        children[h3.cell_to_parent(cell, resolution)].append((user_id, cell))
    pieces: list[list[int]] = []
    for child in sorted(children):
        pieces.extend(_split(children[child], resolution + 1, size))
    return pieces


def _pack(pieces: list[list[int]], size: int) -> list[list[int]]:
    """Consecutive pieces put together while they fit in one chunk."""
    chunks: list[list[int]] = []
    current: list[int] = []
    for piece in pieces:
        if current and len(current) + len(piece) > size:
            chunks.append(current)
            current = []
        current.extend(piece)
    if current:
        chunks.append(current)
    return chunks


def refresh_chunks(*, size: int = CHUNK_SIZE) -> list[list[int]]:
    """Every resident who consents to matching, in chunks (see `plan_chunks`)."""
    rows = (
        consenting_profiles().order_by("user_id").values_list("user_id", "home_cell", "homebound")
    )
    return plan_chunks(rows.iterator(chunk_size=10_000), size=size)
