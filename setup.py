"""Builds the Cython kernels, nothing else (metadata lives in pyproject.toml).

Compiler directives are set once here. ``LABSIM_CYTHON_DEBUG=1`` at build time turns
bounds and wrap-around checks back on. Reproducibility flags: no ``-ffast-math``, and
``-ffp-contract=off`` so the C compiler never fuses a*b+c into one rounding (NumPy's
reference does not), which keeps Cython and NumPy results bit-identical.
"""

import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("LABSIM_CYTHON_DEBUG") == "1"
DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": not DEBUG,
    "initializedcheck": DEBUG,
}
COMPILE_ARGS = [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off", "-fno-fast-math"]

extensions = [
    Extension(f"kernels.{name}", [f"kernels/{name}.pyx"], extra_compile_args=COMPILE_ARGS)
    for name in ("_matching", "_retraining", "_population", "_draws", "_vacancies", "_firms")
]

# force=DEBUG: a debug build must regenerate the C, not reuse the release files.
setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES, force=DEBUG))
