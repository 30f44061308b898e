"""The viewer's summary card: where the run stands this month, in words and numbers.

Example:
    >>> from sim.model import LaborMarketModel
    >>> model = LaborMarketModel(scale=0.001, rng=1)
    >>> model.run(1)
    >>> rows = summary_rows(model)
    >>> rows[0], rows[1]
    (('Month', '1'), ('Date', '2022-02'))
    >>> [label for label, _ in rows[2:]]  # doctest: +NORMALIZE_WHITESPACE
    ['Employed', 'Unemployed', 'Displaced so far', 'Retrained so far',
     'Fiscal cost this month']
"""

from __future__ import annotations

__all__ = ["summary_rows"]


def _persons(value: float) -> str:
    return f"{value:,.0f} persons"


def summary_rows(model) -> list[tuple[str, str]]:
    """Label and formatted value for each line of the card (counts in persons represented)."""
    r = model.reporters
    return [
        ("Month", f"{model.month}"),
        ("Date", model.date),
        ("Employed", _persons(r["employed"])),
        ("Unemployed", f"{r['unemployed']:,.0f} persons ({100 * r['unemployment_rate']:.2f} %)"),
        ("Displaced so far", _persons(r["displaced_total"])),
        ("Retrained so far", _persons(r["retrained_total"])),
        ("Fiscal cost this month", f"{r['fiscal_cost'] / 1e9:,.2f} bn tenge"),
    ]
