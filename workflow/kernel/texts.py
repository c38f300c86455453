"""Texts people read, from the gettext catalogs the pages use: `text(message_id, language, **params)`.

The message id is the English text (as in the pages' catalog), so English needs no catalog and a
language without one falls back to English; a third language is a new catalog, not code. Mark a
message id with `N_` where it is defined so that `scripts/i18n.sh` extracts it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from policies.messages import MESSAGES, TERM_PARAMS, TERMS

# The catalogs Flask-Babel serves the pages from (package data of `api`, installed beside `workflow`);
# read here as files, so workflow imports nothing of the web layer.
CATALOGS = Path(__file__).resolve().parents[2] / "api" / "translations"


def N_(message_id: str) -> str:
    """Marks a message id for extraction; translated later, where the reader's language is known."""
    return message_id


def NC_(context: str, message_id: str) -> str:
    """Marks a message id that is translated in a context (extracted as msgctxt); see `ptext`."""
    return message_id


def language(code: str | None) -> str:
    """The catalog language for a person's language setting ("zh-CN" -> "zh"); English when there is none."""
    base = (code or "en").replace("-", "_").split("_")[0].lower()
    return base if base in languages() else "en"


@lru_cache(maxsize=1)
def languages() -> frozenset[str]:
    """English and every language with a compiled catalog."""
    found = {p.parent.parent.name for p in CATALOGS.glob("*/LC_MESSAGES/messages.mo")}
    return frozenset(found | {"en"})


@lru_cache(maxsize=16)
def _catalog(lang: str) -> NullTranslations:
    return Translations.load(str(CATALOGS), [lang])


class _Params(dict):
    """Parameters of a stored text: one the text names but the record lacks prints as a blank."""

    def __missing__(self, key):
        return ""


def text(message_id: str, language_code: str | None = "en", /, **params) -> str:
    """The text in the reader's language with its parameters filled in.

    Never raises for the parameters: a stored finding or notification written before a text gained
    or lost a parameter still renders, with what it has (extra ones are ignored, missing ones blank).
    """
    translated = _catalog(language(language_code)).gettext(message_id)
    return fill(translated, params)


def ptext(context: str, message_id: str, language_code: str | None = "en", /, **params) -> str:
    """`text` for a message id in a gettext context, where the same English reads differently."""
    return fill(str(_catalog(language(language_code)).pgettext(context, message_id)), params)


def fill(template: str, params: dict) -> str:
    """The template with its {named} parameters; never raises (see `text`)."""
    try:
        # format_map: the C formatter, a tenth of string.Formatter's cost (15 findings per answer).
        return template.format_map(_Params(params))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        # A format spec the stored value cannot take ({pct:.1f} given text) or a stray brace.
        return template


def finding(message_key: str, params: dict, language_code: str | None) -> str:
    """A rule finding in the reader's language; the words its parameters name (a travel mode, an
    exemption, a purpose) in that language too. A key no longer known renders as the key itself."""
    words = {k: text(TERMS[v], language_code) for k, v in params.items()
             if k in TERM_PARAMS and isinstance(v, str) and v in TERMS} if params else {}
    return text(MESSAGES.get(message_key, message_key), language_code, **{**(params or {}), **words})
