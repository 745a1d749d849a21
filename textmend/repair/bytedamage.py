"""Fixer 'bytedamage': undo edits made on raw GBK bytes (the seed damage, ``docs/seed-damage.md``).

Generalised from the mechanism, not from the seed strings. An *incident* starts at a ``?`` that
the damage can explain:

* ``bytedamage.folded_punct``: ``?`` followed by an ASCII byte -- an orphaned lead byte whose
  trail ``A3`` was folded together with the next character's lead byte;
* ``bytedamage.ruby_straddle``: ``?pinyin)`` -- a ruby inserted between the two bytes of a
  character, whose orphaned lead swallowed the ``(``.

From the incident on, every observed character is turned back into the bytes it may have come
from (a ``?`` is itself or any lost byte; an ASCII byte is itself or a folded ``A3 xx``; other
characters are their GBK bytes), and a beam search re-reads the bytes in step. A run that shows
no '?' where it starts (the folded byte was a valid trail) is read back from where it ends, and
may hold further straddles: a lone ASCII byte inside it (see :func:`_repair_silent`). A candidate
is kept only if it decodes as GBK, and replaying the damage on it gives back the observed text
exactly; the language model (with a common-character prior) must prefer it to the text as seen.
With the default model, built from a word list, the readings are scored with jieba's word model
too (in traditional text a Taiwan phrase scores as the mainland word it stands for, see
:mod:`textmend.lm.taiwan`), and with what no word list knows: a sentence does not end on a
conjunction nor hold one character alone, a list goes on with ``、`` (see
:func:`_wordlist_scores`). With any model, the page itself has a say: its script, its words and
characters (with what its confident repairs so far have restored), no mark right after a mark
(see :func:`_page_evidence`). A straddle ruby pins down its lost byte: the character it
annotates must have that reading.

A reading the model cannot tell from its close rivals is not applied, unless they all differ
from it in one character only, or two apart: the rest is restored and those characters shown as
lost, ``?`` (see :func:`_partial`). No model sees where a line ends, so a reading that ends its
line on a pause mark (``、``) pays for it.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from textmend.cjk import HAN_CLASS, LIST_NUMERALS, PINYIN_LETTERS, SENTENCE_MARKS, is_han, script_counts
from textmend.edits import Edit, apply_edits
from textmend.repair._codecs import uncommon_prior
from textmend.repair._codecs_gbkdamage import gbk_char, redamage
from textmend.repair._codecs_lm import get_scorer
from textmend.repair.config import RepairConfig

KIND = "bytedamage"

_RUBY_ANCHOR = re.compile(rf"\?([{PINYIN_LETTERS}]{{1,7}})\)")
_RUBY = re.compile(rf"\([{PINYIN_LETTERS}]{{1,7}}\)")
_FOLD_ANCHOR = re.compile(r"\?(?=[\x21-\x7e])")
# Any fullwidth form left in a line proves the folder never ran over it.
_FULLWIDTH = re.compile("[\uff01-\uff5e]")

_MAX_TOKENS = 40  # a misread run lasts until an ASCII byte: long in text with fullwidth marks
_BEAM = 400
_BEAM_SETTLED = 300  # states with no byte pending
_BEAM_PER_PENDING = 12  # states per pending lead byte
_SHORTLIST = 20  # states ranked by the model per state kept
# With the default model the best ``_WORD_RERANK`` times the settled states kept are re-ranked
# with jieba's word model, the rest keep the character model's order: ``保管。但須`` had fallen
# out of the beam behind 保管。淡, which was then applied at 0.95. On the bench's cases (seeds
# 7 / 3) 253 / 246 exact of 300 (was 253 / 245), on 180 damaged pages 752 applied edits right
# and 25 wrong (was 751 / 26); 2 did not keep 但; the search took ~20% longer.
_WORD_RERANK = 4.0
_PEEK_SHORTLIST = 4  # pending states ranked by the model per state kept (see _rank_pending)
_CONTEXT = 6
# Nats the repair must win by over the text as observed.
_MIN_GAIN = 2.0
# A reading too close to its rivals to be applied (below 0.85) may still be sure of all but
# one character: that one is shown as lost (``_LOST``, what the damaged text shows for a lost
# byte) and the rest restored (see :func:`_partial`), at the confidence of its margin over the
# readings that differ elsewhere. On the tuning cases (seed 7, 300 snippets) the default model
# went from 0.969 to 0.981 of characters, the in-domain model (--in-domain) from 0.992 to
# 0.996, as many exact; all 31 / 10 such edits right. Not for edits already applied at 0.85:
# those are right 88% of the time with the default model, and the character they would give
# up is lost. Nor with two characters disputed: that applied 8 more wrong edits at 0.95 (of
# 263). The margin must be half a nat over a whole reading's 0.95: between 3 and 3.5, 2 of 8
# partial readings were wrong (``上?!⒅行…`` read 上海 at 3.17, see test_bytedamage_page.py,
# and one on 120 damaged pages of seeds 4-5), above it none of ~80.
#
# The rivals are every reading within that margin of the best (they were those within 3, and
# a rival between 3 and 3.5 that differed elsewhere blocked the partial reading). They may
# dispute two characters that are not next to each other: a span's first character (the lost
# lead byte before A3) and its last (a lost trail byte at the span's end) are decided by
# different bytes (``海岸巡防署海岸巡防總局核定之``: 海 or 校, 之 or 中). Default model, 300
# snippets (--kinds-only), tuning seed 7 / held-out seed 3: characters 0.9816 -> 0.9842 /
# 0.9873 -> 0.9902, as many exact, the partial readings right 36 of 36 / 30 of 30. Two
# characters next to each other are one undecided word (``?9?`` 保管 / 模範): when they were
# allowed, 8 of 41 / 8 of 36 partial readings were wrong.
_PARTIAL_BELOW = 0.85
_PARTIAL_MIN = 3.5
_PARTIAL_MAX_LOST = 2
_LOST = "?"
_PARTIAL_NOTE = "; characters the readings dispute left as '?'"
# A run without '?' has no orphan byte vouching for damage: clean text must lose by far more.
# In 750 clean snippets with stray bytes after Han characters (the bench's stray texts, seeds
# 12-16), no reading of the 691 possible runs ending at a lone ASCII byte came within 2.3 of the
# text as seen (scaled as the confidence is), while the bench's short runs (``蚟k`` = 停辦,
# ``盤l`` = 保衛, ``蠻邕x`` = 校甄選) won by 5.3-8.0, under the 8 this was.
_SILENT_MIN_GAIN = 5.0
# A run ending in an orphan '?' shows one byte that no character explains: half that. Clean
# text with ASCII question marks after Chinese never came near it (see the tests); the runs
# it lets through (``窣?`` = 福利, ``盚?`` = 保全) won by 4.7-7.5 on the bench's cases.
_SILENT_QMARK_MIN_GAIN = 4.0
# What a '?' costs the text as observed: about one ordinary character's model score. The
# model splits at punctuation, so a run of '?' would otherwise be free and any repair that
# adds characters would lose to it.
_QMARK_COST = 8.0
_UNKNOWN = -1
# Scoring with the default (word-list) model, see _wordlist_scores. Weights measured on the
# byte-damage bench's fold incidents (cases of seed 3, checked on cases of seed 4).
_CHAR_WEIGHT = 0.5
_COHESION_WEIGHT = 0.5
# Neither the word list nor the character model built from it has seen a mark, so a clause
# break was free: ``經。机,`` beat ``經常化,``. A mark costs about what a frequent word costs in
# jieba's model. 8 did as well on the bench's cases and 4 worse; 6 also keeps the seed's
# ``萬口。可繁母豬`` ahead of the word ``口福``. Other marks are rarer in running text, and a
# pause mark does not end a line (``永久保存、⏎`` tied with ``永久保存。⏎``: same bytes lost).
_MARK_COST = 6.0
_RARE_MARK_COST = 10.0
# A mark right after one of these ends a clause that has no word in it: what the fold makes
# of ``海產`` after ``二、`` (A1 A3 = ``。`` is one of the ~125 characters the lost byte allows).
# Not a line start: the corpora wrap lines inside sentences (``減去⏎。但民前``). The ASCII
# marks are what the folding left of ``，；：`` (``規定,。案向`` is ``規定,專案向``); not '?', which
# may be the damage's own orphan.
_CLAUSE_OPENERS = frozenset("。，、；：？！（(〔【「『,;:")
_STACKED_MARK_COST = 20.0
# Nor does a sentence end in a conjunction (jieba tags these single characters ``c``; 所 and 然
# end words such as 場所 and 亦然 too often to be listed): ``或。發`` is ``或停發``, ``及。晶體``
# ``及粒線體``. Only full stops and their kin: ``但，`` is common in running text.
_CONJUNCTIONS = frozenset("和而但並并或及既若倘")
_SENTENCE_ENDS = frozenset("。；？！")
# A sentence of one character: in the laws-tw corpus 21 of its 97,536 full stops are followed by
# one Han character and a mark (鄉、村、 in lists of places), ~1 in 5,000; a reading that makes
# one (``起。發。`` for 起停發。) pays about that.
_LONE_SENTENCE_COST = 8.0
_LONE_SENTENCE_ENDS = frozenset("。；？！，、,;")
# Nor a clause of one character after a comma, semicolon or colon (the fold leaves them ASCII):
# laws-tw has 27 after a comma, 8 after a semicolon, 9 after a colon in 4.2M characters
# (``登記;集。結算所`` read for ``登記;集保結算所``, applied at 0.95). Not after ``、``: lists
# of one-character items are common (``縣、市``).
_LONE_STARTS = _SENTENCE_ENDS | frozenset("，；：,;:")
# A pause mark that goes on with a list the sentence has begun (``機關、學校、團體``): a lost
# trail byte of a row-A1 mark (、 is A1 A2, 。 A1 A3) leaves both readings, which the word-list
# models score alike. On the bench's ties (seeds 3 and 4) the list was a 、 4 times of 5; 2
# (before halving, see _WORDLIST_SCALE) is the least that lifts such an edit to 0.85.
_LIST_GAIN = 2.0
# A pause mark does not end a line (``永久保存、⏎``): of laws-tw's 111,217 ``、`` 273 end a line,
# of its 108,611 ``，`` 553, against 90,203 of its 97,536 ``。``. Not ``；``, which ends 26,506 of
# laws-cn's 135,248 lines (list items). No model knows it: the word list has no marks, and
# ``textmend lm build`` trains on lines without an end marker, so its model scored ``校級、⏎``
# above ``校級。⏎``. Charged with any model: with the in-domain model (bench encoding
# --in-domain, tuning cases of seeds 7 / 4 / 5) 274 / 264 / 267 exact of 300 became 277 / 266 /
# 269; the default model's cases were read the same (it paid this, ``；`` included, before).
_LINE_END_PAUSES = frozenset("、，,")
_LINE_END_PAUSE_COST = _RARE_MARK_COST - _MARK_COST
# A reading that brings a character of the other script into a text written in one script
# (``軍械`` read ``军械`` in traditional text): GBK holds both, the writer used one.
_SCRIPT_COST = 8.0
# Per pair of Han characters of a reading that the rest of the text also uses (one more
# exact repair in 300 bench cases of 20-40 characters; a whole page repeats itself far more).
_ECHO_GAIN = 2.0
# Per new Han character of a reading, log(1 + its uses on the page) (a cache of the page's own
# characters; the lost byte leaves ~110 characters open and jieba's counts, from news, favour
# 上海 over a page's 上校). Only characters used twice or more: one use is as often chance. On
# 180 damaged pages of 800 characters (laws-tw, 3 seeds) the applied edits went from 739 right /
# 30 wrong to 741 / 25; short snippets rarely repeat a character, and the bench's 600 cases of
# 20-40 characters were read the same. Weight 2 applied 21 wrong where 1 applied 9 (seed 4).
_CHAR_ECHO_GAIN = 1.0
_CHAR_ECHO_MIN = 2
# Repairs made at this confidence count as the page's wording for the incidents after them
# (see _Document.learn): on the same pages 748 right / 25 wrong; counting those at 0.85 too,
# 746 / 26.
_EVIDENCE_CONFIDENCE = 0.95
# Those scores add up about twice the evidence of the character model alone: margins are
# halved before they become a confidence. Measured on the bench's cases (seed 3 / seed 4), the
# edits given 0.95 were right 195 of 204 / 180 of 189 times, 0.85: 73 of 83 / 75 of 91, and
# those left at 0.6 (not applied): 18 of 39 / 21 of 48.
_WORDLIST_SCALE = 2.0
# A model of running text (``textmend lm build``) overstates its margins too, less: with the
# in-domain model (tuning cases of seeds 7 / 4 / 5, 900 in all) the edits it gave 0.85 were right
# 44 of 65 times, 0.95: 981 of 990. Margins counted at 2/3: 0.85 right 102 of 115, 0.95 925 of
# 932, wrong edits applied 30 -> 20 for as many right ones (1,025 -> 1,027, more of them with
# one character left '?'); characters 0.9962 / 0.9929 / 0.9931 -> 0.9955 / 0.9920 / 0.9911.
# At 1/2: 0.85 right 144 of 153, 14 wrong applied, characters down to 0.9907 on seed 5.
_RUNNING_SCALE = 1.5
# ASCII symbols that Chinese running text hardly uses, unlike the folded marks ``,:;()!?%/-.``
# and digits or letters: in a span as observed they are most likely fold damage (＝＜＃ ... are
# rare as whole forms), so they cost like rare marks (see _observed_cost).
_ODD_ASCII = frozenset("#$&*+<=>@[\\]^_`{|}~")
_STRADDLE_A3 = -2  # an A3 byte that must be the trail of a character (a fold straddle)


@dataclass(frozen=True, slots=True)
class _State:
    data: bytes  # original bytes read so far (from the incident start)
    pending: int | None  # a lead byte waiting for its trail
    text: str  # characters decoded so far
    prior: float
    ruby_at: int | None  # byte index after which the straddle ruby was inserted


@dataclass(frozen=True, slots=True)
class _Document:
    """What the whole text tells about its own wording, for the default model's scores."""

    script: str  # see _text_script
    bigrams: Counter[str]  # pairs of Han characters, as observed
    chars: Counter[str]  # Han characters, as observed

    def learn(self, text: str, edit: Edit) -> None:
        """Count a confident repair of ``text`` as the page's own wording: the characters a fold
        takes (保 B1 A3 before most characters) show undamaged on a page only before the few
        whose lead byte is under A1, so the page's repairs are often its only evidence."""
        s, e = edit.start, edit.end
        self.bigrams.subtract(_han_bigrams(text[max(0, s - 1) : e + 1]))
        self.bigrams.update(_han_bigrams(text[max(0, s - 1) : s] + edit.after + text[e : e + 1]))
        self.chars.subtract(_HAN_CHAR.findall(edit.before))
        self.chars.update(_HAN_CHAR.findall(edit.after))

    @classmethod
    def of(cls, text: str) -> _Document:
        return cls(_text_script(text), _han_bigrams(text), Counter(_HAN_CHAR.findall(text)))


_NO_DOCUMENT = _Document("none", Counter(), Counter())


_HAN_CHAR = re.compile(f"[{HAN_CLASS}]")


def _han_bigrams(text: str) -> Counter[str]:
    return Counter(run[i : i + 2] for run in _HAN_RUN.findall(text) for i in range(len(run) - 1))


def fix(text: str, config: RepairConfig) -> list[Edit]:
    """Propose repairs of GBK byte damage incidents.

    >>> [(e.before, e.after) for e in fix("在全縣當?shù)氐男庞貌块T更要", RepairConfig())]
    [('?shù)氐男庞貌块T', '地的信用部門')]
    """
    silent = list(_silent_anchors(text))
    if "?" not in text and not silent:
        return []
    scorer = get_scorer(config.lm_path)
    doc = _Document.of(text)
    edits: list[Edit] = []
    taken = -1
    anchors = sorted([(start, 0, ruby) for start, ruby in _anchors(text)] + [(at, 1, None) for at in silent])
    for start, silent_kind, ruby in anchors:
        if start < taken:
            continue
        # Left context as it will read once the earlier incidents are repaired, so that
        # repairing the output again decides every incident the same way (idempotence).
        applied = [e for e in edits if e.confidence >= config.min_confidence]
        lo = max(0, start - _MAX_TOKENS - 8 * _CONTEXT)
        left = apply_edits(text[lo:start], _clip(applied, lo))
        if silent_kind:
            edit = _repair_silent(text, _run_ends(text, start, silent), max(taken, 0), scorer, left, doc)
        else:
            edit = _repair_incident(text, start, ruby, scorer, left, doc)
        if edit is not None and not silent_kind:
            edit = _release_tail(text, edit, silent)
        if edit is not None:
            edits.append(edit)
            if edit.confidence >= _EVIDENCE_CONFIDENCE:
                doc.learn(text, edit)
            taken = edit.end
    return edits


def _release_tail(text: str, edit: Edit, silent: list[int]) -> Edit:
    """``edit`` without the tail it keeps as seen when a straddle run that starts no '?' may
    start in it: a silent anchor follows with only characters of two GBK bytes (or lone folds)
    between, as in a misread run. Kept, the tail would be the floor of that run, which could
    not be read (``?5?有再審或非矷显V`` = 。但有再審或非常上訴 was read 。但有再審或非矷 up to 矷).
    Default model, 300 snippets: tuning seed 7 235 exact -> 236, held-out seed 3 characters
    0.9902 -> 0.9909."""
    _, tail = _trimmed(edit.before, edit.after)
    if not tail:
        return edit
    end = edit.end - tail
    later = [at for at in silent if end < at <= end + _MAX_TOKENS]
    # The run starts with a misread pair (a lead byte and the folded byte).
    if (
        not later
        or len(_bytes(text[end]) or b"") != 2
        or not all(len(b := _bytes(ch) or b"") == 2 or _lone_fold(b) for ch in text[end : later[0]])
    ):
        return edit
    after = edit.after[: len(edit.after) - tail]
    return Edit(edit.start, end, text[edit.start : end], after, edit.kind, edit.confidence, edit.note)


def _anchors(text: str) -> Iterator[tuple[int, str | None]]:
    found: dict[int, str | None] = {}
    for m in _RUBY_ANCHOR.finditer(text):
        if m.start() > 0 and len(_bytes(text[m.start() - 1]) or b"") == 2:
            found[m.start()] = m.group(1)
    for m in _FOLD_ANCHOR.finditer(text):
        if m.start() in found or not _cjk_context(text, m.start()):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.start())
        if _FULLWIDTH.search(text, line_start, line_end if line_end >= 0 else len(text)):
            continue
        found[m.start()] = None
    return iter(sorted(found.items()))


# A straddle fold that leaves no '?' at its start: the folded byte (0x40-0x7E) is a valid GBK
# trail, so the lead byte before it pairs with it and every following pair is misread. The run
# ends where an original trail byte in that same range shows as itself (``經學蠤樟钔藢W者`` =
# 經學校勒令退學者), or where the last trail, read as a lead, is orphaned by the byte after it
# and shows as '?' (``日矷?活`` = 日常生活). The misread pair before it may be any GBK character,
# a symbol of rows A1-A9 too (``設施盇舻毓┕?用`` = 設施保留地供公用), but not the marks and
# brackets of clean text (``」?``).
_MISREAD_PAIR = rf"[{HAN_CLASS}\u00a0-\u2fff\u3100-\u33ff\ufe30-\ufe4f\uffe0-\uffe5]"
_CLEAN_MARKS = "\u2010-\u2027\u00b7\u00a0"  # dashes, quotes, ellipsis, middle dots
_SILENT_END_AFTER_FOLD = re.compile(
    rf"(?<={_MISREAD_PAIR})(?<![{_CLEAN_MARKS}])[\x21-\x3e\x40-\x7e](?=[\x40-\x7e](?![0-9A-Za-z])|\?)"
)
_SILENT_END = re.compile(rf"(?<={_MISREAD_PAIR})(?<![{_CLEAN_MARKS}])(?:[\x40-\x7e](?![0-9A-Za-z])|\?)")


def _silent_anchors(text: str) -> Iterator[int]:
    """Positions of ASCII characters that may end a straddle run that starts without a '?'."""
    found = set()
    for m in _SILENT_END.finditer(text):
        at = m.start()
        if at > 1 and text[at - 2] in _WORDISH and not _lone_byte(text, at - 2):
            continue  # ``A4B型``: part of an ASCII word, not a lone byte
        if text[at] == "?" and not _cjk_context(text, at):
            continue
        found.add(at)
    for m in _SILENT_END_AFTER_FOLD.finditer(text):
        # The end right after a second straddle's byte (``ㄍV?`` = 停止, ``蠵iL`` = 校校長): the
        # byte before it is no word of ASCII, the misread pair before that says so.
        if len(_CJK.findall(text, max(0, m.start() - 8), m.start() + 8)) >= 2:
            found.add(m.start() + 1)
    for at in sorted(found):
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        if not _FULLWIDTH.search(text, line_start, line_end if line_end >= 0 else len(text)):
            yield at


def _lone_byte(text: str, at: int) -> bool:
    """Whether ``text[at]`` is one ASCII character between two characters of two GBK bytes: a
    second straddle inside a run (``大孭T骸?`` = 大專校院。), not part of an ASCII word."""
    return 0 < at < len(text) - 1 and all(len(_bytes(text[i]) or b"") == 2 for i in (at - 1, at + 1))


def _repair_silent(
    text: str,
    ends: list[int],
    floor: int,
    scorer: object | None,
    left_text: str,
    doc: _Document = _NO_DOCUMENT,
) -> Edit | None:
    """Undo a straddle run ending at one of ``ends``: a lone ASCII byte or an orphan '?'.

    If the run starts at character ``s`` (lead X, trail F with F the folded byte), the original
    bytes are ``X A3 (F+0x80)`` then the run's bytes re-paired one byte later, the end byte
    being the last trail: lossless when it shows as itself, one lost byte when it shows as '?'.
    Every start (and lost byte) whose reconstruction decodes as GBK and re-damages to exactly
    the observed run (with the character after it, which orphaned the '?') is a candidate, and
    the model must prefer one to the run as seen by a margin: nothing at the start vouches for
    damage, and a '?' after a Chinese character may be a genuine question mark.

    ``ends[0]`` is the anchor (``left_text`` ends there); later ends are anchors that the same
    run reaches (see :func:`_run_ends`): a lone ASCII byte may be a second straddle inside a
    longer run rather than its end (``蚉健⒁婪ㄍV?`` = 停薪、依法停止, where ending at ``V`` read
    ``依法蚔``). All readings, whatever their end, are scored over the same span, the rest of it
    kept as seen."""
    if scorer is None:
        return None
    # A later end competes only with runs through the anchor: one that starts after it is
    # another incident, decided from its own anchor.
    candidates = [
        (s, end_at + 1, cand)
        for end_at in ends
        for s, cand in _silent_candidates(text, end_at, floor)
        if end_at == ends[0] or s < ends[0]
    ]
    if not candidates:
        return None
    first = min(s for s, _, _ in candidates)
    last = max(e for _, e, _ in candidates)
    right = _right_context(text, last, _reads_words(scorer))
    # Every reading covers the same observed span text[first:last] (the parts outside its own
    # run kept as seen), so the scores compare like for like.
    texts = [text[first:s] + cand + text[e:last] for s, e, cand in candidates]
    observed = text[first:last]
    # The left text ends at the anchor; the context is what precedes the earliest start (the
    # characters after it are part of the span, unrepaired: edits so far all end before it).
    ctx = _RUBY.sub("", left_text[: len(left_text) - (ends[0] - first)])[-_CONTEXT:]
    scores, base, scale = _score_readings(scorer, ctx, texts, right, doc, observed, _ends_line(text, last))
    best = max(range(len(texts)), key=lambda i: scores[i])
    gain = scores[best] - base
    s, e, cand = candidates[best]
    if gain < (_SILENT_QMARK_MIN_GAIN if text[e - 1] == "?" else _SILENT_MIN_GAIN) * scale:
        return None
    ranked = sorted(scores, reverse=True)
    margin = min(gain, ranked[0] - ranked[1]) if len(ranked) > 1 else gain
    confidence = _confidence(margin / scale)
    note = "fullwidth form folded across a character boundary (no orphan byte)"
    surer = _surer_partial(texts, scores, best, scale, confidence, cap=gain)
    if surer is not None:
        reading, confidence = surer
        note += _PARTIAL_NOTE
        head, tail = _trimmed(observed, reading)
        s, e, cand = first + head, last - tail, reading[head : len(reading) - tail]
        if cand == text[s:e]:
            return None
    return Edit(s, e, text[s:e], cand, f"{KIND}.folded_punct", confidence, note)


def _silent_candidates(text: str, end_at: int, floor: int) -> list[tuple[int, str]]:
    """The readings ``(start, text)`` of a straddle run ending at ``text[end_at]`` (see
    :func:`_repair_silent`) that decode as GBK and re-damage to the observed text exactly."""
    line_start = text.rfind("\n", 0, end_at) + 1
    candidates: list[tuple[int, str]] = []
    after = _bytes(text[end_at + 1]) if end_at + 1 < len(text) else b""
    after = after or b""
    tails = [bytes((t,)) for t in range(0x80, 0xFF)] if text[end_at] == "?" else [bytes((ord(text[end_at]),))]
    seen_upto = text[: end_at + 1 + (1 if after else 0)]
    body = b""
    for s in range(end_at - 1, max(floor, line_start, end_at - _MAX_TOKENS) - 1, -1):
        b = _bytes(text[s])
        if b is not None and _lone_fold(b):
            # A lone ASCII byte inside the run is a second straddle: the byte before it (read as
            # a lead) was a character's lead before A3, and A3 + the next lead folded into it
            # (``孒吮9芗稗k`` = 專人保管及辦, ``大孭T骸?`` = 大專校院。): the run goes on.
            body = bytes((0xA3, b[0] + 0x80)) + body
            continue
        if b is None or len(b) != 2:
            break
        body = b + body
        if not 0x40 <= b[1] <= 0x7E:
            continue
        for tail in tails:
            original = bytes((b[0], 0xA3, b[1] + 0x80)) + body[2:] + tail
            try:
                cand = original.decode("gbk")
            except UnicodeDecodeError:
                continue
            if redamage(original + after) == seen_upto[s:]:
                candidates.append((s, cand))
        # Inside a misread run every pair's second byte is a character's lead (0x81 and up): a
        # pair whose second byte is a lone ASCII byte starts the run, it is not inside one. Read
        # on, it would stand for a letter in the original (``校依專仔L匦约鞍l``, applied at 0.85).
        break
    return candidates


def _lone_fold(b: bytes) -> bool:
    """Whether the bytes of one observed character may be a folded ``A3 xx`` inside a run."""
    return len(b) == 1 and 0x21 <= b[0] <= 0x7E and b != b"?"


def _run_ends(text: str, at: int, anchors: list[int]) -> list[int]:
    """``at`` and the later silent anchors the same misread run reaches: only characters of two
    GBK bytes and lone ASCII bytes (possible folds) lie between. A '?' ends a run: the byte
    after an orphan is decoded anew."""
    ends = [at]
    if text[at] == "?":
        return ends
    for later in anchors:
        if later <= at:
            continue
        if later - at > _MAX_TOKENS:
            break
        between = [_bytes(ch) or b"" for ch in text[ends[-1] + 1 : later]]
        if not all(len(b) == 2 or _lone_fold(b) for b in between):
            break
        ends.append(later)
        if text[later] == "?":
            break
    return ends


_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff]")
_WORDISH = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/=&%_.~#@+-")


_HAN_RUN = re.compile(f"[{HAN_CLASS}]+")


def _wordlist_scores(
    scorer: object,
    left: str,
    texts: list[str],
    right: str,
    doc: _Document | None,
    observed: str = "",
    line_end: bool = False,
    taiwan: bool = False,
) -> list[float]:
    """Scores of candidate readings ``texts`` between ``left`` and ``right`` with the default
    model (built from jieba's word list).

    The character model knows which characters make words but not how often a word occurs in
    running text: ``但`` (-10.4) scored below ``弹`` (-7.9), so ``。但因原審`` was no better than
    ``。弹因原審``. jieba's own word model (frequencies counted on running text) knows it, and
    is the main term; half the character model keeps the evidence on characters jieba lacks,
    half the cohesion rewards readings that make words. What the two models cannot see comes
    from ``doc`` (None: the text as observed, which pays nothing and earns nothing): marks cost,
    more after a conjunction (``或。發``), less for a ``、`` that goes on with a list, and the
    page has its say (:func:`_page_evidence`): the same text repeats its words
    (``得使用警械?F涫褂镁?械`` = ``。其使用警械``, not ``军械``). ``line_end``: the span ends a line,
    where a pause mark (``、``) does not stand.
    """
    full = [left + t + right for t in texts]
    lm = _score_many(scorer, full)
    out = []
    for i, t in enumerate(texts):
        runs = _HAN_RUN.findall(full[i])
        words = sum(_run_words(run, taiwan) for run in runs)
        cohesion = words - sum(_char_word(ch) for run in runs for ch in run)
        extra = 0.0
        if doc is not None:
            extra -= sum(
                _MARK_COST if ch in SENTENCE_MARKS else _RARE_MARK_COST
                for ch in t
                if ord(ch) > 0x7F and not is_han(ch)
            )
            extra -= _line_end_cost(t, line_end)
            extra -= _STACKED_MARK_COST * _ends_after_conjunction(left, t)
            extra -= _LONE_SENTENCE_COST * _lone_char_sentences(left, t, right)
            extra += _LIST_GAIN * _continues_list(left, t)
            extra += _page_evidence(left, t, right, doc, observed)
        out.append(words + _CHAR_WEIGHT * lm[i] + _COHESION_WEIGHT * cohesion + uncommon_prior(t) + extra)
    return out


def _run_words(run: str, taiwan: bool) -> float:
    """jieba's word score of a run of Han characters; with ``taiwan``, a Taiwan term in it
    (``專案``) scores as the mainland word it stands for (``項目``), whichever is likelier.

    jieba counted its words on mainland text, where Taiwan usage is rare: ``辦理專案`` lost to
    ``辦理海拔``. Only for text in traditional script, where Taiwan usage is at home. Default
    model, 300 snippets, tuning seed 7 / held-out seed 3: 230 / 248 exact -> 235 / 249, no edit
    applied wrong that was right."""
    from textmend.lm.taiwan import mainland_readings
    from textmend.lm.words import word_logprob

    words = word_logprob(run)
    if taiwan:
        for alt in mainland_readings(run):
            words = max(words, word_logprob(alt))
    return words


def _page_evidence(left: str, reading: str, right: str, doc: _Document, observed: str) -> float:
    """What the page says of ``reading`` (in place of ``observed``) beyond any model: marks
    stacked on marks cost, so do characters of the other script, and pairs of characters the
    rest of the text uses (outside the damaged span) earn a little, as do the new characters
    it brings that the page uses at least twice (never one of the span as seen: it vouches for
    nothing).

    Only the pairs the reading makes and the text as observed does not: a span may keep part
    of itself as seen (a run without '?' starts at its earliest candidate), and on a page that
    repeats itself those kept pairs would vouch for any reading of the rest (``規定辦]理`` read
    ``規定蓿隴理``)."""
    seen_here = _han_bigrams(observed)
    extra = -_STACKED_MARK_COST * _stacked_marks(left, reading)
    extra -= _SCRIPT_COST * _other_script(reading, doc.script)
    pairs = _touching_pairs(left, reading, right) - _touching_pairs(left, observed, right)
    extra += _ECHO_GAIN * sum(doc.bigrams[b] > seen_here[b] for b in pairs if b in doc.bigrams)
    new = {ch for ch in reading if is_han(ch)} - set(observed)
    uses = [doc.chars.get(ch, 0) for ch in new]
    return extra + _CHAR_ECHO_GAIN * sum(math.log1p(n) for n in uses if n >= _CHAR_ECHO_MIN)


def _touching_pairs(left: str, middle: str, right: str) -> set[str]:
    """Pairs of characters that touch ``middle``: from the last character of ``left`` on."""
    full = left + middle + right
    return {full[j : j + 2] for j in range(max(0, len(left) - 1), len(left) + len(middle))}


def _stacked_marks(left: str, reading: str) -> int:
    """How many marks of ``reading`` follow a mark or an opening bracket: a clause of no words
    (``二、。產品``, ``(。）``) is no reading of running text. When ``left`` is empty nothing is
    known about what precedes the reading's first character, so that costs nothing."""
    text = left + reading
    return sum(
        1
        for i in range(max(1, len(left)), len(text))
        if text[i] in SENTENCE_MARKS and text[i - 1] in _CLAUSE_OPENERS
    )


def _lone_char_sentences(left: str, reading: str, right: str) -> int:
    """How many sentences of one Han character (``起。發。``) a reading makes: a full stop (or
    kin) the reading brings, then one character, then a mark, the reading holding one of them."""
    text = left + reading + right
    found = 0
    for i in range(max(0, len(left) - 2), min(len(left) + len(reading), len(text) - 2)):
        if (
            text[i] in _LONE_STARTS
            and is_han(text[i + 1])
            and text[i + 1] not in LIST_NUMERALS
            and text[i + 2] in _LONE_SENTENCE_ENDS
        ):
            found += 1
    return found


def _continues_list(left: str, reading: str) -> int:
    """How many ``、`` of ``reading`` follow another ``、`` of the same sentence (lines wrap inside
    sentences, so only a sentence end starts afresh)."""
    text = left + reading
    found = 0
    for i in range(len(left), len(text)):
        if text[i] != "、":
            continue
        start = max(text.rfind(mark, 0, i) for mark in "。；;")
        found += any(
            text[j] == "、" and text[j - 1] not in LIST_NUMERALS for j in range(max(1, start + 1), i)
        )
    return found


def _ends_after_conjunction(left: str, reading: str) -> int:
    """How many full stops (and kin) of ``reading`` end a sentence on a conjunction, as jieba
    cuts the Han characters before them."""
    from textmend.lm.fold import fold
    from textmend.lm.words import _tokenizer

    text = left + reading
    found = 0
    for i in range(max(1, len(left)), len(text)):
        if text[i] not in _SENTENCE_ENDS or text[i - 1] not in _CONJUNCTIONS:
            continue
        run = _HAN_RUN_END.search(text, 0, i)
        if run is not None and list(_tokenizer().cut(fold(run.group()), HMM=False))[-1] in _CONJUNCTIONS:
            found += 1
    return found


_HAN_RUN_END = re.compile(f"[{HAN_CLASS}]+$")


def _other_script(text: str, script: str) -> int:
    """How many characters of ``text`` belong only to the script other than ``script``."""
    trad, simp = script_counts(text)
    return simp if script == "traditional" else trad if script == "simplified" else 0


def _text_script(text: str) -> str:
    """The script the writer used: one clearly dominating the other (2 to 1), counted on the
    whole text, misread runs included (their characters fall in both scripts alike)."""
    trad, simp = script_counts(text)
    if trad >= 2 and trad >= 2 * simp:
        return "traditional"
    if simp >= 2 and simp >= 2 * trad:
        return "simplified"
    return "none"


@functools.cache
def _char_word(ch: str) -> float:
    from textmend.lm.words import word_logprob

    return word_logprob(ch)


def _cjk_context(text: str, at: int) -> bool:
    """A fold anchor is only damage inside Chinese text: the '?' of ``index.php?id=1`` or
    ``Why?Because`` follows a Latin letter or a URL character, and has no Han nearby; the
    orphaned lead byte of the damage follows a Chinese character (or a ruby's ``)``), or a lone
    ASCII byte after one: the trail that ended a misread run just before (``龑W?=M`` = 學校組)."""
    if at > 0 and text[at - 1] in _WORDISH and not (at > 1 and len(_bytes(text[at - 2]) or b"") == 2):
        return False
    return len(_CJK.findall(text, max(0, at - 8), at + 8)) >= 2


@functools.lru_cache(maxsize=65536)
def _bytes(ch: str) -> bytes | None:
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return None


@functools.cache
def _readings(ch: str) -> frozenset[str]:
    from pypinyin import pinyin

    return frozenset(r for group in pinyin(ch, heteronym=True) for r in group)


_PUNCT_SPLIT = re.compile(r"[\s\u3000-\u303f\uff01-\uff5e!-/:-@\[-`{-~]+")


def _score_many(scorer: object, texts: list[str]) -> list[float]:
    """Model scores of ``texts``, in one vectorised model call when the model has one.

    Punctuation is a boundary when the model was trained on a word list (the default): it has
    never seen punctuation, and a mark between two clauses must not cost more than a wrong
    character. A model of running text scores the whole, so ``。第 8 條`` is read with its
    context across the marks and spaces."""
    if getattr(scorer, "running_text", False):
        parts_of = [[t] for t in texts]
    else:
        parts_of = [[p for p in _PUNCT_SPLIT.split(t) if p] for t in texts]
    flat = [p for parts in parts_of for p in parts]
    batch = getattr(scorer, "logprobs", None)
    scores = batch(flat) if batch is not None else [scorer.logprob(p) for p in flat]  # type: ignore[attr-defined]
    out, i = [], 0
    for parts in parts_of:
        out.append(float(sum(scores[i : i + len(parts)])))
        i += len(parts)
    return out


PriorFn = Callable[[str], float]
_UNIGRAMS: dict[tuple[int, str], float] = {}


def _prior_fn(scorer: object | None) -> PriorFn:
    """The per-character prior the beam ranks by: the model's unigram score when there is a
    model (so among equally valid byte readings the frequent characters survive pruning),
    else the common-character prior."""
    if scorer is None:
        return uncommon_prior
    key = id(scorer)

    def unigram(ch: str) -> float:
        # Punctuation is scored as a boundary by the model (see _score_many), not as a word: its
        # unigram would sink the '。' readings the fold damage makes most often.
        if ord(ch) < 0x80 or not ch.isalpha():
            return uncommon_prior(ch)
        got = _UNIGRAMS.get((key, ch))
        if got is None:
            got = _UNIGRAMS[(key, ch)] = scorer.logprob(ch) + uncommon_prior(ch)  # type: ignore[attr-defined]
        return got

    return unigram


def _feed(state: _State, byte: int, prior: PriorFn = uncommon_prior) -> _State | None:
    if state.pending is None:
        if byte < 0x80:
            ch = chr(byte)
            return _State(state.data + bytes((byte,)), None, state.text + ch, state.prior, state.ruby_at)
        if 0x81 <= byte <= 0xFE:
            return _State(state.data + bytes((byte,)), byte, state.text, state.prior, state.ruby_at)
        return None
    pair = gbk_char(state.pending, byte)
    if pair is None:
        return None
    return _State(
        state.data + bytes((byte,)), None, state.text + pair, state.prior + prior(pair), state.ruby_at
    )


def _alternatives(token: str) -> list[list[int]]:
    """The byte strings an observed character may stand for (``_UNKNOWN``: a lost byte)."""
    if token == "?":
        return [[0x3F], [_UNKNOWN], [_STRADDLE_A3, 0xBF]]
    b = _bytes(token)
    if b is None:
        return []
    if len(b) == 1 and 0x21 <= b[0] <= 0x7E:
        # Only a straddle is damage: A3 was the trail of one character, the byte after it the
        # lead of the next. A fold of a whole fullwidth form is the punct fixer's business.
        return [[b[0]], [_STRADDLE_A3, b[0] + 0x80]]
    return [list(b)]


def _expand(state: _State, seq: list[int], prior: PriorFn) -> Iterator[_State]:
    states = [state]
    for byte in seq:
        nxt: list[_State] = []
        for st in states:
            if byte == _STRADDLE_A3:
                # Not after a lead A3 either: the folder, scanning left to right, would have
                # folded that A3 with this one (A3 A3 is ＃), so ``＃供…`` never re-damages to the
                # observed text, and such readings crowded the beam out (``停供`` was cut).
                if st.pending is None or st.pending == 0xA3:
                    continue
                values: range | tuple[int, ...] = (0xA3,)
            else:
                # 0x80 only ever completes a pair: a lost trail byte may be it, a lead may not.
                values = range(0x80, 0xFF) if byte == _UNKNOWN else (byte,)
            for v in values:
                new = _feed(st, v, prior)
                if new is not None:
                    nxt.append(new)
        states = nxt
    yield from states


def _clip(edits: list[Edit], offset: int) -> list[Edit]:
    """``edits`` that lie wholly after ``offset``, shifted to start there."""
    offset = max(0, offset)
    return [
        Edit(e.start - offset, e.end - offset, e.before, e.after, e.kind, e.confidence, e.note)
        for e in edits
        if e.start >= offset
    ]


def _repair_incident(
    text: str,
    start: int,
    ruby: str | None,
    scorer: object | None,
    left: str = "",
    doc: _Document = _NO_DOCUMENT,
) -> Edit | None:
    prev = _bytes(text[start - 1]) if start > 0 else None
    prior = _prior_fn(scorer)
    context = _RUBY.sub("", left)[-_CONTEXT:]
    begin = _State(b"", None, "", 0.0, None)
    pos = start
    states: list[_State] = []
    if ruby is not None:
        if prev is None or len(prev) != 2:
            return None
        # The lost lead byte L: (trail of the previous character, L) is the annotated character.
        for lead in range(0x81, 0xFF):
            ch = gbk_char(prev[1], lead)
            if ch is not None and ruby in _readings(ch):
                states.append(_State(bytes((lead,)), lead, "", 0.0, 0))
        pos = start + len(ruby) + 2  # "?" + pinyin + ")"
    else:
        states = [begin]
    fold = ruby is None or not _FULLWIDTH.search(text)
    complete: list[tuple[int, _State]] = []
    end_limit = min(len(text), pos + _MAX_TOKENS)
    marks = 0
    while states and pos < end_limit:
        token = text[pos]
        if token in "\r\n":
            break
        # One incident loses at most two bytes (an orphaned lead, sometimes an orphaned trail)
        # and shows at most three '?' (``??顚S?,``): a fourth belongs to the next incident. Reading
        # on would multiply the readings by ~126 per '?' for nothing (``??陀^??陀^…``).
        marks += token == "?"
        if marks > 3:
            break
        nxt: list[_State] = []
        for st in states:
            for alt in _alternatives(token):
                nxt.extend(_expand(st, alt, prior))
        pos += 1
        # Completions are collected before pruning: a finished reading must not be lost to
        # the beam's ranking of readings still under way.
        for st in nxt:
            if st.pending is None and st.data and st.data[-1] < 0x80:
                if _consistent(text, start, pos, st, ruby, fold):
                    complete.append((pos, st))
        states = _prune(nxt, scorer, context, _next_lead(text, pos))
        # Resynchronised on a literal: later tokens are read the same way as observed.
        if complete and all(s.pending is None for s in states) and pos - start > 2:
            break
    # A window may also end right after an orphan (the byte after it decoded anew).
    for st in states:
        if st.pending is None and _consistent(text, start, pos, st, ruby, fold):
            complete.append((pos, st))
    return _choose(text, start, complete, ruby, scorer, left, doc)


def _prune(
    states: list[_State], scorer: object | None = None, left: str = "", next_lead: int | None = None
) -> list[_State]:
    """Keep the best states per pending byte (the only thing the future reading depends on).

    A plain top-k by prior drowns the rare alignments in ties: a lost byte expands every state
    a hundredfold with equal priors, and the straddle reading (the one the damage makes) would
    be cut for insertion order alone. ``next_lead``: the first byte of the next observed
    character when it can only be read as itself (see :func:`_rank_pending`).
    """
    if len(states) <= _BEAM:
        return states
    # Grouped also by how many '?' are read as literal question marks: that is a different
    # hypothesis about the damage, not a worse spelling of the same one.
    groups: dict[tuple[int | None, int], list[_State]] = {}
    for st in states:
        groups.setdefault((st.pending, st.text.count("?")), []).append(st)
    if scorer is not None and next_lead is not None:
        _rank_pending(groups, scorer, left, next_lead)
    out: list[_State] = []
    for (pending, _), group in groups.items():
        # Mean prior per character: readings of the same observed tokens differ in length
        # (a straddle turns two tokens into one character), and a sum would punish length.
        if pending is None or next_lead is None or scorer is None:
            group.sort(key=lambda s: s.prior / max(1, len(s.text)), reverse=True)
        keep = _BEAM_SETTLED if pending is None else _BEAM_PER_PENDING
        if scorer is not None and pending is None and len(group) > keep:
            # The unigram prior knows nothing of neighbours (專 is rare alone, common in 專線):
            # rank a generous shortlist of the settled readings by the model in context. (Not
            # the pending groups: there are many, each small, and one model call per group
            # doubled the search time for no measured gain.)
            group = group[: keep * _SHORTLIST]
            lm = _score_many(scorer, [left + s.text for s in group])
            order = sorted(
                range(len(group)), key=lambda i: lm[i] + uncommon_prior(group[i].text), reverse=True
            )
            group = [group[i] for i in order]
            if not getattr(scorer, "running_text", False):
                top = int(keep * _WORD_RERANK)
                group = _rerank_by_words(group[:top], lm, order, left) + group[top:]
        out.extend(group[:keep])
    return out


def _rerank_by_words(group: list[_State], lm: list[float], order: list[int], left: str) -> list[_State]:
    """The default model's character model scores a lone character badly when it is no word
    alone (但 below 弹, see :func:`_wordlist_scores`): rank the shortlist's best by jieba's
    word model too, as the readings will be scored once complete."""
    from textmend.lm.words import word_logprob

    scores = []
    for k, st in enumerate(group):
        runs = _HAN_RUN.findall(left + st.text)
        scores.append(
            sum(word_logprob(r) for r in runs) + _CHAR_WEIGHT * lm[order[k]] + uncommon_prior(st.text)
        )
    ranked = sorted(range(len(group)), key=lambda k: scores[k], reverse=True)
    return [group[k] for k in ranked]


def _rank_pending(
    groups: dict[tuple[int | None, int], list[_State]], scorer: object, left: str, next_lead: int
) -> None:
    """Order the large pending groups by the model, with the character the pending byte makes
    with the next observed one, in one model call.

    A fold straddle leaves the character before it (lead byte lost, trail ``A3``) one of ~110
    readings that all wait on the same pending byte, and the unigram prior keeps the dozen most
    frequent: ``專`` of ``專款專用`` (8C A3) ranked 14th. Its next character is already fixed
    (``BF`` pending + ``EE`` of the observed ``顚`` = ``款``), and ``專款`` is a word.
    """
    ranked: list[tuple[list[_State], str]] = []
    for (pending, _), group in groups.items():
        if pending is None or len(group) <= _BEAM_PER_PENDING:
            continue
        group.sort(key=lambda s: s.prior / max(1, len(s.text)), reverse=True)
        del group[_BEAM_PER_PENDING * _PEEK_SHORTLIST :]
        ranked.append((group, gbk_char(pending, next_lead) or ""))
    if not ranked:
        return
    lm = _score_many(scorer, [left + s.text + peek for group, peek in ranked for s in group])
    i = 0
    for group, _ in ranked:
        scores = {id(s): lm[i + k] + uncommon_prior(s.text) for k, s in enumerate(group)}
        i += len(group)
        group.sort(key=lambda s: scores[id(s)], reverse=True)


def _consistent(text: str, start: int, end: int, st: _State, ruby: str | None, fold: bool) -> bool:
    observed = text[start:end]
    if st.text == observed:
        return False  # no change: that is the baseline, not a candidate
    if ruby is None and st.text.startswith("?"):
        # The anchor read as a literal '?' leaves this incident as it was: such a reading only
        # repairs a later incident, which is decided from its own anchor.
        return False
    if ruby is not None:
        prev = _bytes(text[start - 1]) or b""
        data = prev + st.data
        again = redamage(data, insert_after=len(prev), ruby=ruby, fold=fold)
        return again == text[start - 1 : end]
    return redamage(st.data, fold=fold) == observed


def _next_lead(text: str, at: int) -> int | None:
    """The first byte of ``text[at]`` when that character can only be read as its own two GBK
    bytes (not a '?', not ASCII: those may stand for lost or folded bytes)."""
    if at >= len(text) or text[at] in "\r\n":
        return None
    b = _bytes(text[at])
    return b[0] if b is not None and len(b) == 2 else None


_LINE_BREAK = re.compile(r"\r\n?|\n")


def _reads_words(scorer: object | None) -> bool:
    """Whether ``scorer`` is the word-list model (the default), not a model of running text."""
    return scorer is not None and not getattr(scorer, "running_text", False)


def _right_context(text: str, at: int, wrapped: bool = False) -> str:
    """Right context only up to the next '?' (where a later incident may start) or line end:
    text there is as it will stay, so the decision does not change once later incidents are
    repaired (idempotence), and ``?5? 8 條`` is read with its `` 8 條``.

    ``wrapped``: a span that ends its line is read with the start of the next, for the
    word-list model: lines are wrapped inside sentences and words (``續聘之?5?代⏎表機關`` was
    read 。迭代 at 0.95, ``軍官偈?⏎官服役`` 軍官是), and that model reads only the Han runs.
    Default model, 300 snippets, tuning seed 7 / held-out seed 3: 236 / 249 exact -> 238 /
    250, edits applied wrong 16 / 13 -> 15 / 12; one reading (``海南建?⏎事宜``) no longer
    passes its gain and is left as seen. Not for a model of running text: ``textmend lm
    build`` trains it on lines, and it read ``停訓。⏎八、`` less surely than ``停訓。`` (4 full
    readings of 300 became partial ones with the bench's in-domain model)."""
    window = text[at : at + 4 * _CONTEXT]
    wrap = _LINE_BREAK.match(window) if wrapped else None
    if wrap is not None:
        window = window[wrap.end() :]
    return _RUBY.sub("", re.split(r"[?\n]", window, maxsplit=1)[0])[:_CONTEXT]


def _score_readings(
    scorer: object | None,
    left: str,
    texts: list[str],
    right: str,
    doc: _Document,
    observed: str,
    line_end: bool,
) -> tuple[list[float], float, float]:
    """Scores of the readings ``texts`` of ``observed`` between ``left`` and ``right``, the score
    of ``observed`` itself, and the scale of their differences (see ``_WORDLIST_SCALE``).

    The default word-list model scores with :func:`_wordlist_scores`; a model of running text
    with its own score, the common-character prior and the page's evidence, which helps it too
    (300 bench cases with --in-domain: 253 exact, was 249; seed 4: 258, was 256). Without a
    model only the prior speaks.
    """
    if _reads_words(scorer):
        taiwan = doc.script == "traditional"
        scores = _wordlist_scores(scorer, left, texts, right, doc, observed, line_end, taiwan)
        base = _wordlist_scores(scorer, left, [observed], right, None, taiwan=taiwan)[0]
        return scores, base, _WORDLIST_SCALE
    if scorer is None:
        return [uncommon_prior(t) for t in texts], uncommon_prior(observed), 1.0
    lm = _score_many(scorer, [left + t + right for t in [*texts, observed]])
    scores = [
        lm[i]
        + uncommon_prior(t)
        + _page_evidence(left, t, right, doc, observed)
        - _line_end_cost(t, line_end)
        for i, t in enumerate(texts)
    ]
    return scores, lm[-1] + uncommon_prior(observed), _RUNNING_SCALE


def _line_end_cost(reading: str, line_end: bool) -> float:
    """What ``reading`` pays for ending its line (``line_end``) on a pause mark."""
    return _LINE_END_PAUSE_COST if line_end and reading[-1:] in _LINE_END_PAUSES else 0.0


def _observed_cost(observed: str, scorer: object | None) -> float:
    """What the marks of an anchored span cost the text as observed: each '?' (see
    ``_QMARK_COST``), and with the word-list model, which never sees a mark, every other mark at
    the price a reading pays for it (see :func:`_wordlist_scores`), ASCII symbols that running
    Chinese does not use (``_ODD_ASCII``) at the rare marks' price. Otherwise the span as seen
    kept its ``=``, ideographic space and ``≈`` for free, and ``就醫及?=?`` (with that space
    before the last '?') beat ``就醫及保健。``, which pays for its ``。``."""
    cost = _QMARK_COST * observed.count("?")
    if scorer is None or getattr(scorer, "running_text", False):
        return cost  # a running-text model scores the marks itself; no model: only the prior
    for ch in observed:
        if ch in _ODD_ASCII or (ord(ch) > 0x7F and not is_han(ch)):
            cost += _MARK_COST if ch in SENTENCE_MARKS else _RARE_MARK_COST
    return cost


def _ends_line(text: str, at: int) -> bool:
    """Whether the span ending before ``text[at]`` ends its line."""
    return text[at : at + 1] in ("", "\n", "\r")


def _confidence(margin: float) -> float:
    return 0.95 if margin >= 3.0 else 0.85 if margin >= 1.0 else 0.6


def _choose(
    text: str,
    start: int,
    complete: list[tuple[int, _State]],
    ruby: str | None,
    scorer: object | None,
    left_text: str = "",
    doc: _Document = _NO_DOCUMENT,
) -> Edit | None:
    if not complete:
        return None
    end_max = max(end for end, _ in complete)
    # Context for the model without pinyin rubies (they were inserted before the folding, and
    # the ruby fixer removes them later): ``經(jīng)?;?,`` is scored after 經, not after ``)``.
    # Only the left side (already repaired): a right context would still hold the next
    # incidents' damage, and the decision must not change once they are repaired.
    left = _RUBY.sub("", left_text)[-_CONTEXT:]
    right = _right_context(text, end_max, _reads_words(scorer))
    seen: dict[str, tuple[int, _State]] = {}
    for end, st in complete:
        seen.setdefault(st.text + text[end:end_max], (end, st))
    texts = list(seen)
    observed = text[start:end_max]
    scores, base, scale = _score_readings(
        scorer, left, texts, right, doc, observed, _ends_line(text, end_max)
    )
    base -= _observed_cost(observed, scorer)
    best = max(range(len(texts)), key=lambda i: scores[i])
    gain = scores[best] - base
    if ruby is None and gain < _MIN_GAIN:
        return None
    ranked = sorted(scores, reverse=True)
    margin = ranked[0] - ranked[1] if len(ranked) > 1 else 10.0 * scale
    end, st = seen[texts[best]]
    confidence = _confidence(margin / scale)
    after = st.text
    if ruby is not None:
        kind, note = f"{KIND}.ruby_straddle", f"straddle ruby ({ruby}) removed, lost lead byte restored"
        confidence = max(confidence, 0.9 if len(texts) == 1 else confidence)
    else:
        kind, note = f"{KIND}.folded_punct", "fullwidth form folded across a character boundary"
        surer = _surer_partial(texts, scores, best, scale, confidence)
        if surer is not None:
            reading, confidence = surer
            note += _PARTIAL_NOTE
            _, tail = _trimmed(observed, reading)
            end, after = end_max - tail, reading[: len(reading) - tail]
            if after == text[start:end]:
                return None
    kept = _kept_qmark_tail(text[start:end], after)
    if kept:
        # The reading ends on a '?' it keeps as seen: that '?' may start the next incident
        # (``?4娑?十年?5?經`` = 保存二十年。但經), which must not be taken by this edit.
        end, after = end - kept, after[:-kept]
    return Edit(start, end, text[start:end], after, kind, confidence, note)


def _kept_qmark_tail(before: str, after: str) -> int:
    """How many trailing characters, from the first '?' among them on, ``after`` keeps of
    ``before`` unchanged (0 when the unchanged tail has no '?')."""
    k = 0
    while k < min(len(before), len(after)) - 1 and before[-1 - k] == after[-1 - k]:
        k += 1
    q = before.find("?", len(before) - k) if k else -1
    return len(before) - q if q >= 0 else 0


def _surer_partial(
    texts: list[str], scores: list[float], best: int, scale: float, confidence: float, cap: float = math.inf
) -> tuple[str, float] | None:
    """The :func:`_partial` reading of a best reading held under ``_PARTIAL_BELOW``
    (``confidence``) and the confidence its margin (at most ``cap``) earns; None when there is
    none or it is no surer."""
    if confidence >= _PARTIAL_BELOW:
        return None
    part = _partial(texts, scores, best, scale)
    if part is None:
        return None
    surer = _confidence(min(cap, part[1]) / scale)
    return (part[0], surer) if surer > confidence else None


def _partial(texts: list[str], scores: list[float], best: int, scale: float) -> tuple[str, float] | None:
    """The best reading with the characters its close rivals dispute shown as lost, and its
    margin over the readings that differ anywhere else; None unless every reading within
    ``_PARTIAL_MIN`` (scaled) of the best has its length and differs from it only in the same
    one or two places, not next to each other.

    The rivals of an undecided reading mostly differ only in the character the lost byte makes
    (``保甲表由各局、處`` / ``。甲表由各局、處``, ``保存、經`` / ``保存、建``): the rest of the span is
    read alike, and as sure as the margin over readings that differ elsewhere."""
    b = texts[best]
    close = [i for i in range(len(texts)) if i != best and scores[best] - scores[i] < _PARTIAL_MIN * scale]
    if not close or any(len(texts[i]) != len(b) for i in close):
        return None
    disputed = {j for i in close for j, (x, y) in enumerate(zip(texts[i], b, strict=True)) if x != y}
    if not 1 <= len(disputed) <= _PARTIAL_MAX_LOST or any(j + 1 in disputed for j in disputed):
        return None
    same_elsewhere = [
        len(t) == len(b)
        and all(x == y for j, (x, y) in enumerate(zip(t, b, strict=True)) if j not in disputed)
        for t in texts
    ]
    others = [scores[i] for i in range(len(texts)) if not same_elsewhere[i]]
    margin = scores[best] - max(others) if others else 10.0 * scale
    if margin < _PARTIAL_MIN * scale:
        return None
    return "".join(_LOST if j in disputed else ch for j, ch in enumerate(b)), margin


def _trimmed(before: str, after: str) -> tuple[int, int]:
    """How many leading and trailing characters ``after`` shares with ``before`` (leaving at
    least one character of ``after`` outside them)."""
    head = 0
    while head < min(len(before), len(after)) - 1 and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < min(len(before), len(after)) - 1 - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return head, tail
