"""A Sobol study of the main policies and the new-job ratio (SALib).

    python experiments/sobol_main_policies.py [--workers N | --scheduler ADDRESS] [--quick]
"""

import sys
from pathlib import Path

from sim.sweep.experiment import run_study

DESCRIPTION = """Sobol study of the main policies (and the assumed new-job ratio).
Look at: analysis/sensitivity.csv (first-order S1 and total ST indices with 95 % bootstrap
intervals, per outcome) and figures/sensitivity_*.png; figures/frontier.png for the policy mixes."""

if __name__ == "__main__":
    sys.exit(run_study(Path(__file__).with_suffix(".toml"), DESCRIPTION))
