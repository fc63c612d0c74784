"""skillsprogram: run a fully digital national skills programme end to end.

The package is layered: ``interfaces`` (CLI, later API and web pages) call
``services``, which work on the ``domain`` through a ``storage`` unit of work.
Everything a country does differently is a pluggy plugin (see
:mod:`skillsprogram.hooks.specs`) or programme configuration
(see :mod:`skillsprogram.config`).
"""

__version__ = "0.1.0"
