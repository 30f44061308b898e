"""Retraining subsidy x robot tax (grid, 5 seeds): unemployment against fiscal cost.

    python experiments/retraining_robot_tax.py [--workers N | --scheduler ADDRESS] [--quick]
"""

import sys
from pathlib import Path

from sim.sweep.experiment import run_study

DESCRIPTION = """Retraining subsidy x robot tax.
Look at: analysis/frontier.csv and figures/frontier.png (unemployment against fiscal cost, as
paired differences from subsidy 0.5 / no tax), figures/heatmap_unemployment_rate_mean_last_12.png
and analysis/effects.csv (each policy pair's effect with a 95 % interval over seeds)."""

if __name__ == "__main__":
    sys.exit(run_study(Path(__file__).with_suffix(".toml"), DESCRIPTION))
