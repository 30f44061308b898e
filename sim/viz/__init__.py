"""The browser viewer: a Mesa SolaraViz page served by ``labsim viz``.

- :mod:`sim.viz.app`: the page (needs the ``viz`` extra: solara and Mesa's visualization);
- :mod:`sim.viz.network`, :mod:`sim.viz.series`, :mod:`sim.viz.summary`: its panels, plain
  matplotlib and Python, usable and testable without a browser;
- :mod:`sim.viz.serve`: the ``labsim viz`` command.

Importing this package imports nothing heavy; ``sim.model`` never imports it.
"""
