"""Per-event hooks kept for one release, and the warning a plugin implementing them gets."""

from __future__ import annotations

import warnings
from typing import Any

import pluggy

#: Each per-event hook still called, and the batch hook that replaces it.
REPLACED_BY = {
    "skillsprogram_notify": "skillsprogram_notify_batch",
    "skillsprogram_lifecycle_event": "skillsprogram_lifecycle_events",
    "skillsprogram_entitlements": "skillsprogram_benefit_schedule",
}

_warned: set[tuple[str, str]] = set()


def warn_of_replaced_hooks(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Issue a ``DeprecationWarning`` for each replaced hook the plugin ``name`` implements,
    once per plugin and hook in a process, pointing at the plugin's function."""
    for caller in pm.get_hookcallers(plugin) or []:
        batch_hook = REPLACED_BY.get(caller.name)
        if batch_hook is None or (name, caller.name) in _warned:
            continue
        _warned.add((name, caller.name))
        function = next(impl.function for impl in caller.get_hookimpls() if impl.plugin is plugin)
        code = getattr(function, "__code__", None)
        warnings.warn_explicit(
            DeprecationWarning(
                f"plugin {name!r} implements {caller.name}, which is called once per event and "
                f"goes in the next release: implement {batch_hook} (called once per batch) instead"
            ),
            DeprecationWarning,
            filename=code.co_filename if code else name,
            lineno=code.co_firstlineno if code else 0,
            module=getattr(function, "__module__", name),
        )
