"""Build the synthetic occupation table of the Kazakhstan scenario.

The national study quoted in source 002 scores 423 occupation groups, but its table is
not public. This script aggregates them into **sector x ISCO-08 major group** cells
(15 sectors x 9 groups, empty cells dropped), plus four *new* occupations with no
employment in 2022 (source 002 and 001: drone and robot operators, data specialists,
cyber-law), and writes ``occupations.csv``. Every figure in it is **synthetic**: a
documented assumption calibrated so that the t = 0 state reproduces targets A3-A6 of
calibration-targets.md. Run it from the repository root to regenerate the table::

    python -m sim.scenarios.kazakhstan.make_occupations

Columns of the output (per occupation):
    occupation, sector, isco_group: identity (isco_group 0 = new occupation).
    employment_share_in_sector: share of the sector's employed (synthetic).
    skill_low, skill_mid, skill_high: qualification mix of its workers (synthetic).
    p_auto, p_genai: probability that routine automation / generative AI can do the job
        (synthetic; risk = max of the two, see calibration-targets.md).
    wage_premium: relative pay of the occupation (synthetic).
    female_share: share of women (synthetic; C8).
    complementary: 1 if automation in the sector opens jobs here (high-skill,
        low-exposure occupations and the new ones).
    demand_trend: annual change in demand for the occupation beyond its sector's
        trend (synthetic, shaped by D8-D9).
"""

from __future__ import annotations

import csv
from pathlib import Path

ISCO_GROUPS = {
    1: "managers",
    2: "professionals",
    3: "technicians and associate professionals",
    4: "clerical support workers",
    5: "service and sales workers",
    6: "skilled agricultural workers",
    7: "craft and related trades workers",
    8: "plant and machine operators",
    9: "elementary occupations",
}

# Share of each ISCO group in a sector's employment, percent (synthetic, shaped by
# typical transition-economy labour-force surveys).
SECTOR_ISCO_MIX = {
    "agriculture": [2, 2, 3, 2, 2, 55, 4, 8, 22],
    "mining": [5, 12, 12, 4, 3, 0, 22, 30, 12],
    "manufacturing": [6, 10, 10, 4, 4, 0, 28, 24, 14],
    "utilities": [6, 14, 16, 5, 4, 0, 25, 18, 12],
    "construction": [6, 10, 8, 3, 2, 0, 45, 12, 14],
    "trade": [6, 4, 8, 6, 60, 0, 6, 3, 7],
    "transport and logistics": [5, 5, 10, 10, 6, 0, 8, 45, 11],
    "accommodation and food": [6, 2, 4, 4, 66, 0, 4, 1, 13],
    "ict": [8, 48, 22, 10, 4, 0, 4, 2, 2],
    "finance and insurance": [10, 40, 22, 24, 2, 0, 0, 1, 1],
    "professional, scientific and technical": [8, 50, 20, 12, 3, 0, 2, 2, 3],
    "public administration": [12, 35, 18, 20, 10, 0, 1, 2, 2],
    "education": [4, 70, 8, 4, 4, 0, 1, 1, 8],
    "health and social work": [4, 38, 30, 4, 12, 0, 1, 1, 10],
    "other services": [4, 8, 8, 5, 45, 0, 12, 3, 15],
}

# Per ISCO group: skill mix (low, mid, high), p_auto, p_genai, wage premium, female share.
ISCO_DEFAULTS = {
    1: ((0.00, 0.35, 0.65), 0.10, 0.20, 1.90, 0.40),
    2: ((0.00, 0.25, 0.75), 0.05, 0.20, 1.35, 0.62),
    3: ((0.03, 0.75, 0.22), 0.20, 0.25, 1.10, 0.55),
    4: ((0.05, 0.80, 0.15), 0.55, 0.78, 0.85, 0.72),
    5: ((0.18, 0.79, 0.03), 0.20, 0.10, 0.72, 0.64),
    6: ((0.45, 0.54, 0.01), 0.22, 0.02, 0.55, 0.40),
    7: ((0.22, 0.75, 0.03), 0.25, 0.05, 0.95, 0.08),
    8: ((0.22, 0.76, 0.02), 0.25, 0.03, 1.00, 0.08),
    9: ((0.55, 0.45, 0.00), 0.22, 0.02, 0.58, 0.45),
}

# Sector-specific exposures (p_auto, p_genai) where the default does not hold.
# Finance, ICT, science and health are the most exposed to generative AI (A7, 002);
# manufacturing and mining operators to robots; cashiers and sales clerks in trade.
EXPOSURE_OVERRIDES = {
    ("manufacturing", 8): (0.74, 0.03),
    ("mining", 8): (0.62, 0.03),
    ("utilities", 8): (0.55, 0.05),
    ("manufacturing", 9): (0.55, 0.02),
    ("transport and logistics", 8): (0.35, 0.03),   # drivers: autonomous freight
    ("construction", 8): (0.40, 0.03),
    ("construction", 9): (0.35, 0.02),
    ("transport and logistics", 4): (0.60, 0.72),
    ("finance and insurance", 2): (0.10, 0.52),
    ("finance and insurance", 3): (0.30, 0.62),
    ("finance and insurance", 5): (0.35, 0.45),
    ("finance and insurance", 1): (0.10, 0.32),
    ("ict", 2): (0.08, 0.48),
    ("ict", 3): (0.25, 0.55),
    ("ict", 1): (0.10, 0.32),
    ("professional, scientific and technical", 2): (0.08, 0.42),
    ("health and social work", 2): (0.05, 0.36),
}

# Cells split into two occupations: (sector, group) -> [(name, share of the cell, p_auto,
# p_genai)]. Cashiers and sales clerks are exposed to self-checkout; other salespersons not.
SPLITS = {
    ("trade", 5): [("cashiers and sales clerks, trade", 0.30, 0.55, 0.25),
                   ("shop and market salespersons, trade", 0.70, 0.20, 0.10)],
}

# Sector wage premia (synthetic; mining and finance pay most, agriculture least).
SECTOR_PREMIUM = {
    "agriculture": 0.70, "mining": 1.90, "manufacturing": 1.05, "utilities": 1.00,
    "construction": 1.05, "trade": 0.85, "transport and logistics": 1.05,
    "accommodation and food": 0.75, "ict": 1.45, "finance and insurance": 1.55,
    "professional, scientific and technical": 1.30, "public administration": 0.95,
    "education": 0.75, "health and social work": 0.80, "other services": 0.80,
}

# Extra annual demand trend by ISCO group, beyond the sector trend (D9: office jobs
# -6 %/yr, maintenance -8 %, computing +4.6 %; damped for a middle-income economy).
ISCO_TREND = {1: 0.010, 2: 0.015, 3: 0.010, 4: -0.030, 5: 0.0, 6: -0.010, 7: -0.005,
              8: -0.010, 9: -0.020}

NEW_OCCUPATIONS = [
    # name, sector, skill mix, wage premium, female share, trend (D8: big data +2.95 %/yr)
    ("drone and robot operators", "manufacturing", (0.0, 0.55, 0.45), 1.35, 0.15, 0.03),
    ("data and AI specialists", "ict", (0.0, 0.15, 0.85), 1.80, 0.30, 0.03),
    ("cyber-law and digital compliance specialists", "professional, scientific and technical",
     (0.0, 0.10, 0.90), 1.60, 0.50, 0.03),
    ("industrial automation technicians", "utilities", (0.0, 0.50, 0.50), 1.30, 0.12, 0.03),
]


def occupation_rows() -> list[dict]:
    """Return the occupation table as a list of row dicts."""
    rows = []
    for sector, mix in SECTOR_ISCO_MIX.items():
        total = sum(mix)
        for group, share in enumerate(mix, start=1):
            if share == 0:
                continue
            skills, p_auto, p_genai, premium, female = ISCO_DEFAULTS[group]
            p_auto, p_genai = EXPOSURE_OVERRIDES.get((sector, group), (p_auto, p_genai))
            parts = SPLITS.get((sector, group),
                               [(f"{ISCO_GROUPS[group]}, {sector}", 1.0, p_auto, p_genai)])
            for name, part, p_auto, p_genai in parts:
                exposure = max(p_auto, p_genai)
                rows.append({
                    "occupation": name,
                    "sector": sector,
                    "isco_group": group,
                    "employment_share_in_sector": round(share * part / total, 6),
                    "skill_low": skills[0], "skill_mid": skills[1], "skill_high": skills[2],
                    "p_auto": p_auto, "p_genai": p_genai,
                    "wage_premium": round(premium * SECTOR_PREMIUM[sector], 4),
                    "female_share": female,
                    "complementary": int(group in (2, 3) and exposure < 0.3),
                    "demand_trend": ISCO_TREND[group],
                })
    for name, sector, skills, premium, female, trend in NEW_OCCUPATIONS:
        rows.append({
            "occupation": name, "sector": sector, "isco_group": 0,
            "employment_share_in_sector": 0.0,
            "skill_low": skills[0], "skill_mid": skills[1], "skill_high": skills[2],
            "p_auto": 0.05, "p_genai": 0.10, "wage_premium": premium,
            "female_share": female, "complementary": 1, "demand_trend": trend,
        })
    return rows


def main(path: Path = Path(__file__).with_name("occupations.csv")) -> None:
    rows = occupation_rows()
    with open(path, "w", newline="") as f:
        f.write("# SYNTHETIC table: sector x ISCO-08 major group aggregation of the 423 "
                "occupation groups (source 002); built by make_occupations.py\n")
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} occupations to {path}")


if __name__ == "__main__":
    main()
