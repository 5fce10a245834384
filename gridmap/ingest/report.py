"""What an import did, the same for every kind of file: read, written, rejected and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportReport:
    """Rows (or features) read, written and rejected; rejects by reason, the rejects report's
    files, and what else the import counted (``details``)."""

    layer: str
    source: str
    read: int = 0
    written: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    rejects_files: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()
