"""The refused-edits list names every kind of edit the outbox sends in the operator's language, never as a code."""

from __future__ import annotations

import pytest

from services.incident_writer import LINK_PATHS
from widgets.i18n import set_language
from widgets.refused_edits_panel import op_label

OPS = ("create", "update", "comment", "attachment", *LINK_PATHS)


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_outbox_operation_has_words(language: str) -> None:
    set_language(language)
    try:
        labels = {op: op_label(op) for op in OPS}
    finally:
        set_language("en")
    codes_shown = [op for op, label in labels.items() if label == op and language == "th"]
    assert not codes_shown, f"shown as codes in Thai: {codes_shown}"
    assert len(set(labels.values())) == len(OPS)  # each operation told apart
