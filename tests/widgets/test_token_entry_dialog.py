"""The token entry dialog: the simulator's printed lines parsed, tokens never shown, OK only with a usable token,
nothing kept once it closes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from widgets.i18n import set_language
from widgets.token_entry_dialog import TokenEntryDialog, parse_printed_tokens

PRINTED = """PAO simulator listening on http://127.0.0.1:8311 (seed 2026)
  FIRMS MAP_KEY: DEMO_KEY
  no OS keyring: store these on each console's workstation with `pao-console secret set simulator-token-<role>`
  operator   token: op_AAAAAAAAAAAAAAAAAAAA
  supervisor token: su-BBBBBBBBBBBBBBBBBBBB
  viewer     token: vi_CCCCCCCCCCCCCCCCCCCC
Press Ctrl-C to stop."""
TOKENS = {"operator": "op_AAAAAAAAAAAAAAAAAAAA", "supervisor": "su-BBBBBBBBBBBBBBBBBBBB",
          "viewer": "vi_CCCCCCCCCCCCCCCCCCCC"}


@pytest.fixture
def dialog(qtbot) -> Iterator[TokenEntryDialog]:  # type: ignore[no-untyped-def]
    set_language("en")
    widget = TokenEntryDialog("http://127.0.0.1:8311")
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    set_language("th")


def ok(dialog: TokenEntryDialog):  # type: ignore[no-untyped-def]
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_parse_printed_tokens() -> None:
    assert parse_printed_tokens(PRINTED) == TOKENS
    assert parse_printed_tokens("operator   token: short") == {}  # not a token
    assert parse_printed_tokens("nothing here") == {}


def test_paste_fills_masked_fields_and_ok_emits_then_forgets(dialog: TokenEntryDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert not ok(dialog).isEnabled() and "at least one" in dialog.problem.text()
    assert "http://127.0.0.1:8311" in dialog.explanation.text()
    assert all(f.echoMode() == QLineEdit.EchoMode.Password for f in dialog.fields.values())
    QGuiApplication.clipboard().setText(PRINTED)
    dialog.paste_button.click()
    assert dialog.tokens() == TOKENS and ok(dialog).isEnabled() and dialog.problem.text() == ""
    with qtbot.waitSignal(dialog.sig_tokens_entered) as blocker:
        ok(dialog).click()
    assert blocker.args == [TOKENS]
    assert not dialog.isVisible() and dialog.tokens() == {}


def test_one_token_by_hand_and_bad_input(dialog: TokenEntryDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog.fields["supervisor"].setText("has spaces in it")
    assert not ok(dialog).isEnabled() and "supervisor" in dialog.problem.text()
    dialog.fields["supervisor"].setText("  su-BBBBBBBBBBBBBBBBBBBB  ")
    assert ok(dialog).isEnabled()
    QGuiApplication.clipboard().setText("<b>not tokens</b> at all")
    dialog.paste_button.click()
    assert "no simulator token" in dialog.problem.text() and dialog.tokens() == {"supervisor": TOKENS["supervisor"]}
    with qtbot.waitSignal(dialog.sig_tokens_entered) as blocker:
        ok(dialog).click()
    assert blocker.args == [{"supervisor": TOKENS["supervisor"]}]


def test_cancel_emits_nothing_and_forgets(dialog: TokenEntryDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog.fields["operator"].setText(TOKENS["operator"])
    with qtbot.assertNotEmitted(dialog.sig_tokens_entered):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert dialog.tokens() == {}


def test_thai(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_language("th")
    widget = TokenEntryDialog("http://127.0.0.1:8311")
    qtbot.addWidget(widget)
    assert widget.windowTitle() == "โทเค็นของระบบจำลอง" and "keyring" in widget.explanation.text()
