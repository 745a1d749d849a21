"""The fuzz loop: generate with Hypothesis in batches, check, group, minimise, save reproducers."""

from __future__ import annotations

import random
import re
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from fuzz.minimize import minimize
from fuzz.targets import TARGETS, PropertyFailure, Target

# Inputs per Hypothesis batch: small enough that targets interleave and the clock is checked
# often, large enough that batch set-up is negligible.
BATCH = {"decode": 200, "repair": 200, "jsonl": 50}
# An input taking more CPU time than this is a finding of its own (a hang), not a stalled run.
# CPU time, not wall time: on a loaded machine a slow wall clock is not a bug.
HANG_SECONDS = 20.0


class Hang(Exception):
    """Raised by the alarm inside a check that runs longer than HANG_SECONDS."""


@dataclass
class Finding:
    """One distinct failure (by signature), the smallest input found for it, and how often."""

    target: str
    check: str  # "module:function" of the check, for the reproducer
    category: str  # "crash", "hang", "idempotence:<fixers>" or a property name
    signature: str
    data: Any
    original: Any
    trace: str
    count: int = 1
    path: Path | None = None

    @property
    def is_crash(self) -> bool:
        """Everything except idempotence: crashes, hangs and broken properties."""
        return not self.category.startswith("idempotence")


@dataclass
class Report:
    inputs: Counter[str] = field(default_factory=Counter)
    findings: dict[str, Finding] = field(default_factory=dict)
    seconds: float = 0.0
    seed: int = 0

    @property
    def crashes(self) -> list[Finding]:
        return [f for f in self.findings.values() if f.is_crash]

    @property
    def idempotence(self) -> list[Finding]:
        return [f for f in self.findings.values() if not f.is_crash]

    def summary(self) -> list[str]:
        total = sum(self.inputs.values())
        lines = [
            f"fuzz: {total:,} inputs in {self.seconds:.0f}s (seed {self.seed}): "
            + ", ".join(f"{t} {n:,}" for t, n in sorted(self.inputs.items())),
            f"crashes/property failures: {len(self.crashes)} distinct "
            f"({sum(f.count for f in self.crashes)} inputs); "
            f"idempotence failures: {len(self.idempotence)} distinct "
            f"({sum(f.count for f in self.idempotence)} inputs)",
        ]
        for f in sorted(self.findings.values(), key=lambda f: (not f.is_crash, f.target, f.signature)):
            where = f" -> {f.path}" if f.path else ""
            lines.append(f"  [{f.target}] {f.signature} x{f.count}: {f.data!r:.120}{where}")
        return lines


def _signature(target: str, exc: BaseException) -> tuple[str, str]:
    """(category, signature): property failures by name, crashes by type and innermost
    textmend frame, so one bug found many times is one finding."""
    if isinstance(exc, PropertyFailure):
        return exc.category, f"{exc.category}"
    if isinstance(exc, Hang):
        return "hang", "hang"
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/textmend/" in f.filename] or frames
    if not ours:
        return "crash", f"{type(exc).__name__}@?"
    # edits.py validates everyone's edits: the fixer that made the bad edit is what matters
    callers = [f for f in ours if Path(f.filename).name not in _SHARED_MODULES] or ours
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}"
    caller = f"{Path(callers[-1].filename).name}:{callers[-1].name}"
    return "crash", f"{type(exc).__name__}@{where}<{caller}"


_SHARED_MODULES = {"edits.py", "errors.py"}


def _failure(target: Target, data: Any) -> BaseException | None:
    try:
        target.check(data)
    except Hang:
        raise
    except Exception as exc:
        return exc
    return None


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"input took more than {HANG_SECONDS}s of CPU time")


class _Runner:
    def __init__(self, out_dir: Path | None, log: Callable[[str], None]) -> None:
        self.report = Report()
        self.out_dir = out_dir
        self.log = log

    def feed(self, target: Target, data: Any) -> None:
        self.report.inputs[target.name] += 1
        cpu = time.process_time()
        signal.setitimer(signal.ITIMER_VIRTUAL, HANG_SECONDS)
        try:
            exc = _failure(target, data)
        except Hang as hang:
            exc = hang
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        cpu = time.process_time() - cpu
        if exc is None and cpu > HANG_SECONDS:
            # the alarm can land in a callback that swallows it (Hypothesis's gc hook): a slow
            # input is still a finding
            exc = Hang(f"input took {cpu:.0f}s of CPU time")
        if exc is not None:
            self.record(target, data, exc)

    def record(self, target: Target, data: Any, exc: BaseException) -> None:
        category, sig = _signature(target.name, exc)
        key = f"{target.name}:{sig}"
        known = self.report.findings.get(key)
        if known is not None:
            known.count += 1
            return
        trace = "".join(traceback.format_exception(exc))
        small = data
        if category != "hang":

            def same(candidate: Any) -> bool:
                got = _failure(target, candidate)
                return got is not None and _signature(target.name, got)[1] == sig

            small = minimize(data, same)
            again = _failure(target, small)
            if again is not None:
                trace = "".join(traceback.format_exception(again))
        check = f"{target.check.__module__}:{target.check.__name__}"
        finding = Finding(target.name, check, category, sig, small, data, trace)
        if self.out_dir is not None:
            finding.path = save(finding, self.out_dir)
        self.report.findings[key] = finding
        self.log(f"fuzz: new finding [{target.name}] {sig}: {small!r:.200}")


def save(finding: Finding, out_dir: Path) -> Path:
    """Write a runnable reproducer: ``python FILE`` re-raises it (the repository is put on
    ``sys.path`` by the file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", finding.signature)[:80]
    path = out_dir / f"{finding.target}-{slug}.py"
    module, check = finding.check.split(":")
    trace = "\n".join(f"# {line}" for line in finding.trace.rstrip().splitlines())
    path.write_text(
        f"# textmend fuzz finding: target {finding.target}, {finding.signature}\n"
        f"# original input: {finding.original!r}\n{trace}\n"
        f"import sys\n\nsys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        f"from {module} import {check}  # noqa: E402\n\n"
        f"DATA = {finding.data!r}\n\n"
        f"{check}(DATA)\n",
        encoding="utf-8",
        errors="backslashreplace",
    )
    return path


def _batch(runner: _Runner, target: Target, n: int, seed: int) -> None:
    @hypothesis_seed(seed)
    @settings(
        max_examples=n,
        phases=[Phase.generate],  # we minimise ourselves and never stop at the first failure
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def prop(data: Any) -> None:
        runner.feed(target, data)

    prop()


def run(
    targets: Sequence[str | Target] = tuple(TARGETS),
    *,
    minutes: float | None = None,
    examples: int | None = None,
    out_dir: Path | None = None,
    seed: int | None = None,
    log: Callable[[str], None] = print,
    progress_every: float = 60.0,
) -> Report:
    """Fuzz ``targets`` (names in :data:`TARGETS`, or :class:`Target` objects) for ``minutes``
    of wall time, or ``examples`` inputs each."""
    if (minutes is None) == (examples is None):
        raise ValueError("give exactly one of minutes and examples")
    unknown = {t for t in targets if isinstance(t, str) and t not in TARGETS}
    if unknown:
        raise ValueError(f"unknown fuzz targets {sorted(unknown)}; have {sorted(TARGETS)}")
    chosen = {t.name: t for t in (TARGETS[t] if isinstance(t, str) else t for t in targets)}
    runner = _Runner(out_dir, log)
    base = seed if seed is not None else random.randrange(2**32)
    runner.report.seed = base
    t0 = time.monotonic()
    deadline = t0 + minutes * 60 if minutes is not None else None
    last_progress = t0
    previous = signal.signal(signal.SIGVTALRM, _alarm)
    try:
        k = 0
        while True:
            todo = [
                t
                for t in chosen
                if examples is None or runner.report.inputs[t] < examples  # examples mode: n each
            ]
            if not todo or (deadline is not None and time.monotonic() >= deadline):
                break
            for name in todo:
                n = BATCH.get(name, 100)
                if examples is not None:
                    n = min(n, examples - runner.report.inputs[name])
                before = runner.report.inputs[name]
                _batch(runner, chosen[name], n, base + k)
                k += 1
                if examples is not None and runner.report.inputs[name] == before:
                    runner.report.inputs[name] = examples  # strategy exhausted: nothing new to run
                if deadline is not None and time.monotonic() >= deadline:
                    break
            if time.monotonic() - last_progress >= progress_every:
                last_progress = time.monotonic()
                runner.report.seconds = last_progress - t0
                log(runner.report.summary()[0])
    finally:
        signal.signal(signal.SIGVTALRM, previous)
        runner.report.seconds = time.monotonic() - t0
    return runner.report
