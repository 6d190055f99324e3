"""The chart tests run in Thai unless they ask for English; the language before is restored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from widgets.i18n import current_language, set_language


@pytest.fixture(autouse=True)
def thai() -> Iterator[None]:
    before = current_language()
    set_language("th")
    yield
    set_language(before)
