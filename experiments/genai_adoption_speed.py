"""Fast versus slow generative-AI adoption, crossed with the assumed new-job ratio.

    python experiments/genai_adoption_speed.py [--workers N | --scheduler ADDRESS] [--quick]
"""

import sys
from pathlib import Path

from sim.sweep.experiment import run_study

DESCRIPTION = """Fast versus slow generative-AI adoption (annual AI cost decline 5 / 20 / 40 %).
Look at: figures/heatmap_unemployment_rate_mean_last_12.png and heatmap_skill_premium_final.png
(adoption speed x new-job ratio), and analysis/effects.csv (paired differences from the central
case, 20 % and ratio 0.8, with 95 % intervals over seeds)."""

if __name__ == "__main__":
    sys.exit(run_study(Path(__file__).with_suffix(".toml"), DESCRIPTION))
