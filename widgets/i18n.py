"""Thai-first UI text: every visible string is written as a (Thai, English) pair next to where it is used.

Why pairs in code rather than Qt Linguist files: the pair stays beside the widget that shows it, so a new label
cannot ship untranslated, and there is no separate catalogue to drift. ``set_language`` switches at run time; widgets
re-read their text in ``retranslate()``.
"""

from __future__ import annotations

LANGUAGES = ("th", "en")
_current = "th"


def set_language(language: str) -> None:
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {LANGUAGES}")
    _current = language


def current_language() -> str:
    return _current


def t(th: str, en: str) -> str:
    """The text for the current language."""
    return th if _current == "th" else en
