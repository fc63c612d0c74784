"""skillsprogram: run a fully digital national skills programme end to end.

The package is layered: the interfaces (the command line and the HTTP API) call
``services``, which work on the ``domain`` through a ``storage`` unit of work.
Everything a country does differently is a pluggy plugin or programme configuration
(:mod:`skillsprogram.config`). A plugin imports from the core only
:mod:`skillsprogram.plugin`, which holds ``hookimpl``, the values hooks receive and
return, the errors a plugin raises and its helpers; the hooks are documented in
:mod:`skillsprogram.hooks.specs`.
"""

__version__ = "0.1.0"
