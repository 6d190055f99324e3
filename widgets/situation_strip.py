"""The situation strip under the menus: one clickable chip per count of what is urgent now.

A chip shows a glyph, a number and a few words, so its level never rests on colour alone: calm (✓, a zero), watch
(▲), urgent (⚠) and unknown (… while nothing is loaded). Every level's text meets WCAG's 4.5:1 contrast on its
background (:func:`contrast_ratio`; tests check each). The console decides counts, levels and words and answers
clicks (``sig_chip_activated``); later sources, such as the alert rules, add their own chips with
:meth:`SituationStrip.set_chip` under keys of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QToolButton, QWidget

from widgets.display_format import plain_tooltip
from widgets.i18n import t


@dataclass(frozen=True, slots=True)
class ChipLevel:
    """How a level looks: background, text and border colours, and the glyph before the number."""

    background: str
    text: str
    border: str
    glyph: str


LEVELS: dict[str, ChipLevel] = {
    "calm": ChipLevel("#e6f2e9", "#14532d", "#8fbf9c", "✓"),
    "watch": ChipLevel("#ffe49a", "#3d2c00", "#c99700", "▲"),
    "urgent": ChipLevel("#b3261e", "#ffffff", "#6e1510", "⚠"),
    "unknown": ChipLevel("#ececec", "#333333", "#b5b5b5", "…"),
}


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast_ratio(foreground: str | QColor, background: str | QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    lighter, darker = sorted((_luminance(QColor(foreground)), _luminance(QColor(background))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def level_words(level: str) -> str:
    """The level in words (for screen readers and tooltips: the glyph and colour say it to the eye)."""
    return {"calm": t("ปกติ", "calm"), "watch": t("เฝ้าระวัง", "watch"), "urgent": t("ด่วน", "urgent")}.get(
        level, t("ยังไม่มีข้อมูล", "not loaded yet"))


class SituationChip(QToolButton):
    """One count: glyph, number and words; a click (or Enter/Space when focused) asks for the items behind it."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.count: int | None = None
        self.level = "unknown"
        self.words = ""
        self.setObjectName(f"situationChip_{key}")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)

    def show_count(self, count: int | None, level: str, words: str, tooltip: str) -> None:
        level = level if level in LEVELS else "unknown"
        changed_level = level != self.level or not self.styleSheet()
        self.count, self.level, self.words = count, level, words
        style = LEVELS[level]
        number = "–" if count is None else f"{count:,}"
        # A toolbutton's text takes "&" as a mnemonic: doubled, the words show as written.
        self.setText(f"{style.glyph} {number}  {words}".replace("&", "&&"))
        self.setToolTip(plain_tooltip(tooltip))
        self.setAccessibleName(f"{words}: {number} ({level_words(level)})")
        if changed_level:  # re-polishing costs the UI thread: only when the look changes
            self.setStyleSheet(
                f"QToolButton {{ background: {style.background}; color: {style.text}; border: 1px solid "
                f"{style.border}; border-radius: 10px; padding: 2px 9px; font-weight: bold; }}"
                f"QToolButton:focus {{ border: 2px solid #1a1a1a; }}"
                f"QToolButton:hover {{ border: 2px solid {style.text}; }}")


class _FlowLayout(QLayout):
    """Chips left to right, wrapping to another row when the strip is narrower than they are (Qt's flow layout
    example): the strip never sets the width of the map beside the docks, so a count that grows a digit or a chip
    added later cannot resize the map."""

    def __init__(self, parent: QWidget, margin: int, spacing: int) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(margin, margin, margin, margin)
        self.setSpacing(spacing)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt override)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt override)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt override)
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        margins = self.contentsMargins()
        width = sum(i.sizeHint().width() for i in self._items) + self.spacing() * max(len(self._items) - 1, 0)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt override)
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, row_height = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, row_height = area.x(), y + row_height + self.spacing(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing()
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y() + margins.bottom()


class SituationStrip(QWidget):
    """A row of chips, in the order they were first set."""

    sig_chip_activated = Signal(str)
    """The operator clicked a chip (its key): show the items behind its count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chips: dict[str, SituationChip] = {}
        self.setObjectName("situationStrip")
        self._layout = _FlowLayout(self, 3, 6)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_chip(self, key: str, count: int | None, level: str, text: str, tooltip: str = "") -> SituationChip:
        """Show ``count`` (None: not known yet) under ``key`` at ``level`` (calm | watch | urgent | unknown) with the
        words ``text``; a new key adds a chip at the end. ``tooltip`` says what a click shows."""
        chip = self._chips.get(key)
        if chip is None:
            chip = SituationChip(key, self)
            chip.clicked.connect(lambda _=False, k=key: self.sig_chip_activated.emit(k))
            self._layout.addWidget(chip)
            self._chips[key] = chip
        chip.show_count(count, level, text, tooltip)
        return chip

    def remove_chip(self, key: str) -> None:
        chip = self._chips.pop(key, None)
        if chip is not None:
            self._layout.removeWidget(chip)
            chip.deleteLater()

    def chip(self, key: str) -> SituationChip | None:
        return self._chips.get(key)

    def keys(self) -> tuple[str, ...]:
        return tuple(self._chips)
