"""``python -m skillsprogram.cli``: the same command as ``skillsprogram``."""

from skillsprogram.cli.main import app

app()
