"""Regenerate ``tests/data/output_digest.json``, the stored digest of a small run.

``tests/test_output_digest.py`` runs the same small run and compares the SHA-256 of its
outputs with this file, so that an optimisation cannot change a result unnoticed. Only
this script writes the file, and only on purpose: the commit that regenerates it must
say why the outputs changed (a calibration, a new rule, a bug fix). Usage, from the
repository root::

    python tests/regenerate_digest.py --reason "recalibration of the adoption hazard"
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import tempfile
from pathlib import Path

DIGEST_PATH = Path(__file__).with_name("data") / "output_digest.json"
#: The run the digest is taken of: small enough for CI, long enough to reach every stage
#: (generative AI starts at month 10, retraining courses take 6 months).
RUN = {"scale": 0.002, "months": 24, "seed": 7}
FILES = ("model.csv", "regions.csv", "migration.csv")


def output_digests(run: dict = RUN) -> dict[str, str]:
    """SHA-256 of each output file of ``labsim run`` for ``run`` (no figures)."""
    from sim.model import LaborMarketModel
    from sim.outputs import write_outputs

    model = LaborMarketModel(scale=run["scale"], rng=run["seed"])
    model.run(run["months"])
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(model, tmp, None, figures=False)
        return {name: hashlib.sha256((Path(tmp) / name).read_bytes()).hexdigest()
                for name in FILES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reason", required=True, help="why the outputs changed (kept in the file)")
    args = parser.parse_args()
    record = {"run": RUN, "sha256": output_digests(), "reason": args.reason,
              "regenerated": datetime.date.today().isoformat()}
    DIGEST_PATH.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {DIGEST_PATH}: {record['sha256']}")


if __name__ == "__main__":
    main()
