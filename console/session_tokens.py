"""A standalone simulator's role tokens entered by hand, for a console with ``--simulator-url`` on a workstation
without an OS keyring.

The simulator prints its tokens when it has no keyring to leave them in. *Sync → Enter simulator tokens…* (and a
button next to the status-bar notice when the keyring turns out to be unavailable) opens
:class:`widgets.token_entry_dialog.TokenEntryDialog`; the tokens entered are kept in this object's memory for the
session only — never written to a file, a setting or the log — and ``sig_tokens_changed`` asks the console to rebuild
its writer with them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QPushButton

from console.main_window import MainWindow
from widgets.i18n import t
from widgets.token_entry_dialog import TokenEntryDialog


class SessionTokens(QObject):
    """Owns the menu action, the status-bar button and the tokens entered (role → token)."""

    sig_tokens_changed = Signal()
    """The operator entered tokens: rebuild whatever uses them."""

    def __init__(self, window: MainWindow, anchor: QAction, parent: QObject | None = None) -> None:
        """``anchor``: an action of the *Sync* menu; the new action goes into the same menu."""
        super().__init__(parent)
        self._window = window
        self._url: str | None = None
        self._tokens: dict[str, str] = {}
        self.dialog: TokenEntryDialog | None = None
        self.action = QAction(window, visible=False)
        self.action.setObjectName("enterSimulatorTokensAction")
        self.button = QPushButton(window)
        self.button.setObjectName("enterSimulatorTokensButton")
        self.button.setFlat(True)
        self.button.setVisible(False)

        menu = next((o for o in anchor.associatedObjects() if isinstance(o, QMenu)), None)
        if menu is not None:
            menu.addAction(self.action)
        window.statusBar().addWidget(self.button)
        self.action.triggered.connect(self.open)
        self.button.clicked.connect(self.open)
        window.sig_language_changed.connect(lambda _language: self.retranslate())
        self.retranslate()

    @property
    def tokens(self) -> dict[str, str]:
        """A copy of the tokens entered this session (empty until the operator enters some)."""
        return dict(self._tokens)

    def token(self, role: str) -> str | None:
        return self._tokens.get(role)

    def set_simulator(self, url: str | None) -> None:
        """The standalone simulator the console uses (None: embedded or live, where there is nothing to enter)."""
        self._url = url
        self.action.setVisible(url is not None)
        if url is None:
            self.button.setVisible(False)

    def offer(self) -> None:
        """The keyring is unavailable and no token is known: show the button next to the status-bar notice."""
        self.button.setVisible(self._url is not None)

    def open(self) -> None:
        """Show the dialog (non-modal: the console keeps working behind it)."""
        if self._url is None:
            return
        if self.dialog is None:
            self.dialog = TokenEntryDialog(self._url, self._window)
            self.dialog.sig_tokens_entered.connect(self._entered)
        if self.dialog.isVisible():  # open already, behind the window: bring it forward
            self.dialog.raise_()
            self.dialog.activateWindow()
        else:
            self.dialog.show()

    def retranslate(self) -> None:
        self.action.setText(t("ใส่โทเค็นของระบบจำลอง…", "Enter simulator &tokens…"))
        self.button.setText(t("ใส่โทเค็น…", "Enter tokens…"))
        if self.dialog is not None:
            self.dialog.retranslate()

    def _entered(self, tokens: dict[str, str]) -> None:
        self._tokens.update(tokens)
        self.button.setVisible(False)
        self.sig_tokens_changed.emit()
