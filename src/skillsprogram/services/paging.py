"""Keyset pages: what every listing of the API and the CLI pages through."""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import Select

Ts = TypeVarTuple("Ts")


def keyset_page(query: Select[*Ts], key: Any, after: Any, limit: int) -> Select[*Ts]:
    """``query`` narrowed to one page: the rows after key ``after`` (all when ``None``),
    in key order, at most ``limit``."""
    if after is not None:
        query = query.where(key > after)
    return query.order_by(key).limit(limit)
