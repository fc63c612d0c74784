"""Templates: where they are found, the language they speak, the values every page shows.

Templates are found in a deployment's folder first, then in the folders plugins offer
(``skillsprogram_portal_templates``), then in the core's. They speak the person's
language through ``jinja2.ext.i18n`` (``{{ _("...") }}``, ``{% trans %}``), from the
programme's catalogues, and format amounts and dates with Babel in that language.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from skillsprogram.context import ProgrammeContext
from skillsprogram.i18n import Catalogues, babel_knows
from skillsprogram.money import Money, display_locale

#: The core's templates and static files.
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

_locale: ContextVar[str] = ContextVar("skillsprogram_portal_locale")
_catalogues: ContextVar[Catalogues] = ContextVar("skillsprogram_portal_catalogues")


def _gettext(message: str, **values: Any) -> str:
    text = _catalogues.get().translations(_locale.get()).gettext(message)
    return text % values if values else text


def _ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    text = _catalogues.get().translations(_locale.get()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def _translated(text: str) -> str:
    """A text made from a catalogue message and kept (a refusal reason), in the page's
    language: the ``translated`` filter."""
    return _catalogues.get().translate_filled(_locale.get(), text)


def build_environment(ctx: ProgrammeContext, deployment: Path | None) -> Environment:
    """The templates of ``ctx``'s programme: a deployment's folder, then the plugins',
    then the core's."""
    offered = [
        Path(f) for found in ctx.hook.skillsprogram_portal_templates(programme=ctx.config) for f in found
    ]
    folders = [*([deployment] if deployment else []), *offered, TEMPLATES]
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["translated"] = _translated
    return environment


@dataclass(frozen=True, slots=True)
class Formats:
    """Amounts, numbers and dates as people of one locale write them (Babel, from CLDR).

    Digits are those of the locale's default numbering system in CLDR (for ``km`` that is
    ``latn``, the script's own digits being only its "native" alternative). A locale Babel
    does not know is written as its language, else as English (:func:`skillsprogram.money.display_locale`).
    """

    locale: str
    currency: str
    minor_units: int
    zone: Any

    @property
    def babel_locale(self) -> str:
        """The locale Babel writes in."""
        return display_locale(self.locale)

    def money(self, amount: int) -> str:
        """An amount of the programme's currency, in its minor unit, with the currency's
        decimals and its sign where the locale puts it (``Rp3.500.000`` in ``id``,
        ``280,000.00៛`` in ``km``)."""
        return Money(amount, self.currency).format(self.minor_units, self.locale)

    def number(self, value: int | float) -> str:
        """A count or a share."""
        return format_decimal(value, locale=self.babel_locale)

    def day(self, value: date | datetime | None) -> str:
        """A calendar day (a time is first moved into the programme's time zone)."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date() if value.tzinfo else value.date()
        return format_date(value, format="long", locale=self.babel_locale)

    def moment(self, value: datetime | None) -> str:
        """A date and time in the programme's time zone."""
        if value is None:
            return ""
        return format_datetime(value, format="medium", tzinfo=self.zone, locale=self.babel_locale)


def language_name(code: str) -> str:
    """A language named in itself, as CLDR names it (by its code where CLDR does not know
    it)."""
    known = babel_knows(code)
    return (Locale.parse(known).get_display_name(known) if known else None) or code


class Pages:
    """Renders the portal's pages in a person's language."""

    def __init__(self, environment: Environment, catalogues: Catalogues) -> None:
        self.environment = environment
        self.catalogues = catalogues
        self.languages = [(code, language_name(code)) for code in catalogues.locales]

    def render(
        self,
        request: Request,
        template: str,
        values: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        """``template`` filled with ``values`` and what every page shows, in the language of
        the person asking (see :func:`skillsprogram.web.sessions.locale_of`)."""
        from skillsprogram.web.sessions import csrf_token, locale_of, signed_in

        state = request.app.state.api
        ctx: ProgrammeContext = state.ctx
        locale = locale_of(request)
        info = ctx.config.programme
        page_values = {
            "request": request,
            "programme": info,
            "locale": locale,
            "languages": self.languages,
            "csrf_token": csrf_token(request),
            "form_token": secrets.token_urlsafe(16),
            "signed_in": signed_in(request),
            "fmt": Formats(locale, info.currency, info.currency_minor_units(), info.zone),
            **(values or {}),
        }
        locale_token = _locale.set(locale)
        catalogue_token = _catalogues.set(self.catalogues)
        try:
            html = self.environment.get_template(template).render(page_values)
        finally:
            _locale.reset(locale_token)
            _catalogues.reset(catalogue_token)
        return HTMLResponse(html, status_code=status_code, headers={"Content-Language": locale})


def translate(request: Request, message: str, **values: Any) -> str:
    """``message`` in the language of the person asking (for texts made in Python: a
    message flashed after a redirect, an error beside a field)."""
    from skillsprogram.web.sessions import locale_of

    pages: Pages = request.app.state.pages
    return pages.catalogues.gettext(locale_of(request), message, **values)
