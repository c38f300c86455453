"""The columns every flow's queue items share, so that the queue is one UNION ALL over the flows."""
from __future__ import annotations

from sqlalchemy import String, cast, literal, null


def none_of(type_):
    """A typed NULL: a column this flow's items do not have."""
    return cast(null(), type_)


def behalf_column(name: str | None):
    """Whose item this is when the caller acts for a colleague (the colleague's username), else NULL."""
    return (literal(name, String()) if name else none_of(String)).label("on_behalf_of")
