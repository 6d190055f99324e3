"""Why an incident edit was refused before it was recorded, as data (the console words it for the operator).

Kept apart from services.incident_actions, which loads the store: the widgets that translate these import only this.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.errors import ServiceError


class IntakeRefusedError(ServiceError):
    """The intake cannot be recorded as it is: the backend would refuse it. ``problems`` names each answer it would
    refuse, as the Open311 attribute check words them (``attribute[fire_size] is required``)."""

    def __init__(self, category: str, problems: Sequence[str]) -> None:
        self.category = category
        self.problems = tuple(problems)
        super().__init__(f"the {category} intake would be refused: " + "; ".join(self.problems))


class AttachmentTooLargeError(ServiceError):
    """A file larger than the backend takes (``size`` and ``limit`` in bytes); nothing was recorded."""

    def __init__(self, filename: str, size: int, limit: int) -> None:
        self.filename = filename
        self.size = size
        self.limit = limit
        super().__init__(f"{filename} is {size} bytes; attachments are limited to {limit} bytes")
