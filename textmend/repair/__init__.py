"""The repair pipeline: ordered fixers over text, each returning :class:`~textmend.edits.Edit` s."""

from textmend.repair.config import DEFAULT_CONFIG, RepairConfig
from textmend.repair.pipeline import repair, repair_documents

__all__ = ["DEFAULT_CONFIG", "RepairConfig", "repair", "repair_documents"]
