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

import codecs
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from textmend.edits import Edit, apply_edits
from textmend.repair._codecs import (
    _CP1252_HIGH,
    common_chars,
    cp1252_sloppy_encode,
    decode_cp936,
    encode_cp936,
    ftfy_trigger_re,
    han_count,
    latin_evidence_re,
    suspect_lines,
    uncommon_fraction,
)
from textmend.repair._codecs_lm import get_scorer
from textmend.repair.config import RepairConfig

KIND = "encoding"

# A run of characters Latin-1 or cp1252 can encode, on one line.
_LATIN_RUN = re.compile(f"[\\x20-\\x7e\\x80-\\xff{_CP1252_HIGH}]+")
# A run of non-Latin characters (CJK mojibake never contains ASCII: every byte of UTF-8 CJK and
# every lead byte of GBK/Big5 is >= 0x80), allowing replacement marks inside.
_CJK_RUN = re.compile(r"[^\x00-\xff\s]+(?:[?\ufffd]+[^\x00-\xff\s]+)*[?\ufffd]?")
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


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    chain: tuple[str, ...]  # misreadings in damage order, e.g. ("gbk_as_latin1", "utf8_as_latin1")
    lossy: bool = False
    sure: bool = True

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
    edits: list[Edit] = []
    for start, end in lines:
        edits.extend(_fix_line(text, start, end, scorer))
    edits.extend(_flags(text, edits))
    return sorted(edits, key=lambda e: (e.start, e.end))


def _fix_line(text: str, start: int, end: int, scorer: object | None) -> list[Edit]:
    """Repairs inside ``text[start:end]`` (one line), iterated to a fixed point.

    One step may leave damage another step sees (ftfy's fragment patch beside a GBK run, a
    double encoding), so the line is re-examined until nothing changes: the fixer must be
    idempotent, as repair is.
    """
    line = text[start:end]
    after, edits = _step(line, scorer)
    if after == line:
        return [_moved(e, start) for e in edits]  # suggestions and flags only
    current, notes = after, [e.note for e in edits if e.confidence >= 0.8]
    for _ in range(_MAX_STEPS - 1):
        nxt, more = _step(current, scorer)
        if nxt == current:
            break
        current = nxt
        notes += [e.note for e in more if e.confidence >= 0.8]
    if current == after:
        return [_moved(e, start) for e in edits]
    return [_trimmed_edit(text, start, end, current, f"{KIND}.double", 0.9, "; ".join(notes))]


_MAX_STEPS = 3


def _step(line: str, scorer: object | None) -> tuple[str, list[Edit]]:
    """One repair step on a line: (text after the confident edits, edits relative to the line).

    ftfy first, then the CJK codec passes. "Valid UTF-8 wins": when ftfy re-encodes the whole
    line and decodes it as UTF-8, its reading is taken, and the CJK passes run on its output
    (double encodings ending in a CJK codec).
    """
    fixed, ftfy_kind, ftfy_note, whole = _ftfy_line(line)
    own = [*_latin_runs(line, scorer), *_cjk_runs(line, scorer)]
    own_after = apply_edits(line, [e for e in own if e.confidence >= 0.8])
    if ftfy_kind is None:
        return own_after, own
    ours = [e for e in _latin_runs(fixed, scorer) if e.confidence >= 0.8]
    ours += [e for e in _cjk_runs(fixed, scorer) if e.confidence >= 0.8]
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
    if han_count(candidate) < 2:
        return None
    unc_new = uncommon_fraction(candidate)
    unc_old = uncommon_fraction(original)
    if latin_evidence_re().search(original):
        unc_old = max(unc_old, 1.0)  # a Latin-1 run is no Chinese at all
    if unc_new > 0.2 or unc_old - unc_new < _MIN_GAIN:
        return None
    if scorer is not None:
        gain = scorer.logprob(candidate) - scorer.logprob(original)  # type: ignore[attr-defined]
        if gain < _MIN_LM_GAIN:
            return None
    confidence = 0.97 if unc_new == 0.0 else 0.9 if unc_new <= 0.1 else 0.75
    # Short runs carry little evidence: two characters are a guess, not a repair.
    if han_count(candidate) < 3:
        confidence = min(confidence, 0.7)
    return confidence


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
        conf = min(conf, 0.85 if cand.sure else 0.6)
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


def _han_dominated(reading: str) -> bool:
    """Chinese dominates ``reading``, a CJK decoding of a Latin-1 run.

    ASCII words standing apart (``如何在 Python 中``) are neutral, but ASCII letters glued to the
    new characters count against: an accented Latin word read as Shift-JIS or GBK (``H咆YA``,
    ``pr麥io``) leaves letter fragments on both sides of each ideograph.
    """
    han = han_count(reading)
    if han * 2 < sum(1 for ch in reading if ord(ch) > 0x7F):
        return False
    return han > len(_GLUED_LETTERS.findall(reading))


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


def _cjk_candidates(run: str, scorer: object | None) -> list[Candidate]:
    out: list[Candidate] = []
    lossy = "?" in run or "\ufffd" in run
    for kind, encode, true_codec in _CJK_REVERSALS:
        if lossy:
            if kind == "utf8_as_gbk":
                out.extend(_fill_utf8_as_gbk(run, scorer))
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


def _cjk_runs(text: str, scorer: object | None) -> Iterator[Edit]:
    for m in _CJK_RUN.finditer(text):
        run = m.group()
        # Mojibake of one CJK codec read as another is mostly Han (only a few lead-byte rows map
        # to kana, Greek or Cyrillic): a Cyrillic or box-drawing run is not it.
        if len(run) < 3 or uncommon_fraction(run) < _MIN_GAIN or han_count(run) * 3 < len(run):
            continue
        best = _best(run, _cjk_candidates(run, scorer), scorer)
        if best is None:
            continue
        cand, conf = best
        yield _trimmed_edit(text, m.start(), m.end(), cand.text, cand.kind, conf, " > ".join(cand.chain))


# UTF-8 bytes a lost byte can be: continuation bytes and the lead bytes of BMP characters.
_LOST_BYTES = tuple(range(0x80, 0xF0))
# Each hole only constrains the character it falls in, so holes are searched one by one and
# the cost is linear in their number; the cap only bounds pathological runs.
_MAX_HOLES = 64


def _prior(text: str) -> float:
    common = common_chars()
    return sum(-4.0 for ch in text if ord(ch) > 0x7F and ch not in common)


def _fill_utf8_as_gbk(run: str, scorer: object | None) -> list[Candidate]:
    """UTF-8 read as GBK (cp936) with replacement: each ``?``/U+FFFD is one lost byte.

    Every filling must decode as UTF-8 and, damaged again (decoded as cp936, invalid bytes
    replaced by the mark seen), give back the run exactly; the model picks among the survivors
    one hole at a time (a hole only constrains the character it falls in).
    """
    pieces: list[bytes | None] = []
    marks: list[str] = []
    for ch in run:
        if ch in "?\ufffd":
            pieces.append(None)
            marks.append(ch)
            continue
        b = encode_cp936(ch)
        if b is None:
            return []
        pieces.append(b)
    if not marks or len(marks) > _MAX_HOLES:
        return []
    holes = [i for i, p in enumerate(pieces) if p is None]
    fills: list[int] = [0x80] * len(holes)
    margin = float("inf")

    def assemble(values: list[int]) -> bytes:
        vals = iter(values)
        return b"".join(p if p is not None else bytes((next(vals),)) for p in pieces)

    def redamage_ok(data: bytes, upto: int) -> bool:
        """Decoding ``data`` as cp936 again gives ``run[:upto]`` (the marks as seen)."""
        again = decode_cp936(data)
        mark_iter = iter(marks)
        return "".join(next(mark_iter, "?") if c == "\ufffd" else c for c in again) == run[:upto]

    for h in range(len(holes)):
        # Only the bytes before the next hole are known: decode them incrementally, so a
        # character left open at the cut is not an error yet.
        options: list[tuple[int, str]] = []
        for value in _LOST_BYTES:
            trial = [*fills[:h], value, *fills[h + 1 :]]
            data = assemble(trial)
            if h + 1 < len(holes):
                known = sum(len(p) if p is not None else 1 for p in pieces[: holes[h + 1]])
                final = False
            else:
                known, final = len(data), True
            try:
                decoded = codecs.getincrementaldecoder("utf-8")().decode(data[:known], final=final)
            except UnicodeDecodeError:
                continue
            if not redamage_ok(data[:known], holes[h + 1] if h + 1 < len(holes) else len(run)):
                continue
            options.append((value, decoded))
        if not options:
            return []
        if len(options) > 1:
            # The model, plus a prior for ordinary characters (a thin model cannot tell a
            # frequent hanzi from a rare one); without a model the prior alone must be clear.
            scores = [_prior(d) for _, d in options]
            if scorer is not None:
                lm = scorer.compare("", [d for _, d in options], "")  # type: ignore[attr-defined]
                scores = [a + b for a, b in zip(scores, lm, strict=True)]
            order = sorted(range(len(options)), key=lambda i: scores[i], reverse=True)
            value = options[order[0]][0]
            margin = min(margin, scores[order[0]] - scores[order[1]])
        else:
            value = options[0][0]
        fills[h] = value
    data = assemble(fills)
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    if not redamage_ok(data, len(run)):
        return []
    # A clear model preference (e^3: twenty times likelier than the runner-up) is a repair;
    # anything closer is only a suggestion.
    return [Candidate(decoded, ("utf8_as_gbk",), lossy=True, sure=margin >= 3.0)]


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
