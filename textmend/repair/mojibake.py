"""Fixer 'encoding': undo mojibake -- text decoded with the wrong codec.

Three sources of edits, all proposed on spans (runs of suspicious characters), never per file:

* **CJK text read as Latin-1/cp1252** (``´ó¼Ò`` = 大家): the run is turned back into bytes and
  decoded with GBK, Big5, UTF-8, Shift-JIS and EUC-KR, following double encodings up to three
  layers deep. ftfy never tries the CJK codecs (and its ``fix_text`` mangles these runs).
* **CJK text read as another CJK codec** (UTF-8 read as GBK ``鍙戦€``, Big5 read as GBK, GBK read
  as Big5): strict reversal with an exact round trip; bytes lost to a replacement character are
  searched (every byte value that makes valid UTF-8) and ranked by the language model.
* **Everything else ftfy knows** (UTF-8 read as Latin-1/cp1252/MacRoman..., in Latin, Greek,
  Cyrillic...) is delegated to ``ftfy.fix_encoding`` line by line. Only the encoding step runs:
  ftfy's default quote uncurling and width folding change 1.17% of clean Chinese.

A candidate must be strictly better Chinese than the run it replaces (far fewer characters
outside the common set of :mod:`._codecs`, and, when the model is there, a higher model score),
so clean text is left alone. Runs of U+FFFD and ``锟斤拷`` (U+FFFD re-encoded) cannot be
recovered from one copy: they are flagged (``encoding.fffd_run``) for the consensus repair.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from textmend.edits import Edit, apply_edits, resolve_overlaps
from textmend.repair._codecs import (
    _CP1252_HIGH,
    GBK_PUNCT_AS_BIG5,
    cp1252_sloppy_encode,
    encode_cp936,
    ftfy_trigger_re,
    han_count,
    latin_evidence_re,
    suspect_lines,
    uncommon_fraction,
)
from textmend.repair._codecs_holes import LEFT_ARMS, RIGHT_ARMS, fill_utf8_big5
from textmend.repair._codecs_holes import fill as fill_holes
from textmend.repair._codecs_lm import SYMBOL_LETTER_CLASS, get_scorer, is_box
from textmend.repair.config import RepairConfig

KIND = "encoding"

# A run of characters Latin-1 or cp1252 can encode, on one line.
_LATIN_RUN = re.compile(f"[\\x20-\\x7e\\x80-\\xff{_CP1252_HIGH}]+")
# A run of non-Latin characters (every byte of UTF-8 CJK and every lead byte of GBK/Big5 is
# >= 0x80). Inside a run it also takes in:
# - replacement marks (lost bytes);
# - the Latin-1 characters GBK encodes (``¤`` = A1 E8 turns up in UTF-8 read as GBK): a run cut
#   there would leave a character's bytes on both sides;
# - single ASCII characters in 0x40-0x7E glued between CJK characters: a double-byte codec read
#   as another loses lead bytes, and the trail bytes of the misaligned pairs after them (Big5
#   trails go down to 0x40) come out as ASCII (``�H``, ``佻F┎``), at the start of a run too
#   (``�H員`` = 人員 in Big5 read as GBK).
# Clean text is protected by the gates on each run, not by the run's shape.
# Written so that each stretch of marks splits one way only: ``(?:\ufffd+X?)*`` before a
# character that may not follow tried every split of a run of marks (2^29 for the 30 marks a
# partial reading of UTF-8 read as Big5 leaves before a ``;``: minutes for one line). Same
# matches (tests/test_encoding.py checks them against the former pattern).
_CJK_RUN = re.compile(
    r"(?:\ufffd+(?:[\x40-\x7e]\ufffd+)*[\x40-\x7e]?)?[^\x00-\xff\s\ufffd]+"
    r"(?:[?\ufffd\x40-\x7e¤§¨°±·×÷àáèéêìíòóùúü]+[^\x00-\xff\s\ufffd]+)*"
    r"(?:[?\ufffd]+[\x40-\x7e]?)*"
    # A lost lead byte and its trail alone between ASCII (``第 �G`` = 第 二): read only when the
    # rest of the line is (see _cjk_runs).
    r"|(?:\ufffd+[\x40-\x7e]?)+"
)
_FLAG_RUNS = re.compile(r"\ufffd+|(?:锟斤拷)+(?:锟斤?)?")

# The codecs a byte run may really have been in (name in edit kinds, Python codec).
_TRUE_CODECS: tuple[tuple[str, str], ...] = (
    ("gbk", "gbk"),
    ("utf8", "utf-8"),
    ("big5", "big5"),
    ("gb18030", "gb18030"),
    ("sjis", "shift_jis"),
    ("euckr", "euc_kr"),
)

# Minimum gap in share of uncommon characters between a run and its replacement.
_MIN_GAIN = 0.3
# Minimum model gain (nats over the whole run) when the language model is available.
_MIN_LM_GAIN = 4.0
# GBK read as Big5 lands mostly in Big5's frequent block, so its runs may have only a fifth of
# uncommon characters: a smaller gap is enough when the model finds the reading far likelier,
# by this many nats per character (such readings gain 2-6 nats per character; measured on
# laws-cn samples with the default model).
_MIN_GAIN_STRONG = 0.15
_STRONG_LM_GAIN = 1.5
# GBK's rows A4-A8 hold kana, Greek, Cyrillic, pinyin's accented letters and bopomofo, and Big5's
# most frequent characters land there (セいみ = 本中心); Big5's row A3, where GBK's fullwidth
# forms land, holds bopomofo and Greek. But these are also letters of other writing, which a
# Chinese model scores so low that any Han reading beats them: Japanese, Russian or pinyin with a
# lost byte before an ASCII letter (a lost lead byte beside its trail, to the codec check) read as
# Big5 (``データベース�A`` = 犯奈正矛奈旦，, ``Привет`` = 妤把我志快找). So a reading of a run
# with such letters must also read as Chinese on its own: at least this many nats per character.
# Readings of the benchmark's lossy snippets score -7.5 or more with the default model (-6.0 with
# an in-domain one); Japanese sentences with a lost byte read as Big5 score -8.8 or less (-10.3).
_FOREIGN_READING_FLOOR = -8.0
# Pinyin's toned vowels outside Latin-1 and cp1252 (Latin-1 mojibake is made of those), with
# the tone marks of bopomofo.
_PINYIN_LETTERS = "āēīōūǎěǐǒǔǖǘǚǜńňǹɑɡĀĒĪŌŪǍĚǏǑǓǕǗǙǛ"
_FOREIGN_LETTERS = re.compile(
    f"[{_PINYIN_LETTERS}{SYMBOL_LETTER_CLASS}\u02c7\u02ca\u02cb\u02d9\u3041-\u30ff]"
)


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    chain: tuple[str, ...]  # misreadings in damage order, e.g. ("gbk_as_latin1", "utf8_as_latin1")
    lossy: bool = False
    sure: bool = True
    guessed: int = 0  # lost characters chosen by the model without a clear margin
    guessed_han: int = 0  # how many of them are Han characters
    # UTF-8 read as Big5: the reading with the characters it leaves lost (U+FFFD, no clear
    # margin) guessed, written when guesses are asked for; the run is judged on ``text``.
    guesses: str = ""

    @property
    def kind(self) -> str:
        if len(self.chain) == 1:
            return f"{KIND}.{self.chain[0]}"
        return f"{KIND}.double"


def fix(text: str, config: RepairConfig) -> list[Edit]:
    """Propose mojibake repairs for ``text`` (see the module docstring).

    >>> [(e.before, e.after, e.kind) for e in fix("标题：´ó¼ÒºÃ", RepairConfig())]
    [('´ó¼ÒºÃ', '大家好', 'encoding.gbk_as_latin1')]
    >>> fix("今天天气很好。", RepairConfig())
    []
    """
    lines = suspect_lines(text)
    if not lines:
        return []
    scorer = get_scorer(config.lm_path)
    guesses = config.min_confidence <= GUESS_CONFIDENCE
    per_line = [_fix_line(text, start, end, scorer, guesses=guesses) for start, end in lines]
    # A page is decoded with one codec, so a line proven to be mojibake of a CJK codec lets the
    # lost-byte runs of the lines next to it be read with that codec (see _cjk_runs' ``hint``),
    # where they are too short to stand alone (``称爹�G`` = 備註：). Only lines with lost bytes
    # left unread are read again: they are damaged whatever the codec.
    # A line read with a hint passes it on to its own neighbours (a page of short lines), so
    # the lines are swept down, then up.
    # The box-drawing columns of the lines next to a line (as repaired so far) let a table's
    # borders be read where the line has too few Han characters (see _lines_up); a line is read
    # again when they grow too.
    # A drawn rule proves its own line (see _RULE), and lends the codec like any proven line.
    ruled = [_ruled(text[start:end]) for start, end in lines]
    proven = [_proven_kinds(line_edits) | own for line_edits, own in zip(per_line, ruled, strict=True)]
    index = {start: k for k, (start, _) in enumerate(lines)}
    tried: list[tuple[frozenset[str], frozenset[int]]] = [(frozenset(), frozenset())] * len(lines)
    for i in [*range(len(lines)), *reversed(range(len(lines)))]:
        start, end = lines[i]
        if not _lost_left(text, start, end, per_line[i], config.min_confidence):
            continue
        hint = _hint(text, lines, proven, i) | ruled[i]
        if not hint:
            continue
        columns = _neighbour_box_columns(text, start, end, index, per_line, config.min_confidence)
        if hint <= tried[i][0] and columns <= tried[i][1]:
            continue
        tried[i] = (hint, columns)
        per_line[i] = _fix_line(text, start, end, scorer, hint, columns, guesses)
        read = {e.kind for e in per_line[i] if e.confidence >= 0.8 and e.before != e.after}
        proven[i] = _proven_kinds(per_line[i]) | (hint & read) | ruled[i]
    per_line = [
        _in_its_script(text, start, end, line_edits, config.min_confidence)
        for (start, end), line_edits in zip(lines, per_line, strict=True)
    ]
    edits = [e for line_edits in per_line for e in line_edits]
    edits.extend(_flags(text, edits))
    return sorted(edits, key=lambda e: (e.start, e.end))


# UTF-8 read as Big5 loses about 40% of its bytes, and the characters read without a clear
# margin stay U+FFFD (see _codecs_holes.fill_utf8_big5). With ``min_confidence`` at or below
# this, they are written as the model's best guess, in an edit of this confidence (a run with
# nothing read for sure stays as it is). ``python -m bench encoding 100 utf8_as_big5 --kinds-only
# --min-confidence=0.6 [--in-domain]``: 19.3% -> 39.7% of characters right with the default
# model, 52.8% -> 78.7% with the in-domain model; the other lossy kinds are the same at 0.6.
GUESS_CONFIDENCE = 0.6

# Letters of another script (see _FOREIGN_LETTERS) that a line keeps as they are, outside its
# applied repairs, for it to count as written in that script.
_FOREIGN_KEPT = 3


def _in_its_script(text: str, start: int, end: int, edits: list[Edit], threshold: float) -> list[Edit]:
    """``edits`` (of the line ``text[start:end]``) without the readings of lost bytes among letters of
    another script when the line keeps such letters elsewhere, unread.

    A lost byte in Russian, Greek, Japanese or bopomofo text looks like Big5 read as GBK, whose
    frequent characters land on those letters; a run of such letters around it may then read
    as short Chinese words (``к�Iак`` as ``抗！忘抗`` in ``Привет, к�Iак дела``). A line really read
    with the wrong codec has its other runs of such letters read too: they are mojibake of the
    same codec, and most carry no lost byte, so they read exactly. Kept unread, with no Han
    character beside them, they say the line is written in that script. (A table line drawn in
    Big5 may keep a short run unread, ``そだ`` for 公分, but its other runs misread as Han show
    what it is: ``番號台直的48そだ�x�姜�56``.)"""
    lossy = [
        e
        for e in edits
        if e.before != e.after
        and ("\ufffd" in e.before or "?" in e.before)
        and _FOREIGN_LETTERS.search(e.before)
    ]
    if not lossy:
        return edits
    kept = _unedited(text, start, end, edits, threshold)
    if len(_FOREIGN_LETTERS.findall(kept)) < _FOREIGN_KEPT or han_count(kept):
        return edits
    dropped = {id(e) for e in lossy}
    return [e for e in edits if id(e) not in dropped]


# ``───`` in Big5 (A2 77 three times) read as GBK: each lost lead byte beside its trail ``w``.
# Another lead (A4-A7 77 are Han) would make three Han characters that share their trail byte,
# so the line is a table drawn in Big5 and read as GBK: the rule proves the codec for its line,
# whose Han text may be too damaged to prove it (``�w�{�x瓣チ�恙v摸�O`` = ─┐│國民住宅類別), and
# lends it to the lines around it.
_RULE = re.compile("(?:\ufffdw){3}")
_RULED = frozenset({f"{KIND}.big5_as_gbk"})


def _ruled(line: str) -> frozenset[str]:
    return _RULED if _RULE.search(line) else frozenset()


def _proven_kinds(edits: list[Edit]) -> frozenset[str]:
    """The CJK misreadings that confident edits of one line read six Han characters with."""
    han: dict[str, int] = {}
    for e in edits:
        if e.confidence >= 0.8 and e.kind.removeprefix(f"{KIND}.") in _CJK_KINDS:
            han[e.kind] = han.get(e.kind, 0) + han_count(e.after)
    return frozenset(kind for kind, n in han.items() if n >= _PROOF_HAN)


def _hint(text: str, lines: list[tuple[int, int]], proven: list[frozenset[str]], i: int) -> frozenset[str]:
    """The codecs proven by the nearest proven lines before and after line ``i``.

    Lines in between that are ASCII, or damaged lines nothing was proven on (lost bytes no codec
    could read: ``�x�@�x``, a Big5 table border), do not break the page, up to
    ``_HINT_REACH`` suspect lines away; a line of other text does.
    """
    hint: frozenset[str] = frozenset()
    for step in (-1, 1):
        j = i
        while 0 <= j + step < len(lines) and abs(j + step - i) <= _HINT_REACH:
            gap = (
                text[lines[j + step][1] : lines[j][0]] if step < 0 else text[lines[j][1] : lines[j + step][0]]
            )
            if not gap.isascii():
                break
            j += step
            if proven[j]:
                hint |= proven[j]
                break
            if "\ufffd" not in text[lines[j][0] : lines[j][1]]:
                break
    return hint


def _neighbour_box_columns(
    text: str,
    start: int,
    end: int,
    index: dict[int, int],
    per_line: list[list[Edit]],
    threshold: float,
) -> frozenset[int]:
    """The display columns (see :func:`_width`) of the box-drawing characters of the lines right
    before and after ``text[start:end]``, with their applied edits made."""
    spans: list[tuple[int, int]] = []
    if start > 0:
        spans.append((text.rfind("\n", 0, start - 1) + 1, start - 1))
    if end < len(text):
        nxt = text.find("\n", end + 1)
        spans.append((end + 1, len(text) if nxt < 0 else nxt))
    columns: set[int] = set()
    for lo, hi in spans:
        edits = per_line[index[lo]] if lo in index else []
        applied = [_moved(e, -lo) for e in edits if e.confidence >= threshold and e.before != e.after]
        col = 0
        for ch in apply_edits(text[lo:hi], sorted(applied, key=lambda e: e.start)):
            if is_box(ch):
                columns.add(col)
            col += _width(ch)
    return frozenset(columns)


# How far (in suspect lines) a proven line lends its codec: a bound on the walk, which a file of
# unreadable damaged lines would otherwise make quadratic.
_HINT_REACH = 8


def _lost_left(text: str, start: int, end: int, edits: list[Edit], threshold: float) -> bool:
    """``text[start:end]`` still shows a replacement mark once its applied edits are made."""
    return "\ufffd" in _unedited(text, start, end, edits, threshold)


def _unedited(text: str, start: int, end: int, edits: list[Edit], threshold: float) -> str:
    """What ``text[start:end]`` keeps as it is outside the edits applied at ``threshold``."""
    applied = [e for e in edits if e.confidence >= threshold and e.before != e.after]
    kept, pos = [], start
    for e in sorted(applied, key=lambda e: e.start):
        kept.append(text[pos : e.start])
        pos = max(pos, e.end)
    kept.append(text[pos:end])
    return "".join(kept)


def _fix_line(
    text: str,
    start: int,
    end: int,
    scorer: object | None,
    hint: frozenset[str] = frozenset(),
    columns: frozenset[int] = frozenset(),
    guesses: bool = False,
) -> list[Edit]:
    """Repairs inside ``text[start:end]`` (one line), iterated to a fixed point.

    One step may leave damage another step sees (ftfy's fragment patch beside a GBK run, a
    double encoding), so the line is re-examined until nothing changes: the fixer must be
    idempotent, as repair is.
    """
    line = text[start:end]
    after, edits = _step(line, scorer, hint, columns, guesses)
    if after == line:
        return [_moved(e, start) for e in edits]  # suggestions and flags only
    current, notes = after, [e.note for e in edits if e.confidence >= 0.8]
    for _ in range(_MAX_STEPS - 1):
        nxt, more = _step(current, scorer, hint, columns, guesses)
        if nxt == current:
            break
        current = nxt
        notes += [e.note for e in more if e.confidence >= 0.8]
    if current == after:
        return [_moved(e, start) for e in edits]
    return [_trimmed_edit(text, start, end, current, f"{KIND}.double", 0.9, "; ".join(notes))]


_MAX_STEPS = 3


def _step(
    line: str,
    scorer: object | None,
    hint: frozenset[str] = frozenset(),
    columns: frozenset[int] = frozenset(),
    guesses: bool = False,
) -> tuple[str, list[Edit]]:
    """One repair step on a line: (text after the confident edits, edits relative to the line).

    ftfy first, then the CJK codec passes. "Valid UTF-8 wins": when ftfy re-encodes the whole
    line and decodes it as UTF-8, its reading is taken, and the CJK passes run on its output
    (double encodings ending in a CJK codec).
    """
    fixed, ftfy_kind, ftfy_note, whole = _ftfy_line(line)
    # Latin-1 runs and CJK runs may overlap (a CJK run takes in ASCII trail bytes and marks):
    # competing readings of one span, of which the more confident is kept.
    own = resolve_overlaps([*_latin_runs(line, scorer), *_cjk_runs(line, scorer, hint, columns, guesses)])
    own_after = apply_edits(line, [e for e in own if e.confidence >= 0.8])
    if ftfy_kind is None:
        return own_after, own
    ours = [e for e in _latin_runs(fixed, scorer) if e.confidence >= 0.8]
    ours = resolve_overlaps(
        ours + [e for e in _cjk_runs(fixed, scorer, hint, columns, guesses) if e.confidence >= 0.8]
    )
    after = apply_edits(fixed, ours)
    # Keep the reading with fewer Latin-family letters left over. On a tie, a whole-line UTF-8
    # decode by ftfy wins; ftfy's fragment patches (decode_inconsistent_utf8 on GBK read as
    # Latin-1, where a few byte pairs are valid UTF-8 by chance) lose to our run reading.
    residue_ftfy, residue_own = _residue(after), _residue(own_after)
    if own_after != line and (residue_own < residue_ftfy or (residue_own == residue_ftfy and not whole)):
        return own_after, own
    kind = ftfy_kind if after == fixed else f"{KIND}.double"
    notes = [ftfy_note, *(e.note for e in ours)]
    return after, [_trimmed_edit(line, 0, len(line), after, kind, 0.95, "; ".join(notes))]


def _moved(e: Edit, offset: int) -> Edit:
    return Edit(e.start + offset, e.end + offset, e.before, e.after, e.kind, e.confidence, e.note)


def _residue(text: str) -> int:
    return len(ftfy_trigger_re().findall(text))


# --- acceptance -------------------------------------------------------------------------------


def _better(candidate: str, original: str, scorer: object | None) -> float | None:
    """Confidence that ``candidate`` is the text ``original`` was made from, or None."""
    # Box-drawing characters count as CJK evidence: Big5/GBK tables are drawn with them.
    cjk = han_count(candidate) + _box_count(candidate)
    if cjk < 2:
        return None
    # A partial reading keeps U+FFFD for what it could not read: neither Chinese nor evidence.
    unc_new = uncommon_fraction(candidate.replace("\ufffd", ""))
    # GBK's 、。 read as Big5 are evidence too (see GBK_PUNCT_AS_BIG5).
    unc_old = uncommon_fraction(original, GBK_PUNCT_AS_BIG5)
    if latin_evidence_re().search(original):
        unc_old = max(unc_old, 1.0)  # a Latin-1 run is no Chinese at all
    if unc_new > 0.2 or unc_old - unc_new < _MIN_GAIN_STRONG:
        return None
    if scorer is not None:
        gain = scorer.logprob(candidate) - scorer.logprob(original)  # type: ignore[attr-defined]
        if gain < _MIN_LM_GAIN or not _reads_as_chinese(candidate, original, scorer):
            return None
        strong = gain >= _STRONG_LM_GAIN * len(candidate)
    else:
        strong = False
    if unc_old - unc_new < _MIN_GAIN and not strong:
        return None
    confidence = 0.97 if unc_new == 0.0 else 0.9 if unc_new <= 0.1 else 0.75
    # Short runs carry little evidence: two characters are a guess, not a repair. In an exact
    # reading (no byte lost) fullwidth Chinese punctuation counts with them (Big5 （機關 read as
    # Latin-1, ``¡]¾÷Ãö``, is two Han characters and a bracket).
    exact = "\ufffd" not in original and "?" not in original
    if cjk + (sum(1 for ch in candidate if ch in _CJK_PUNCT) if exact else 0) < 3:
        confidence = min(confidence, 0.7)
    return confidence


_CJK_PUNCT = "（）「」『』、。，：；！？《》〈〉【】"


def _reads_as_chinese(candidate: str, original: str, scorer: object) -> bool:
    """False when ``original`` has letters of another script (see _FOREIGN_READING_FLOOR) and
    ``candidate`` does not read as Chinese on its own; True otherwise. Box drawing is left out: a
    table's borders are no text the model knows, in any language."""
    if not _FOREIGN_LETTERS.search(original):
        return True
    body = "".join(ch for ch in candidate if ch != "\ufffd" and not is_box(ch))
    return not body or bool(scorer.logprob(body) >= _FOREIGN_READING_FLOOR * len(body))  # type: ignore[attr-defined]


def _best(
    original: str, candidates: list[Candidate], scorer: object | None
) -> tuple[Candidate, float] | None:
    scored: list[tuple[float, float, int, Candidate]] = []
    for cand in candidates:
        conf = _better(cand.text, original, scorer)
        if conf is not None:
            scored.append((conf, -uncommon_fraction(cand.text), -len(cand.chain), cand))
    if not scored:
        return None
    scored.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    conf, _, _, cand = scored[0]
    if cand.lossy:
        # A reading of a lossy run is far better than the mojibake it replaces even when a lost
        # character was a close call, as long as such guesses are not most of it (at most one
        # character in two): it is then applied at the default threshold.
        # A run whose characters read without doubt hold enough Han characters to prove the
        # codec on their own (see _PROOF_HAN) is mojibake of that codec however many of its lost
        # characters were close calls: the reading, even with a few of them wrong, beats the
        # mojibake left as it is (``禣夹非�p�U�G�@�B...`` = 費標準如下：一、...).
        few = cand.guessed * 2 <= len(cand.text) or han_count(cand.text) - cand.guessed_han >= _PROOF_HAN
        conf = min(conf, 0.85 if cand.sure else 0.8 if few else 0.6)
    return cand, conf


def _trimmed_edit(text: str, start: int, end: int, after: str, kind: str, conf: float, note: str) -> Edit:
    before = text[start:end]
    # Keep the edit to the part that changes (runs may carry genuine ASCII at their edges).
    p = 0
    while p < min(len(before), len(after)) and before[p] == after[p]:
        p += 1
    s = 0
    while s < min(len(before), len(after)) - p and before[-1 - s] == after[-1 - s]:
        s += 1
    return Edit(start + p, end - s, before[p : len(before) - s], after[p : len(after) - s], kind, conf, note)


# --- Latin-1 / cp1252 runs ----------------------------------------------------------------------


def _latin_bytes(run: str) -> Iterator[tuple[str, bytes]]:
    try:
        yield "latin1", run.encode("latin-1")
    except UnicodeEncodeError:
        pass
    if any(c in _CP1252_HIGH for c in run):
        data = cp1252_sloppy_encode(run)
        if data is not None:
            yield "cp1252", data


def _latin_candidates(run: str, depth: int = 0) -> list[Candidate]:
    out: list[Candidate] = []
    for misread, data in _latin_bytes(run):
        for name, codec in _TRUE_CODECS:
            try:
                decoded = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if decoded == run:
                continue
            step = f"{name}_as_{misread}"
            out.append(Candidate(decoded, (step,)))
            # Double encoding: the decoded text is itself Latin-family mojibake.
            if depth < 2 and name == "utf8" and latin_evidence_re().search(decoded):
                out.extend(Candidate(c.text, (*c.chain, step)) for c in _latin_candidates(decoded, depth + 1))
    return out


def _latin_runs(text: str, scorer: object | None) -> Iterator[Edit]:
    evidence = latin_evidence_re()
    for m in _LATIN_RUN.finditer(text):
        run = m.group()
        if len(evidence.findall(run)) < 2:
            continue
        cands = _latin_candidates(run)
        # A run that is valid UTF-8 once re-encoded is UTF-8 mojibake (multi-byte UTF-8 is
        # very unlikely by chance): other codecs may not claim it, ftfy handles non-CJK ones.
        if any(c.chain[-1].startswith("utf8_") for c in cands):
            cands = [c for c in cands if c.chain[-1].startswith("utf8_")]
        # Chinese must dominate the result: stray accented letters in Latin text are not it.
        # ASCII words in the run (``Python``, ``C library``) stay ASCII in every reading, so
        # only the characters the reading produced beyond ASCII are counted.
        cands = [c for c in cands if _han_dominated(c.text)]
        best = _best(run, cands, scorer)
        if best is None:
            continue
        cand, conf = best
        yield _trimmed_edit(text, m.start(), m.end(), cand.text, cand.kind, conf, " > ".join(cand.chain))


_GLUED_LETTERS = re.compile(r"(?<=[^\x00-\x7f])[A-Za-z]+|[A-Za-z]+(?=[^\x00-\x7f])")


def _box_count(text: str) -> int:
    return sum(1 for ch in text if "\u2500" <= ch <= "\u257f")


def _han_dominated(reading: str) -> bool:
    """Chinese dominates ``reading``, a CJK decoding of a Latin-1 run.

    ASCII words standing apart (``如何在 Python 中``) are neutral, but ASCII letters glued to the
    new characters count against: an accented Latin word read as Shift-JIS or GBK (``H咆YA``,
    ``pr麥io``) leaves letter fragments on both sides of each ideograph.

    Box-drawing characters count with the Han ones: Big5 and GBK tables (``│（臺中市）│``) are
    drawn with them, and no Latin-1 text reads as them.
    """
    han = han_count(reading)
    box = _box_count(reading)
    if (han + box) * 2 < sum(1 for ch in reading if ord(ch) > 0x7F):
        return False
    return han + box > len(_GLUED_LETTERS.findall(reading))


# --- CJK read as CJK ----------------------------------------------------------------------------

# (kind, encode observed run back to bytes, decode the bytes as the true codec)
_Reversal = tuple[str, Callable[[str], bytes | None], str]


def _enc(codec: str) -> Callable[[str], bytes | None]:
    def encode(s: str) -> bytes | None:
        try:
            return s.encode(codec)
        except UnicodeEncodeError:
            return None

    return encode


_CJK_REVERSALS: tuple[_Reversal, ...] = (
    ("utf8_as_gbk", encode_cp936, "utf-8"),
    ("utf8_as_gb18030", _enc("gb18030"), "utf-8"),
    ("utf8_as_big5", _enc("big5"), "utf-8"),
    ("big5_as_gbk", encode_cp936, "big5"),
    ("gbk_as_big5", _enc("big5"), "gbk"),
    ("utf8_as_sjis", _enc("shift_jis"), "utf-8"),
)
_CJK_KINDS = frozenset(kind for kind, _, _ in _CJK_REVERSALS)


def _cjk_candidates(run: str, scorer: object | None, after: str = "", before: str = "") -> list[Candidate]:
    out: list[Candidate] = []
    lossy = "?" in run or "\ufffd" in run
    for kind, encode, true_codec in _CJK_REVERSALS:
        if lossy:
            if kind in _FILLABLE:
                out.extend(_fill_lost_bytes(run, after, scorer, before, kind))
            continue
        data = encode(run)
        if data is None:
            continue
        try:
            decoded = data.decode(true_codec)
        except UnicodeDecodeError:
            continue
        out.append(Candidate(decoded, (kind,)))
    return out


# How many ideographic spaces a lossy run is read across (see _across_ideographic_space). With
# the reading of kana-looking runs (_far_likelier), Big5 read as GBK with the bench's in-domain
# model, cases of seed 7 (150): 98.50% -> 99.27% of characters right (two snippets left unread).
_MAX_JOINS = 4

# Han characters that prove a line's codec: runs of a line together read this many with one codec
# (confidently, or with lost bytes filled) and the line was evidently decoded with it.
_PROOF_HAN = 6


def _cjk_runs(
    text: str,
    scorer: object | None,
    hint: frozenset[str] = frozenset(),
    columns: frozenset[int] = frozenset(),
    guesses: bool = False,
) -> list[Edit]:
    """CJK-as-CJK repairs of the runs of ``text`` (one line).

    Short runs carry too little evidence on their own (two characters read as another codec are
    often Chinese by chance), but once runs of the same line with six Han characters between
    them are confidently repaired with a codec, the line was evidently decoded with it: ASCII
    digits and spaces merely cut the mojibake into pieces (``瀵逛簬2011骞�4鏈�``), and the
    pieces are read the same way. Later runs of the line are read with that codec only when it
    can read them (``鏈�鍔�`` = 本办 also reads as GBK-read-as-Big5 ``渺攘類``). Clean lines never
    have such an anchor, so this cannot touch them.

    Runs with lost bytes are damaged whatever the codec, so less proof is needed for them: one
    run of the line confidently read with lost bytes filled (or ``hint``, the codecs that
    neighbouring lines were proven to be read with) lets the line's other lossy runs be read
    with that codec when their reading is only held back by its close calls or its shortness
    (``�B�寻O�C材 5 兵 セいみ�H...`` = 、書記。第 5 條 本中心人...: the run after ``5`` has two
    close calls in eleven characters).

    A table's borders hold no Han character at all (``│`` = A2 78 reads as ``�x``): with the
    codec proven as above, a lossy run read as box drawing alone is taken when the table's
    structure places it (see :func:`_lines_up`; ``columns`` are the box-drawing columns of the
    neighbouring lines).
    """
    edits: list[Edit] = []
    short: list[tuple[int, int]] = []
    sure_kinds: set[str] = set()
    lossy_kinds: set[str] = set()  # codecs that a lossy run of the line was confidently read with
    han_read: dict[str, int] = {}  # Han characters of the line confidently read, per kind

    def candidates(start: int, end: int) -> tuple[int, list[Candidate]]:
        # Left context: the line so far as repaired; right: the ASCII that follows (digits,
        # spaces), not the next run, which is still mojibake.
        done = sorted((e for e in edits if e.confidence >= 0.8 and e.end <= start), key=lambda e: e.start)
        before = apply_edits(text[:start], done)[-8:]
        after = _ASCII_AFTER.match(text, end)
        run = text[start:end]
        cands = _cjk_candidates(run, scorer, after.group() if after else "", before)
        if any(c.lossy for c in cands) or "\ufffd" not in run or not _TRAIL.match(text, end):
            return end, cands
        # A lost byte shifts the reading of a double-byte codec by one byte, so the run may end
        # in the middle of a character whose trail byte comes out as the ASCII letter after it
        # (``唯浈L`` = 其他 in Big5 read as GBK): read once more with that letter in.
        after = _ASCII_AFTER.match(text, end + 1)
        more = _cjk_candidates(text[start : end + 1], scorer, after.group() if after else "", before)
        return (end + 1, more) if any(c.lossy for c in more) else (end, cands)

    def read(start: int, end: int) -> tuple[int, tuple[Candidate, float] | None]:
        end, cands = candidates(start, end)
        if any(c.kind in sure_kinds for c in cands):
            # A line is decoded with one codec: another codec's reading is a coincidence.
            cands = [c for c in cands if c.kind in sure_kinds]
        return end, _best(text[start:end], cands, scorer)

    def accept(
        start: int, end: int, cand: Candidate, conf: float, note: str = "", proves: bool = True
    ) -> None:
        # What is read on a neighbour's word alone proves nothing about this line.
        if proves:
            han_read[cand.kind] = han_read.get(cand.kind, 0) + han_count(cand.text)
            if han_read[cand.kind] >= _PROOF_HAN:
                sure_kinds.add(cand.kind)
            if cand.lossy:
                lossy_kinds.add(cand.kind)
        after = cand.text
        if guesses and cand.guesses:
            # The run was judged on what it reads for sure; the edit writes the guesses too, at
            # the confidence of a guess.
            lost = cand.text.count("\ufffd")
            note += f"; {lost} character{'s' * (lost != 1)} guessed"
            after, conf = cand.guesses, min(conf, GUESS_CONFIDENCE)
        edits.append(_trimmed_edit(text, start, end, after, cand.kind, conf, " > ".join(cand.chain) + note))

    spans = [m.span() for m in _CJK_RUN.finditer(text)]
    i = 0
    while i < len(spans):
        start, end = spans[i]
        i += 1
        run = text[start:end]
        # Mojibake of one CJK codec read as another is mostly Han (only a few lead-byte rows map
        # to kana, Greek or Cyrillic): a Cyrillic or box-drawing run is not it, unless it shows
        # lost lead bytes beside their ASCII trail bytes: Big5's most frequent rows (A4-A8) are
        # GBK's kana, Greek, Cyrillic and bopomofo rows (``ㄌ�U�CそΑ―眔�G`` = 依下列公式求得：).
        # Replacement marks and ASCII trail bytes are neither Han nor evidence against it.
        mostly_han = _mostly_han(run)
        odd = uncommon_fraction(run, GBK_PUNCT_AS_BIG5)
        if len(run) < 3 or odd < _MIN_GAIN_STRONG or not mostly_han:
            short.append((start, end))
            continue
        read_end, best = read(start, end)
        # A run joined across one ideographic space may end before another (``時間。二、餘焰時間：``
        # in Big5 read as GBK: 間 is B6 A1, and its A1 pairs with the A1 of 。 and of ：): join on.
        reach, taken_all = end, 0
        for _ in range(_MAX_JOINS):
            if best is not None and best[1] >= 0.8:
                break
            joined = _across_ideographic_space(text, start, reach, spans[i + taken_all :])
            if joined is None:
                break
            reach, taken = joined
            taken_all += taken
            join_read_end, join_best = read(start, reach)
            if join_best is not None and (best is None or join_best[1] > best[1]):
                read_end, best, end = join_read_end, join_best, reach
                i += taken_all
                taken_all = 0
        if best is None:
            short.append((start, end))
            continue
        cand, conf = best
        if conf < 0.8:
            short.append((start, end))
            continue
        accept(start, read_end, cand, conf)
    # The runs left (short ones, and those no reading passed on its own), read in order with a
    # codec the line proved, now with the repaired line before them as context. A run with lost
    # bytes is damaged whatever the codec: a lossy run read confidently proves the codec for it,
    # and its reading is taken when it beats the mojibake (see _better) even with close calls
    # or too few characters to stand alone. Without lost bytes a short run is Chinese as it
    # stands unless six Han characters of the line prove the codec, and is read only as common
    # characters. What the runs read counts towards the proof, so the pass is repeated while it
    # grows (``�B�寻O�C材 5 兵 セいみ�H...``: 兵 = 條 once the run after it is read).
    left = short
    while left and (sure_kinds or lossy_kinds or hint):
        proof = (len(sure_kinds), len(lossy_kinds))
        held: list[tuple[int, int]] = []
        for start, end in left:
            run = text[start:end]
            lossy = any(ch in "?\ufffd" for ch in run)
            kinds = sure_kinds | lossy_kinds | hint if lossy else sure_kinds
            if not kinds or not any(ch in "?\ufffd" or ord(ch) > 0xFF for ch in run):
                held.append((start, end))
                continue
            read_end, cands = candidates(start, end)
            cands = [c for c in cands if c.kind in kinds and c.text != text[start:read_end]]
            # With only a lossy run's proof (or a neighbour's), the reading must beat the run on
            # its own terms (_better: clean text with a lost character, ``第 �A7 條`` or a table
            # border ``┼�@──``, is not read with a neighbour's codec), and a reading made of close
            # calls alone (``�x�@�x``: each lost lead byte may be 台 as well as │) is a guess,
            # not a repair. A neighbour's proof reaches a run that is mostly kana, Greek or box
            # drawing only when the run shows lost lead bytes beside their ASCII trail bytes
            # (``セいみ�Hㄆ`` = 本中心人事, the most frequent Big5 rows read as GBK's kana):
            # Japanese with a lost character (``ソフトウェア�の設定``) reads as Big5 Han as well
            # as mojibake does.
            near = _mostly_han(run)
            strong = [c for c in cands if c.kind in sure_kinds]
            weak = [
                c
                for c in cands
                if c.kind not in sure_kinds and c.guessed < len(c.text) and (c.kind in lossy_kinds or near)
            ]
            best = _best(text[start:read_end], strong or weak, scorer) if lossy else None
            if best is None:
                best = next(((c, 0.8) for c in strong if uncommon_fraction(c.text) == 0.0), None)
            if best is None and lossy and _LOST_LEAD.search(run):
                # Big5's most frequent rows read as GBK are kana and Greek, which count as common
                # characters, so such a run has no uncommon share to lose (``そゅぇΜ祇の妒快�C``
                # = 公文之收發及催辦。): with the line's own lossy proof, lost lead bytes beside
                # their trail bytes and a reading the model finds far likelier, it is read.
                best = next(
                    (
                        (c, 0.8)
                        for c in weak
                        if c.kind in lossy_kinds and _far_likelier(c, text[start:read_end], scorer)
                    ),
                    None,
                )
            boxed = False
            if best is None and lossy:
                # Its lost lead bytes could each be a hanzi as well (A5 78 台 for A2 78 │): the
                # table decides, not the model (see _lines_up).
                done = sorted(
                    (e for e in edits if e.confidence >= 0.8 and e.end <= start), key=lambda e: e.start
                )
                left_text = apply_edits(text[:start], done)
                best = next(
                    (
                        (c, 0.8)
                        for c in sorted(cands, key=lambda c: c.kind not in sure_kinds)
                        if c.text
                        and all(is_box(ch) for ch in c.text)
                        and _lines_up(left_text, c.text, columns)
                    ),
                    None,
                )
                boxed = best is not None
            if best is None:
                held.append((start, end))
                continue
            own = (best[0].kind in sure_kinds or best[0].kind in lossy_kinds) and not boxed
            accept(start, read_end, best[0], max(best[1], 0.8), " (as the rest of the line)", own)
        if (len(sure_kinds), len(lossy_kinds)) == proof:
            break
        left = held
    return sorted(edits, key=lambda e: e.start)


def _far_likelier(cand: Candidate, original: str, scorer: object | None) -> bool:
    """A reading of common characters only, with at most one close call in two characters, that
    the model finds likelier than ``original`` by ``_STRONG_LM_GAIN`` nats per character."""
    if scorer is None or uncommon_fraction(cand.text) > 0.0 or cand.guessed * 2 > len(cand.text):
        return False
    if not _reads_as_chinese(cand.text, original, scorer):
        return False
    gain = scorer.logprob(cand.text) - scorer.logprob(original)  # type: ignore[attr-defined]
    return bool(gain >= _STRONG_LM_GAIN * len(cand.text))


def _mostly_han(run: str) -> bool:
    """Whether ``run`` may be CJK mojibake by its characters: at least a third of the non-ASCII
    ones Han (replacement marks and ASCII trail bytes are neither Han nor evidence against it),
    or lost lead bytes showing beside their ASCII trail bytes (Big5's frequent rows read as GBK
    are kana, Greek and bopomofo)."""
    wide = sum(1 for ch in run if ord(ch) > 0x7F and ch != "\ufffd")
    return han_count(run) * 3 >= wide or _LOST_LEAD.search(run) is not None


def _width(ch: str) -> int:
    """Display columns of ``ch`` in a table drawn in a double-byte codec: its bytes. A replacement
    mark left by cp936 or Big5 stands for one lost byte, so the columns of a damaged line are
    those of the text it was made from."""
    return 1 if ch < "\x80" or ch == "\ufffd" else 2


def _lines_up(left: str, reading: str, columns: frozenset[int]) -> bool:
    """Each box character of ``reading``, after ``left`` (its line so far, as repaired), has its
    place in a table: in a column where a neighbouring line has one (``columns``), joined to the
    box character before it (``─`` after ``┼``), or closing a cell after its padding on a line
    whose cells opened before it (``│金額      │``)."""
    col = sum(_width(ch) for ch in left)
    prev = left[-1:]
    opened = any(is_box(ch) for ch in left)
    for ch in reading:
        aligned = col in columns
        joined = prev in RIGHT_ARMS and ch in LEFT_ARMS
        closes = opened and prev == " " and ch in "│┤"
        if not (aligned or joined or closes):
            return False
        col += _width(ch)
        prev = ch
        opened = True
    return True


def _across_ideographic_space(
    text: str, start: int, end: int, later: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """Where a lossy run cut at an ideographic space may really end: (end, runs taken in).

    U+3000 is the cp936 pair A1 A1, which a double-byte codec read as another makes out of a
    trail byte A1 and the lead A1 of the punctuation row (Big5 式。 = A6 A1 A1 43 reads as
    ``姒\\u3000C``): the run pattern stops at it as at any space, leaving a lead byte without its
    trail. The run is read across it, with the next run when only a trail byte (``C``) lies
    between. None when the run has no lost bytes or no ideographic space follows it.
    """
    if not text.startswith("\u3000", end) or not any(ch in "?\ufffd" for ch in text[start:end]):
        return None
    j = end
    while j < len(text) and text[j] == "\u3000":
        j += 1
    if later and (later[0][0] == j or (later[0][0] == j + 1 and _TRAIL.match(text, j))):
        return later[0][1], 1
    return j, 0


# Lossy readings whose lost bytes can be searched: the observed text was decoded with cp936 or
# Big5, where each replacement mark stands for exactly one byte (see ._codecs_holes).
# kind: (true codec, codec it was read with)
_FILLABLE = {
    "utf8_as_gbk": ("utf-8", "cp936"),
    "big5_as_gbk": ("big5", "cp936"),
    "gbk_as_big5": ("gbk", "big5"),
    "utf8_as_big5": ("utf-8", "big5"),
}


def _fill_lost_bytes(run: str, after: str, scorer: object | None, before: str, kind: str) -> list[Candidate]:
    """Text read as GBK (cp936) or Big5 with replacement: each ``?``/U+FFFD is one lost byte,
    searched by :func:`._codecs_holes.fill` under the damage's own constraints and ranked by
    the model."""
    if kind == "utf8_as_big5":
        # Big5 loses about 40% of the bytes of UTF-8 Chinese, too many for the search by chunks
        # (refused, or slow and writing its close calls): read the characters through the
        # decoder instead, keep those read with a margin the model has earned, and leave U+FFFD
        # for the others (_codecs_holes.fill_utf8_big5).
        filled = fill_utf8_big5(run, after, scorer, before)
    elif _more_lost_than_its_damage(run):
        return []
    else:
        filled = fill_holes(run, after, scorer, before, *_FILLABLE[kind])
    if filled is None:
        return []
    guessed = filled.guessed
    return [
        Candidate(
            filled.text,
            (kind,),
            lossy=True,
            sure=not guessed,
            guessed=len(guessed),
            guessed_han=han_count("".join(guessed)),
            guesses=filled.best if filled.best != filled.text else "",
        )
    ]


_ASCII_AFTER = re.compile(r"[\x21-\x7e ]{1,8}")
# More lost characters than GBK and Big5 read as each other, or UTF-8 read as GBK, leave. A lost
# byte there is a lead byte whose pair is unmapped, and a row of them needs every character's
# trail byte to start another unmapped pair, about one chance in seven each. In 3,000 snippets of
# the benchmark per kind, the longest rows were 2 (UTF-8 read as GBK), 3 (GBK read as Big5) and
# 5 (Big5 read as GBK), and no run of 12 characters or more was over 56% lost. UTF-8 read as Big5
# leaves rows of 3 to 30 at about 70% (its own reader, fill_utf8_big5, takes those), and so
# does a line that reader left partly unread: read again as Big5 read as GBK, its holes came out
# as invented text (``取消長諦直僵持重重…``), also by the repair's second pass over its output.
_LOST_ROW = re.compile("\ufffd{9}")
_LOST_SHARE_RUN = 12


def _more_lost_than_its_damage(run: str) -> bool:
    """``run`` has more lost characters than a double-byte codec read as another leaves."""
    lost = run.count("\ufffd")
    return bool(_LOST_ROW.search(run)) or (len(run) >= _LOST_SHARE_RUN and 3 * lost > 2 * len(run))


# A lead byte lost before its ASCII trail byte (double-byte codecs read as each other).
_LOST_LEAD = re.compile(r"\ufffd[\x40-\x7e]")
_TRAIL = re.compile(r"[\x40-\x7e]")


# --- ftfy for the Latin-script families ----------------------------------------------------------


def _ftfy_config() -> object:
    import ftfy

    # Only the encoding repair: no HTML unescaping, quote uncurling, width or ligature folding,
    # line-break or normalisation changes -- each of those alters clean Chinese text.
    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=True,
    )


_FTFY_CODEC_NAMES = {
    "latin-1": "latin1",
    "sloppy-windows-1252": "cp1252",
    "windows-1252": "cp1252",
    "sloppy-windows-1250": "cp1250",
    "sloppy-windows-1251": "cp1251",
    "macroman": "macroman",
    "iso-8859-2": "latin2",
    "cp437": "cp437",
}


def _ftfy_kind(explanation: Sequence[tuple[str, str]] | None) -> str:
    if explanation:
        encodes = [arg for act, arg in explanation if act == "encode"]
        decodes = [arg for act, arg in explanation if act == "decode"]
        if len(encodes) == 1 and decodes and decodes[0].startswith("utf-8"):
            return f"{KIND}.utf8_as_{_FTFY_CODEC_NAMES.get(encodes[0], 'other')}"
        if len(encodes) > 1:
            return f"{KIND}.double"
    return f"{KIND}.ftfy"


def _ftfy_line(line: str) -> tuple[str, str | None, str, bool]:
    """ftfy's encoding repair of one line: (text, kind or None, note, whole-line transcoding).

    The last item is True when ftfy re-encoded the whole line and decoded it as UTF-8: the
    line's bytes form valid UTF-8 ("valid UTF-8 wins").
    """
    if not ftfy_trigger_re().search(line):
        return line, None, "", False
    import ftfy
    from ftfy.badness import is_bad

    if not is_bad(line):
        return line, None, "", False
    fixed, explanation = ftfy.fix_and_explain(line, _ftfy_config())  # type: ignore[arg-type]
    steps = list(explanation) if explanation else []
    if fixed == line or not any(act in ("decode", "apply") for act, _ in steps):
        return line, None, "", False
    whole = any(act == "decode" and arg.startswith("utf-8") for act, arg in steps)
    return fixed, _ftfy_kind(steps), "ftfy " + _explain(steps), whole


def _explain(explanation: object) -> str:
    if not explanation:
        return ""
    return ", ".join(f"{act} {arg}" for act, arg in explanation)  # type: ignore[attr-defined]


# --- flags ----------------------------------------------------------------------------------------


def _flags(text: str, edits: list[Edit]) -> Iterator[Edit]:
    for m in _FLAG_RUNS.finditer(text):
        if any(e.start < m.end() and e.end > m.start() for e in edits):
            continue
        note = "U+FFFD: bytes lost in decoding" if m.group()[0] == "\ufffd" else "锟斤拷: U+FFFD re-encoded"
        yield Edit(m.start(), m.end(), m.group(), m.group(), f"{KIND}.fffd_run", 1.0, note)
