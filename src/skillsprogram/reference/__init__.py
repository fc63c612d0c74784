"""The reference pages of ``docs/`` that are generated from the code they describe.

``python -m skillsprogram.reference --write docs`` rewrites them all;
``python -m skillsprogram.reference <page>`` prints one. A test fails when a page and
the code differ, so the pages cannot drift from what the core does.
"""

from __future__ import annotations

from collections.abc import Callable

from skillsprogram.reference import configuration, events, plugin_values

#: Each generated page's name (its file is ``docs/<name>.md``) and its renderer.
PAGES: dict[str, Callable[[], str]] = {
    "configuration": configuration.render_markdown,
    "plugin-values": plugin_values.render_markdown,
    "events": events.render_markdown,
}
