"""Access to the language model for the encoding fixers, degrading gracefully when it is absent.

The model ranks candidates of lossy repairs and confirms lossless ones. Without it the fixers
still work on codec evidence alone (strict round trips, the common-character share), with
lower confidence for guesses, so a missing model never makes a repair worse.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast


class Scorer(Protocol):
    def logprob(self, text: str) -> float: ...

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]: ...


@functools.cache
def _load(path: str | None) -> Scorer | None:
    try:
        from textmend.lm import get_model  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    try:
        model: Scorer = get_model(path)
    except Exception:
        return None
    return model if informative(model) else None


def informative(model: Scorer) -> bool:
    """A model that scores a sentence and its scramble alike carries no evidence (an empty or
    broken model file): the fixers then fall back on codec evidence instead of trusting ties."""
    real, scrambled = "中华人民共和国宪法", "国宪华法共和人中民"
    return model.logprob(real) > model.logprob(scrambled) + 1.0


def get_scorer(path: str | None = None) -> Scorer | None:
    """The shared language model, or None when textmend.lm is not available."""
    return _load(path)


# --- help for the default (word-list) model when it ranks the fillings of lost bytes ---------

# ASCII digits never occur in jieba's word list, so the default model reads ``4月30日`` as four
# unknown characters around 月 and 日 and cannot tell 月 from 有 or 日 from 时 (UTF-8 read as GBK
# loses the last byte of each: ``鏈�``, ``鏃�``). Its words write numbers in Han numerals
# (十月, 十日, 十年, 第十), so a number is shown to it as one.
_DIGITS = re.compile(r"[0-9]+")


def numerals(text: str) -> str:
    """``text`` with each run of ASCII digits shown as 十, for a model that knows no digits.

    >>> numerals("2011年4月30日")
    '十年十月十日'
    """
    return _DIGITS.sub("十", text)


class _Numerals:
    """A word-list model that sees numbers as Han numerals (see :func:`numerals`)."""

    def __init__(self, model: Scorer) -> None:
        self._model = model

    def logprob(self, text: str) -> float:
        return self._model.logprob(numerals(text))

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
        if _DIGITS.search("".join(candidates)):  # rarely: the candidates are the lost characters
            candidates = [numerals(c) for c in candidates]
        return self._model.compare(numerals(left), candidates, numerals(right))


def hole_scorer(model: Scorer | None) -> Scorer | None:
    """The scorer for ranking the fillings of lost bytes: ``model``, or for a model built from a
    word list (the default one) the same model reading digits as numerals. A model trained on
    running text (``textmend lm build``) has seen digits and gets them as they are."""
    if model is None or getattr(model, "running_text", True):
        return model
    return _numerals_of(cast("Hashable", model))


# One wrapper per model: the searches remember work per scorer (UTF-8 read as Big5 keeps the
# candidates of each decoder move, ordered by the model), and a new wrapper per run forgot it.
@functools.lru_cache(maxsize=8)
def _numerals_of(model: Hashable) -> _Numerals:
    return _Numerals(cast("Scorer", model))


def word_list_scorer(scorer: Scorer) -> bool:
    """Whether ``scorer`` (from :func:`hole_scorer`) is a model built from a word list."""
    return isinstance(scorer, _Numerals)


def context_key(scorer: Scorer, left: str) -> str:
    """The part of ``left`` that can change ``scorer.compare(left, ..., right)``: a model of
    order n reads only the last n - 1 characters of it (``LanguageModel.compare``), so beam
    states whose contexts differ further back share one call. ``left`` whole for a scorer this
    cannot tell."""
    if isinstance(scorer, _Numerals):
        inner = scorer._model
        left = numerals(left)
    else:
        inner = scorer
    c = getattr(inner, "context", None)
    if not isinstance(c, int):
        return left if inner is scorer else "\0" + left  # keep apart from an unwrapped key
    return left[-c:] if c else ""


def char_gain_bound(scorer: Scorer) -> float | None:
    """An upper bound on what one character adds to ``scorer.compare``, or None when unknown.

    ``LanguageModel.char_gain_bound`` for textmend's model (wrapped or not); for the default
    model it is 0, so no reading can raise a beam state's score, and states that cannot reach
    the beam's cut need not be scored (see ``_codecs_holes._choose``). None for any other
    scorer (no pruning then).
    """
    from textmend.lm.model import LanguageModel

    inner = scorer._model if isinstance(scorer, _Numerals) else scorer
    # The exact type: a subclass may score differently from the table the bound is read off.
    return inner.char_gain_bound if type(inner) is LanguageModel else None


@dataclass(frozen=True)
class _Sorted:
    """Words in code point order with the running sum of their frequencies: the words that start
    with a prefix are one slice of it, found by bisection."""

    words: list[str]
    cum: list[float]

    def mass(self, prefix: str) -> float:
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        return self.cum[hi] - self.cum[lo]


@dataclass(frozen=True)
class _WordTables:
    freq: dict[str, int]  # jieba's FREQ: words with their frequency, their prefixes with 0
    log_total: float
    forward: _Sorted  # the words, to find the mass of those starting with a piece
    backward: _Sorted  # the words reversed, for those ending with one


# Word pieces at a window's edges are looked up up to this length.
_EDGE = 4


def _sorted(pairs: list[tuple[str, int]]) -> _Sorted:
    pairs.sort()
    return _Sorted([w for w, _ in pairs], [0.0, *itertools.accumulate(float(f) for _, f in pairs)])


@functools.cache
def _word_tables() -> _WordTables:
    # jieba's own tokenizer, initialised (and its logging quietened) by the word component.
    from textmend.lm.words import _tokenizer

    tok = _tokenizer()
    freq: dict[str, int] = tok.FREQ
    words = [(w, f) for w, f in freq.items() if f > 0]
    return _WordTables(freq, math.log(tok.total), _sorted(words), _sorted([(w[::-1], f) for w, f in words]))


@functools.lru_cache(maxsize=65536)
def _edge_logprob(piece: str, at_start: bool) -> float | None:
    """Log share of the word frequency mass in the words ``piece`` starts (``at_start``) or
    ends; None when no word does."""
    tables = _word_tables()
    mass = tables.forward.mass(piece) if at_start else tables.backward.mass(piece[::-1])
    return math.log(mass) - tables.log_total if mass > 0 else None


# The mojibake fixer reads a line's runs in several windows, so the same readings come back.
@functools.lru_cache(maxsize=65536)
def window_word_logprob(text: str, open_left: bool = True, open_right: bool = True) -> float:
    """Log-probability of the best segmentation of ``text`` into jieba words, as
    :func:`textmend.lm.words.word_logprob`, for a window cut out of running text.

    A window's edges fall inside words as often as not, so a piece at an open edge may be part
    of a word: the last piece scores with the frequency of all the words it starts (第 at the
    end of ``体制。第`` is the start of 第一, 第二, ...), the first with that of all the words it
    ends. Scored as whole words, such pieces favour characters that are words on their own.

    >>> window_word_logprob("规定第", open_right=True) > window_word_logprob("规定端", open_right=True)
    True
    """
    from textmend.lm.fold import fold

    s = fold(text)
    n = len(s)
    if not n:
        return 0.0
    tables = _word_tables()
    freq, log_total = tables.freq, tables.log_total
    # best[i]: the best segmentation of s[i:] (jieba's dynamic programme, right to left).
    best = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        # An unknown single character counts once, as in jieba's own cutting.
        top = math.log(freq.get(s[i]) or 1) - log_total + best[i + 1]
        for j in range(i + 2, min(n, i + 16) + 1):
            f = freq.get(s[i:j])
            if f is None:
                break  # FREQ holds every prefix of a word: no longer word starts here
            if f > 0:
                top = max(top, math.log(f) - log_total + best[j])
        if open_right and n - i <= _EDGE:
            start = _edge_logprob(s[i:], True)
            if start is not None:
                top = max(top, start)
        best[i] = top
    out = best[0]
    if open_left:
        for k in range(1, min(n, _EDGE) + 1):
            end = _edge_logprob(s[:k], False)
            if end is not None:
                out = max(out, end + best[k])
    return out


# How often a mark turns up in Chinese text, coarsely, in nats below the most frequent (，。).
# The default model learnt marks from word-list lines with every mark after a word alike, so it
# ranks them all the same, and ties were broken by code order: UTF-8 read as GBK loses the last
# byte of ，(EF BC 8C) at a line end and ！(EF BC 81) came out.
_MARK_TIERS = {
    **dict.fromkeys("，。", 0.0),
    **dict.fromkeys("、；：“”‘’（）《》「」『』…—", -1.0),
    **dict.fromkeys("？！", -1.5),
}
# The other fullwidth forms (＃, ＋, Ａ...) are rare in Chinese text, although GB2312 has them.
_RARE_FORM = -3.0


def mark_prior(text: str) -> float | None:
    """The prior of ``text`` when it is all marks (see ``_MARK_TIERS``), else None.

    >>> mark_prior("，"), mark_prior("！"), mark_prior("第") is None
    (0.0, -1.5, True)
    """
    if not text:
        return None
    out = 0.0
    for ch in text:
        tier = _MARK_TIERS.get(ch)
        if tier is None:
            if not "\uff01" <= ch <= "\uff5e":
                return None
            tier = _RARE_FORM
        out += tier
    return out


# What a mark is worth as a token of running text, in nats: the log share of all tokens (words
# and marks) it makes up, as jieba's word frequencies are shares of words (的, the most frequent
# word, -5.2). Coarse tiers for Chinese running text. Counted on the first 3,000 documents of the
# bench's laws corpora (laws-cn, laws-tw; a word taken as 1.6 characters): ，、。 -3.1 to -3.8,
# brackets, ；and ：-4.6 to -6.4, quotes and title marks -6.9 to -8.5, ？ and ！ below -10 (fewer
# than one token in 20,000); other running text asks and exclaims more. Before, every mark
# counted as 的: a lost byte read as ？ inside a clause (``七？開會`` for 七人開會, ``，？增進``)
# cost less than most hanzi.
_MARK_TOKEN_TIERS = {
    **dict.fromkeys("，,", -3.0),
    **dict.fromkeys("。、", -3.5),
    **dict.fromkeys("（）；：();:", -5.0),
    **dict.fromkeys("“”《》「」『』〈〉", -6.0),
    **dict.fromkeys("？！…—?!", -7.5),
}
# Any other mark or symbol (‧, ﹕, ※, ㄅ, Greek and Cyrillic letters: the symbol rows of Big5 and
# GBK, which a lost lead byte reaches as easily as the hanzi rows).
_RARE_TOKEN = -10.0
SYMBOL_LETTER_CLASS = "\u0370-\u04ff\u3100-\u312f\u31a0-\u31bf"
"""A regex class body: the Greek, Cyrillic and bopomofo letters of Big5's and GBK's symbol rows."""
_SYMBOL_LETTERS = re.compile(f"[{SYMBOL_LETTER_CLASS}]")


def is_box(ch: str) -> bool:
    """Whether ``ch`` is in Unicode's box-drawing block (U+2500-U+257F)."""
    return "\u2500" <= ch <= "\u257f"


def mark_token_logprob(ch: str) -> float | None:
    """The log share of running-text tokens that are the mark (or symbol) ``ch``; None for a
    Han character, a digit or a Latin letter, which the word model reads, and for box drawing
    (counted as before, as 的).

    >>> mark_token_logprob("，") > mark_token_logprob("？") > mark_token_logprob("ㄅ")
    True
    >>> mark_token_logprob("的") is None, mark_token_logprob("A") is None
    (True, True)
    """
    # Not box drawing: a table's lines come in runs, and the laws of Taiwan are full of them.
    if (ch.isalnum() and not _SYMBOL_LETTERS.match(ch)) or is_box(ch):
        return None
    return _MARK_TOKEN_TIERS.get(ch, _RARE_TOKEN)
