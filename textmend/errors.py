"""Domain exceptions. The library raises these; the CLI turns them into one-line messages."""

from __future__ import annotations


class TextmendError(Exception):
    """Base class for every error textmend reports to users."""


class InputError(TextmendError):
    """An input cannot be read or is not text (missing, unreadable, binary, bad JSON line)."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class PlanError(TextmendError):
    """An edit plan is malformed, names an unknown fixer, or does not match its text."""


class ConfigError(TextmendError):
    """A configuration value is invalid or options conflict."""


class MissingDependency(TextmendError):
    """An optional dependency is not installed; the message carries the install hint."""

    def __init__(self, package: str, extra: str | None = None) -> None:
        hint = f"pip install 'textmend[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"this feature needs the optional package {package!r}: {hint}")
        self.package = package
