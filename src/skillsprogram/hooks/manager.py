"""Build the plugin manager for a programme: default plugins, then the configured ones.

Installed plugins announce themselves in the ``skillsprogram`` entry-point
group, but only those a programme's configuration names are enabled for it:
two countries' plugins can be installed side by side without both answering
the same ``firstresult`` hook. A configuration may also name a module path.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy

from skillsprogram.errors import ConfigurationError
from skillsprogram.hooks import specs
from skillsprogram.hooks.deprecations import warn_of_replaced_hooks

log = logging.getLogger("skillsprogram.hooks")

ENTRY_POINT_GROUP = "skillsprogram"
TRACE_ENV = "SKILLSPROGRAM_TRACE_HOOKS"

#: The framework's own behaviour, implemented on the same hooks a country plugin uses.
DEFAULT_PLUGINS = (
    "skillsprogram.defaults.national_id",
    "skillsprogram.defaults.identity",
    "skillsprogram.defaults.eligibility",
    "skillsprogram.defaults.selection",
    "skillsprogram.defaults.benefits",
    "skillsprogram.defaults.notifications",
    "skillsprogram.defaults.funding",
)


@dataclass(frozen=True)
class InstalledPlugin:
    """A plugin found in the entry-point group."""

    name: str
    target: str
    distribution: str | None


def installed_plugins() -> list[InstalledPlugin]:
    """Every plugin installed in the ``skillsprogram`` entry-point group."""
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else None
        found.append(InstalledPlugin(name=ep.name, target=ep.value, distribution=dist))
    return sorted(found, key=lambda p: p.name)


def _load(name: str) -> Any:
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        return ep.load()
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ConfigurationError(
            f"plugin {name!r} is neither an installed '{ENTRY_POINT_GROUP}' entry point "
            f"nor an importable module ({exc})"
        ) from exc


def _register(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    unknown = sorted(
        attribute
        for attribute in dir(plugin)
        if attribute.startswith(f"{specs.PROJECT}_")
        and callable(getattr(plugin, attribute, None))
        and not hasattr(specs, attribute)
    )
    if unknown:
        raise ConfigurationError(
            f"plugin {name!r} implements hooks that do not exist: {unknown} (see docs/hooks.md)"
        )
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise ConfigurationError(f"plugin {name!r} is not valid: {exc}") from exc
    except ValueError as exc:  # already registered under another name
        raise ConfigurationError(f"plugin {name!r} cannot be registered: {exc}") from exc
    warn_of_replaced_hooks(pm, plugin, name)


def build_plugin_manager(
    plugin_names: list[str] | tuple[str, ...] = (),
    extra: list[tuple[str, Any]] | None = None,
    trace: bool | None = None,
) -> pluggy.PluginManager:
    """Return a plugin manager with the defaults, then ``plugin_names``, then ``extra``.

    Later registrations are called first, so a country plugin's ``firstresult``
    answer wins over the default's. Every registered implementation is checked
    against its specification; a wrong signature or an unknown
    ``skillsprogram_*`` hook is refused with the plugin's name.
    """
    pm = pluggy.PluginManager(specs.PROJECT)
    pm.add_hookspecs(specs)
    for module_name in DEFAULT_PLUGINS:
        _register(pm, importlib.import_module(module_name), module_name)
    for name in plugin_names:
        _register(pm, _load(name), name)
    for name, plugin in extra or []:
        _register(pm, plugin, name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigurationError(f"a plugin implements an unknown hook: {exc}") from exc
    if trace if trace is not None else _env_flag(TRACE_ENV):
        enable_tracing(pm)
    return pm


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def enable_tracing(pm: pluggy.PluginManager) -> None:
    """Log every hook call, which plugins answer it, and the shape of its arguments and
    result at INFO on ``skillsprogram.hooks`` (shapes only: never personal values).

    Tracing is asked for explicitly, so when the application has configured no logging
    at all (the command line, a script) the trace goes to standard error rather than
    nowhere; an application with its own logging set-up keeps full control.
    """
    log.setLevel(logging.INFO)
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        log.addHandler(handler)

    def before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        shown = {k: _short(v) for k, v in kwargs.items() if k != "programme"}
        log.info("hook %s -> %s %s", hook_name, [i.plugin_name for i in impls], shown)

    def after(
        outcome: pluggy.Result[Any],
        hook_name: str,
        impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        exc = outcome.exception
        if exc is not None:
            log.info("hook %s raised %r", hook_name, exc)
        else:
            log.info("hook %s returned %s", hook_name, _short(outcome.get_result()))

    pm.add_hookcall_monitoring(before, after)


def _short(value: Any) -> str:
    """Describe a hook argument or result without its content: arguments carry
    personal data (national ids, names) that must never reach a log."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, list | tuple):
        kinds = sorted({type(item).__name__ for item in value})
        return f"{len(value)} x {'/'.join(kinds) or 'nothing'}"
    return type(value).__name__


def hooks_by_plugin(pm: pluggy.PluginManager) -> dict[str, list[str]]:
    """For each registered plugin, the hooks it implements (for ``skillsprogram plugins``)."""
    result: dict[str, list[str]] = {}
    for name, plugin in pm.list_name_plugin():
        callers = pm.get_hookcallers(plugin) or []
        result[name] = sorted(caller.name for caller in callers)
    return result
