"""``labsim viz``: serve the browser viewer (:mod:`sim.viz.app`) with solara, offline.

The page is served on 127.0.0.1 unless ``--host`` says otherwise. Solara's version check
(``--no-check-version``) and its telemetry (``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False``)
are turned off: with both off, and the JavaScript served by the ``solara-assets`` package
(the ``viz`` extra pins the versions that have it), the server opens no outbound
connection, so the viewer works on an air-gapped machine.

Options are checked before the server starts; bad ones are a :class:`ScenarioError`
(one line, exit code 2). A scale above :data:`sim.viz.app.MAX_SCALE` is refused: it is not
interactive. This module imports neither solara nor Mesa's visualization, so the
``labsim`` command works without the ``viz`` extra.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from ..errors import ScenarioError
from ..scenario import load_scenario

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "DEFAULT_SCALE", "MAX_SCALE", "add_viz_parser",
           "solara_command", "viz"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
# Mirrors sim.viz.app (which needs solara to import); tests/test_viz.py checks they agree.
DEFAULT_SCALE = 0.01
MAX_SCALE = 0.1
_MAX_SEED = 2**63 - 1


def add_viz_parser(subparsers) -> None:
    """Register ``labsim viz`` on the ``labsim`` command's subparsers."""
    viz_parser = subparsers.add_parser("viz", help="serve the browser viewer (SolaraViz) on localhost")
    viz_parser.add_argument("--host", default=DEFAULT_HOST,
                            help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    viz_parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                            help=f"port to listen on (default {DEFAULT_PORT})")
    viz_parser.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                            help=f"fraction of the labour force simulated, in (0, {MAX_SCALE:g}] "
                                 f"(default {DEFAULT_SCALE:g})")
    viz_parser.add_argument("--seed", type=int, default=1, help="integer seed of the first model (default 1)")
    viz_parser.add_argument("--scenario", default="kazakhstan", help="name or path of a scenario TOML")


def solara_command(app: str, host: str, port: int) -> list[str]:
    """The solara command line that serves ``app`` (a module name) on ``host:port``."""
    return [sys.executable, "-m", "solara", "run", app, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def _check_options(args) -> None:
    if not (0.0 < args.scale <= MAX_SCALE):
        raise ScenarioError("<command line>", "--scale", args.scale,
                            f"a fraction in (0, {MAX_SCALE:g}] for the interactive viewer "
                            f"(use `labsim run` for larger scales)")
    if not (1 <= args.port <= 65535):
        raise ScenarioError("<command line>", "--port", args.port, "a port number in [1, 65535]")
    if not (0 <= args.seed <= _MAX_SEED):
        raise ScenarioError("<command line>", "--seed", args.seed, f"an integer in [0, {_MAX_SEED}]")
    if not args.host.strip():
        raise ScenarioError("<command line>", "--host", args.host, "an address to listen on")


def viz(args) -> int:
    """Check the options, then replace this process with the solara server (never returns).

    Raises:
        ScenarioError: a bad option or scenario.
        ImportError: the ``viz`` extra is not installed (says how to install it).
    """
    _check_options(args)
    scenario = load_scenario(args.scenario)  # a bad scenario stops here, not in the page
    for module in ("solara", "solara_assets", "mesa.visualization"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            raise ImportError(f"labsim viz needs the viewer's packages ({module} is missing): "
                              f"python -m pip install 'labsim[viz]'")
    env = dict(os.environ)
    env.update({
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "LABSIM_VIZ_SCENARIO": str(scenario.path),
        "LABSIM_VIZ_SCALE": repr(float(args.scale)),
        "LABSIM_VIZ_SEED": str(args.seed),
        "MPLBACKEND": "Agg",
    })
    command = solara_command("sim.viz.app", args.host, args.port)
    print(f"labsim viz: serving http://{args.host}:{args.port} (scale {args.scale:g}, "
          f"seed {args.seed}); Ctrl-C stops it", flush=True)
    # exec, not a child process: Ctrl-C and kill reach the server itself, and nothing is left behind.
    os.execve(sys.executable, command, env)
    return 0  # not reached
