"""textmend: repair corrupted Chinese web text; find, align and report near-duplicates.

>>> import textmend
>>> textmend.repair("優(yōu)質(zhì)服務(wù)").text
'優質服務'
"""

from __future__ import annotations

from textmend.api import Deduplicator, Match, diff, explain, warm_up
from textmend.document import Document
from textmend.edits import Edit, RepairResult, Step, apply_edits, apply_plan
from textmend.errors import ConfigError, InputError, MissingDependency, PlanError, TextmendError
from textmend.repair.config import RepairConfig
from textmend.repair.decode import Decoded, decode_bytes
from textmend.repair.pipeline import repair

__version__ = "0.1.0"


def repair_bytes(data: bytes, config: RepairConfig | None = None) -> RepairResult:
    """Decode bytes of any supported encoding (per span), then :func:`repair` the text.

    >>> repair_bytes("中文".encode("gbk")).text
    '中文'
    """
    return repair(decode_bytes(data).text, config)


__all__ = [
    "ConfigError",
    "Decoded",
    "Deduplicator",
    "Document",
    "Edit",
    "InputError",
    "Match",
    "MissingDependency",
    "PlanError",
    "RepairConfig",
    "RepairResult",
    "Step",
    "TextmendError",
    "__version__",
    "apply_edits",
    "apply_plan",
    "decode_bytes",
    "diff",
    "explain",
    "repair",
    "repair_bytes",
    "warm_up",
]
