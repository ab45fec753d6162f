"""No one recognised in a report: small cells suppressed, and the cells that would give them
away suppressed with them.

A count table is published with its row totals, column totals and grand total. Seen as a grid
of (rows + 1) x (columns + 1) entries, the last row and column holding the totals, each row and
each column is a relation: its cells add up to its total. Rules, applied until none applies:

1. Primary: an entry resting on 1 to THRESHOLD - 1 people is suppressed (a count of zero
   rests on no one and is published).
2. A relation with exactly one suppressed entry would give it away by subtraction: a second
   one is suppressed.
3. A relation whose total is published tells the sum of its suppressed cells: that sum must
   reach THRESHOLD, or one more entry is suppressed, so that it never pins them to a few
   people (nor to zero).
4. Across relations: a suppressed entry is found exactly, whatever the others, when it is a
   bridge of the graph whose nodes are the rows and columns and whose edges are the
   suppressed entries (no cycle of suppressed entries runs through it, so nothing can be
   moved around a cycle to hide it). One more entry is suppressed in its row, closing a cycle.

The entry chosen each time is the smallest non-zero published cell of the relation (the
least information lost), then the total, then a zero. The grid with everything suppressed
satisfies every rule, so the loop ends. The tests check the outcome independently: for random
tables, no suppressed entry is determined by the published ones (a linear programme finds
each suppressed entry's least and greatest possible values, and they differ).
"""

from collections.abc import Iterable, Sequence

THRESHOLD = 5


def with_totals(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """The grid: the cells, each row's total at its end, the columns' totals in a last row."""
    grid = [[*row, sum(row)] for row in cells]
    grid.append([sum(column) for column in zip(*grid, strict=True)])
    return grid


def suppress(
    cells: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    forced: Iterable[tuple[int, int]] = (),
) -> tuple[list[list[int]], list[list[bool]]]:
    """(the grid with its totals, which of its entries are suppressed). `forced`: entries of
    the grid suppressed from the start (a total another table sharing it suppressed)."""
    if not cells or not cells[0]:
        raise ValueError("a table needs at least one cell")
    grid = with_totals(cells)
    rows, columns = len(grid), len(grid[0])
    hidden = [[0 < value < threshold for value in row] for row in grid]
    for i, j in forced:
        hidden[i][j] = True
    relations = [[(i, j) for j in range(columns)] for i in range(rows)] + [
        [(i, j) for i in range(rows)] for j in range(columns)
    ]

    def hide_one_more(relation: list[tuple[int, int]]) -> None:
        *inner, total = relation
        shown = [(i, j) for i, j in inner if not hidden[i][j]]
        nonzero = [entry for entry in shown if grid[entry[0]][entry[1]] > 0]
        if nonzero:
            i, j = min(nonzero, key=lambda entry: grid[entry[0]][entry[1]])
        elif not hidden[total[0]][total[1]]:
            i, j = total
        else:
            i, j = shown[0]
        hidden[i][j] = True

    def has_room(relation) -> bool:
        return any(not hidden[i][j] for i, j in relation)

    def gives_away(relation) -> bool:
        """Rules 2 and 3: one suppressed entry alone, or suppressed cells whose sum the
        published total pins below the threshold."""
        *inner, total = relation
        count = sum(hidden[i][j] for i, j in relation)
        if count == 1:
            return has_room(relation)
        return (
            count > 0
            and not hidden[total[0]][total[1]]
            and has_room(inner)
            and sum(grid[i][j] for i, j in inner if hidden[i][j]) < threshold
        )

    changed = True
    while changed:
        changed = False
        for relation in relations:
            if gives_away(relation):
                hide_one_more(relation)
                changed = True
        if changed:
            continue
        bridge = _a_bridge(hidden)
        if bridge is not None:
            # Its row, else its column, else any relation with an entry left to suppress
            # (one exists: the fully suppressed grid has no bridge).
            candidates = [relations[bridge[0]], relations[rows + bridge[1]], *relations]
            hide_one_more(next(relation for relation in candidates if has_room(relation)))
            changed = True
    return grid, hidden


def published(
    cells: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    forced: Iterable[tuple[int, int]] = (),
):
    """The grid with its totals, None where suppressed."""
    grid, hidden = suppress(cells, threshold=threshold, forced=forced)
    return [
        [None if gone else value for value, gone in zip(row, gone_row, strict=True)]
        for row, gone_row in zip(grid, hidden, strict=True)
    ]


def published_linked(
    tables: Sequence[Sequence[Sequence[int]]], *, threshold: int = THRESHOLD
) -> list[list[list[int | None]]]:
    """Tables that break down the same total by different rows (by territory, by kind...):
    they share their last row (the column totals and the grand total). A total suppressed in
    one is suppressed in all, and each is suppressed again until they agree, so that no
    table publishes a total that another needed hidden."""
    shared: set[int] = set()  # columns of the shared totals row suppressed somewhere
    while True:
        grids = []
        for cells in tables:
            last = len(cells)
            grids.append(published(cells, threshold=threshold, forced=[(last, j) for j in shared]))
        now_hidden = {j for grid in grids for j, value in enumerate(grid[-1]) if value is None}
        if now_hidden == shared:
            return grids
        shared = now_hidden


def _a_bridge(hidden: list[list[bool]]) -> tuple[int, int] | None:
    """A suppressed entry (i, j) that is a bridge of the rows-columns graph of suppressed
    entries, or None. Tarjan's bridge search, iterative."""
    rows, columns = len(hidden), len(hidden[0])
    edges = [(i, j) for i in range(rows) for j in range(columns) if hidden[i][j]]
    if not edges:
        return None
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for index, (i, j) in enumerate(edges):
        adjacency.setdefault(i, []).append((rows + j, index))
        adjacency.setdefault(rows + j, []).append((i, index))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for neighbour, index in neighbours:
                if index == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, index, iter(adjacency[neighbour])))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    return edges[via]
    return None
