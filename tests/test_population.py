"""Columnar agent sets (sim/population.py): removing rows keeps the others, whatever the
order of the rows given."""

from __future__ import annotations

import numpy as np
import pytest

from sim.population import Workers


def _workers(n):
    ws = Workers.empty(n)
    ws.append(worker_id=np.arange(n, dtype=np.int64) * 10, status=np.arange(n) % 5,
              wage=np.arange(n, dtype=np.float64))
    return ws


@pytest.mark.parametrize("rows", [[1, 4, 7], [7, 1, 4], [4, 4, 1, 7, 1], [9, 8], [0], []],
                         ids=["sorted", "unsorted", "repeated", "tail", "first", "none"])
def test_remove_keeps_every_other_row_once(rows):
    ws = _workers(10)
    ws.remove(np.array(rows, dtype=np.int64))
    gone = {r * 10 for r in rows}
    left = sorted(ws.worker_id.tolist())
    assert left == [i * 10 for i in range(10) if i * 10 not in gone]
    # each row's columns still belong together
    assert np.array_equal(ws.wage * 10, ws.worker_id.astype(np.float64))
    assert np.array_equal(ws.status, (ws.worker_id // 10) % 5)
