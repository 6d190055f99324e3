"""Qt's own warnings go to the console's log file (operators send it with fault reports), not to a terminal."""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")

# Harmless chatter from platform plugins; kept out of the log so real warnings stand out.
_IGNORED = (
    "This plugin does not support propagateSizeHints",
    # QtWebEngine without a GPU (headless machines) while it falls back to software rendering:
    "QRhiGles2: Failed to create", "Failed to create RHI for backend", "QVulkanInstance: Failed to initialize Vulkan",
    "GBM is not supported", "GPUInfo not initialized", "This plugin does not support createPlatformVulkanInstance",
)

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if message.startswith(_IGNORED):
        return
    log.log(_LEVELS.get(kind, logging.WARNING), "%s (%s)", message, context.category or "default")


def route_qt_messages_to_log() -> None:
    qInstallMessageHandler(_handler)
