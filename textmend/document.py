"""The unit that flows through every pipeline step (datatrove-style)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Document:
    """A text with an id and free-form metadata.

    ``metadata`` carries what steps learn (``source`` path, ``encoding`` segments, ``edits``
    count, ...). Steps are generators ``Iterable[Document] -> Iterator[Document]``.
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
