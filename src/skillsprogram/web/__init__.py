"""The portal: server-rendered pages for applicants and training providers.

A sibling of :mod:`skillsprogram.api`: its pages call the same services inside the same
units of work, and reuse the API's callers (roles, ownership checks), with a session
cookie instead of a bearer token. :func:`skillsprogram.api.create_app` serves it beside
the API; :func:`create_portal` builds it alone, for a government's own ASGI stack.
"""

from skillsprogram.web.portal import create_portal, install_portal

__all__ = ["create_portal", "install_portal"]
