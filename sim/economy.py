"""Sectors, occupations, skills and exposure to automation and generative AI.

An occupation carries two exposures: ``p_auto`` (routine automation, robots, software)
and ``p_genai`` (generative AI). Its automation risk is set by the larger one: high
>= 0.7, moderate 0.3-0.7, low < 0.3; "at risk" is moderate or high. A job is
"replaceable by generative AI" when it is at risk and ``p_genai >= p_auto``
(calibration-targets.md, definitions).

Example:
    >>> from sim.scenario import load_scenario
    >>> eco = Economy.from_scenario(load_scenario("kazakhstan"))
    >>> eco.sector_names[0], bool(eco.at_risk.any())
    ('agriculture', True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Economy", "SKILLS", "RISK_MODERATE", "RISK_HIGH", "risk_level"]

SKILLS = ("low", "mid", "high")
RISK_MODERATE = 0.3
RISK_HIGH = 0.7


def risk_level(p_auto: np.ndarray, p_genai: np.ndarray) -> np.ndarray:
    """Risk level per occupation: 0 low, 1 moderate, 2 high (from the larger exposure)."""
    exposure = np.maximum(p_auto, p_genai)
    return (exposure >= RISK_MODERATE).astype(np.int8) + (exposure >= RISK_HIGH)


@dataclass
class Economy:
    """Arrays describing sectors and occupations (indices are row numbers of the tables).

    Attributes (per sector ``s``):
        sector_names, real_sector (bool), sector_share (employment share),
        self_employed_share, sector_trend (annual demand change), separation_rate
        (monthly), mean_firm_size (employees).
    Attributes (per occupation ``o``):
        occupation_names, occupation_sector, isco_group, skill_mix (o x 3), p_auto,
        p_genai, wage_premium, female_share, complementary (bool), occupation_trend,
        is_new (no employment at t = 0), risk (0/1/2), at_risk, genai_replaceable.
    Derived:
        sector_occupation_mix (s x o): occupation shares within each sector.
        complementary_mix (s x o): where a sector's new complementary jobs go.
    """

    sector_names: tuple[str, ...]
    real_sector: np.ndarray
    sector_share: np.ndarray
    self_employed_share: np.ndarray
    sector_trend: np.ndarray
    separation_rate: np.ndarray
    mean_firm_size: np.ndarray
    occupation_names: tuple[str, ...]
    occupation_sector: np.ndarray
    isco_group: np.ndarray
    skill_mix: np.ndarray
    p_auto: np.ndarray
    p_genai: np.ndarray
    wage_premium: np.ndarray
    female_share: np.ndarray
    complementary: np.ndarray
    occupation_trend: np.ndarray
    is_new: np.ndarray
    risk: np.ndarray
    at_risk: np.ndarray
    genai_replaceable: np.ndarray
    sector_occupation_mix: np.ndarray
    complementary_mix: np.ndarray

    @property
    def n_sectors(self) -> int:
        return len(self.sector_names)

    @property
    def n_occupations(self) -> int:
        return len(self.occupation_names)

    @classmethod
    def from_scenario(cls, scenario) -> Economy:
        """Build the arrays from a validated :class:`~sim.scenario.Scenario`."""
        sec = scenario.sectors
        occ = scenario.occupations
        names = tuple(sec["sector"])
        index = {name: i for i, name in enumerate(names)}
        occ_sector = occ["sector"].map(index).to_numpy(np.int8)
        p_auto = occ["p_auto"].to_numpy(np.float64)
        p_genai = occ["p_genai"].to_numpy(np.float64)
        risk = risk_level(p_auto, p_genai)
        share_in_sector = occ["employment_share_in_sector"].to_numpy(np.float64)
        n_s, n_o = len(names), len(occ)
        mix = np.zeros((n_s, n_o))
        mix[occ_sector, np.arange(n_o)] = share_in_sector
        complementary = occ["complementary"].to_numpy().astype(bool)
        is_new = occ["isco_group"].to_numpy() == 0
        new_share = scenario.params["automation"]["complementary_new_occupation_share"]
        comp_mix = np.zeros((n_s, n_o))
        for s in range(n_s):
            own = complementary & ~is_new & (occ_sector == s)
            if own.any():
                comp_mix[s, own] = share_in_sector[own] / share_in_sector[own].sum()
                comp_mix[s] *= 1.0 - new_share
            if is_new.any():
                comp_mix[s, is_new] += (1.0 - comp_mix[s].sum()) / is_new.sum()
        return cls(
            sector_names=names,
            real_sector=sec["real_sector"].to_numpy().astype(bool),
            sector_share=sec["employment_share_approx"].to_numpy(np.float64),
            self_employed_share=sec["self_employed_share"].to_numpy(np.float64),
            sector_trend=sec["demand_trend"].to_numpy(np.float64),
            separation_rate=sec["separation_rate"].to_numpy(np.float64),
            mean_firm_size=sec["mean_firm_size"].to_numpy(np.float64),
            occupation_names=tuple(occ["occupation"]),
            occupation_sector=occ_sector,
            isco_group=occ["isco_group"].to_numpy(np.int8),
            skill_mix=occ[["skill_low", "skill_mid", "skill_high"]].to_numpy(np.float64),
            p_auto=p_auto, p_genai=p_genai,
            wage_premium=occ["wage_premium"].to_numpy(np.float64),
            female_share=occ["female_share"].to_numpy(np.float64),
            complementary=complementary,
            occupation_trend=occ["demand_trend"].to_numpy(np.float64),
            is_new=is_new, risk=risk, at_risk=risk >= 1,
            genai_replaceable=(risk >= 1) & (p_genai >= p_auto),
            sector_occupation_mix=mix, complementary_mix=comp_mix,
        )
