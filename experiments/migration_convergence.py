"""Migration subsidies versus regional convergence (sigma convergence across regions).

    python experiments/migration_convergence.py [--workers N | --scheduler ADDRESS] [--quick]
"""

import sys
from pathlib import Path

from sim.sweep.experiment import run_study

DESCRIPTION = """Migration subsidies versus regional convergence.
Look at: analysis/effects.csv rows for regional_unemployment_spread_* and
regional_wage_dispersion_* (paired differences from no subsidy; negative = convergence),
figures/heatmap_regional_unemployment_spread_mean_last_12.png, and figures/frontier.png."""

if __name__ == "__main__":
    sys.exit(run_study(Path(__file__).with_suffix(".toml"), DESCRIPTION))
