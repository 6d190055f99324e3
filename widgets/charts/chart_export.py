"""A chart as a PNG: the legend, the plot and any notes under it, stacked as they are on screen (without the
toolbar), so the picture says which curve is which station and keeps a projection's words with its line."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget


def stacked_image(parts: Sequence[QWidget]) -> QImage:
    """The visible ``parts`` rendered one under the other, as wide as the widest, on white."""
    shown = [part for part in parts if not part.isHidden()]
    pixmaps = [part.grab() for part in shown]
    ratio = max((p.devicePixelRatio() for p in pixmaps), default=1.0)
    width = max((p.width() for p in pixmaps), default=0)
    height = sum(p.height() for p in pixmaps)
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(ratio)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    y = 0.0
    for pixmap in pixmaps:
        painter.drawPixmap(0, int(y), pixmap)
        y += pixmap.height() / ratio
    painter.end()
    return image


def save_png(parts: Sequence[QWidget], path: str) -> None:
    """Write ``stacked_image(parts)`` to ``path``; ``OSError`` if it cannot be written."""
    if not stacked_image(parts).save(str(path), "PNG"):
        raise OSError(f"could not write the PNG {path}")
