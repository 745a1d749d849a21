"""Hypothesis-driven fuzzing of textmend's input boundary (issue 9).

``python -m fuzz --minutes 30 --target all`` generates inputs for three targets and checks
properties beyond "no exception":

- ``decode``: the byte decoder (:func:`textmend.decode_bytes`, :func:`textmend.repair_bytes`);
- ``repair``: the repair pipeline (:func:`textmend.repair`, :func:`textmend.apply_plan`);
- ``jsonl``: the JSON Lines reader (:func:`textmend.io.iter_jsonl`, :func:`textmend.io.read_documents`)
  and the ``--jsonl`` repair runner.

Hypothesis only generates here (no shrinking, no example database): every failure is caught,
grouped by signature, minimised by :mod:`fuzz.minimize` and written as a reproducer file, and the
run goes on until its time is up. Idempotence failures are a separate category from crashes.
"""

from __future__ import annotations

from fuzz.harness import Finding, Report, run

__all__ = ["Finding", "Report", "run"]
