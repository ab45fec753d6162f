"""Suppression: small cells hidden, and no hidden cell recoverable from what is published,
checked independently of the rules that chose them: a linear programme finds each hidden
entry's least and greatest values given every published entry, the tables' additivity and
counts being non-negative; they must differ."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from impact.suppression import THRESHOLD, published, suppress, with_totals


def test_a_cell_of_four_people_is_suppressed_and_so_is_what_would_give_it_away():
    table = published([[4, 20, 31], [12, 25, 40]])
    assert table[0][0] is None
    # Its row and its column each hide a second entry: neither total minus the visible
    # cells gives the 4.
    assert sum(value is None for value in table[0]) >= 2
    assert sum(row[0] is None for row in table) >= 2


def test_a_table_with_no_small_cell_is_published_whole():
    cells = [[5, 20], [12, 25]]
    assert published(cells) == with_totals(cells)


def test_zero_is_published_it_rests_on_no_one():
    assert published([[0, 20], [12, 25]])[0][0] == 0


def test_a_single_column_hides_the_row_total_with_its_cell():
    table = published([[3], [40], [22]])
    assert table[0] == [None, None]


def _range_of_each_hidden(grid, hidden):
    """(least, greatest) of each hidden entry, by linear programming."""
    rows, columns = len(grid), len(grid[0])
    unknowns = [(i, j) for i in range(rows) for j in range(columns) if hidden[i][j]]
    index = {entry: k for k, entry in enumerate(unknowns)}
    equations, constants = [], []
    relations = [[(i, j) for j in range(columns)] for i in range(rows)] + [
        [(i, j) for i in range(rows)] for j in range(columns)
    ]
    for relation in relations:
        *inner, total = relation
        row = np.zeros(len(unknowns))
        constant = 0.0
        for entry, sign in [*((e, 1.0) for e in inner), (total, -1.0)]:
            if entry in index:
                row[index[entry]] += sign
            else:
                constant -= sign * grid[entry[0]][entry[1]]
        if row.any():
            equations.append(row)
            constants.append(constant)
    ranges = {}
    for entry, k in index.items():
        objective = np.zeros(len(unknowns))
        objective[k] = 1.0
        low = linprog(objective, A_eq=equations, b_eq=constants, bounds=(0, None))
        high = linprog(-objective, A_eq=equations, b_eq=constants, bounds=(0, None))
        assert low.status == 0 and high.status in (0, 3)  # 3: no greatest value at all
        ranges[entry] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return ranges


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 60))
tables = st.integers(1, 4).flatmap(
    lambda columns: st.lists(
        st.lists(small_counts, min_size=columns, max_size=columns), min_size=1, max_size=4
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_suppressed_entry_can_be_recovered_from_the_published_ones(cells):
    grid, hidden = suppress(cells)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if 0 < value < THRESHOLD:
                assert hidden[i][j], "a small entry was published"
    for entry, (least, greatest) in _range_of_each_hidden(grid, hidden).items():
        assert greatest - least > 1e-6, f"entry {entry} of {grid} is recoverable"


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_total_minus_its_visible_cells_reveals_a_suppressed_cell(cells):
    grid, hidden = suppress(cells)
    rows, columns = len(grid), len(grid[0])
    lines = [[hidden[i][j] for j in range(columns)] for i in range(rows)]
    lines += [[hidden[i][j] for i in range(rows)] for j in range(columns)]
    for line in lines:
        assert sum(line) != 1
