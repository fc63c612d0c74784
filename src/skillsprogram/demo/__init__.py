"""The steps of ``skillsprogram demo`` by concern; :func:`skillsprogram.simulation.run_demo`
runs them in order."""
