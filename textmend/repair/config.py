"""The repair pipeline's one immutable configuration object."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from textmend.errors import ConfigError

SCRIPT_CHOICES = ("keep", "simplified", "traditional")
PUNCT_CHOICES = ("keep", "fullwidth")
SPINNER_CHOICES = ("auto", "detect", "force", "off")
BOILERPLATE_CHOICES = ("off", "high", "all")
PLACEHOLDER_CHOICES = ("flag", "normalize", "off")


@dataclass(frozen=True)
class RepairConfig:
    """Options for :func:`textmend.repair`. Defaults do no harm to clean Chinese text.

    encoding (True)
        Undo mojibake: UTF-8 read as latin-1/cp1252 (via a CJK-safe ftfy configuration) and
        CJK codec mix-ups (GBK/GB18030/Big5 read as latin-1, Big5<->GBK, UTF-8 read as GBK...).
    bytedamage (True)
        Undo edits made on raw GBK bytes by encoding-unaware programs (folded fullwidth
        punctuation, pinyin inserted at character straddles) -- see ``docs`` in the README.
    ruby (True)
        Remove pinyin glued after a character (``優(yōu)質(zhì)`` -> ``優質``) when it is a valid reading.
    lostchar (True)
        ``?`` standing for a lost character: ``99?5`` -> ``99.5``, paragraph-final ``?``.
    lines (True)
        Rejoin lines hard-wrapped inside a sentence or a number; flag dropped numbers.
    boilerplate ("high")
        Remove site preambles and watermarks: ``off``, ``high`` (high-confidence rule families),
        ``all`` (also lower-confidence rules). Removed text stays in the edit log.
    placeholders ("flag")
        Site placeholders (``×××``, ``**年``): ``flag`` reports them, ``normalize`` rewrites them
        to one marker, ``off`` ignores them.
    punct ("keep")
        ``fullwidth`` restores ASCII ``, : ; ? ! ( )`` inside Chinese to fullwidth (GB/T 15834)
        and folds fullwidth digits/Latin to halfwidth. ``keep`` leaves punctuation alone.
        ``keep`` is the default because ``fullwidth`` changes clean text: official law texts
        mix in ASCII parentheses and fullwidth digits/letters as house style (``fullwidth``
        would touch 406 of 1,286 laws-cn and 373 of 1,555 laws-tw documents), and we cannot
        tell such a convention from the folding damage of seeds 000-003 on one document.
    script ("keep")
        ``simplified`` or ``traditional`` converts with OpenCC phrase conversion.
    spinner ("auto")
        Spun-text reversal: ``auto`` (only documents above the spun threshold), ``detect``
        (score only), ``force``, ``off``.
    min_confidence (0.8)
        Edits below this confidence are reported as suggestions, not applied.
    lm_path (None)
        A language model file built with ``textmend lm build``; None uses the default model.
    boilerplate_lines (None)
        A file of learned boilerplate line hashes (``--learn-boilerplate``).
    spinner_table (None)
        A reversal table from ``textmend spinner learn``: its pairs become extra candidates and
        their counts a prior for the spinner fixer.
    """

    encoding: bool = True
    bytedamage: bool = True
    ruby: bool = True
    lostchar: bool = True
    lines: bool = True
    boilerplate: str = "high"
    placeholders: str = "flag"
    punct: str = "keep"
    script: str = "keep"
    spinner: str = "auto"
    min_confidence: float = 0.8
    lm_path: str | None = None
    boilerplate_lines: str | None = None
    spinner_table: str | None = None

    def __post_init__(self) -> None:
        for name, choices in (
            ("script", SCRIPT_CHOICES),
            ("punct", PUNCT_CHOICES),
            ("spinner", SPINNER_CHOICES),
            ("boilerplate", BOILERPLATE_CHOICES),
            ("placeholders", PLACEHOLDER_CHOICES),
        ):
            value = getattr(self, name)
            if value not in choices:
                raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ConfigError("min_confidence must be between 0 and 1")

    def with_options(self, **kwargs: Any) -> RepairConfig:
        """A copy with some options changed (unknown names raise ConfigError)."""
        known = {f.name for f in fields(self)}
        unknown = set(kwargs) - known
        if unknown:
            raise ConfigError(f"unknown repair option(s): {', '.join(sorted(unknown))}")
        return replace(self, **kwargs)


DEFAULT_CONFIG = RepairConfig()
