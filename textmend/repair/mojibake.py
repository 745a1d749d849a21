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
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from textmend.edits import Edit
from textmend.repair._codecs import (
    _CP1252_HIGH,
    cp1252_sloppy_encode,
    decode_cp936,
    encode_cp936,
    ftfy_trigger_re,
    han_count,
    latin_evidence_re,
    needs_attention,
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
    if not needs_attention(text):
        return []
    scorer = get_scorer(config.lm_path)
    edits: list[Edit] = []
    edits.extend(_latin_runs(text, scorer))
    edits.extend(_cjk_runs(text, scorer))
    edits.extend(_ftfy_lines(text, [(e.start, e.end) for e in edits]))
    edits.extend(_flags(text, edits))
    return sorted(edits, key=lambda e: (e.start, e.end))


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
        cands = [c for c in cands if han_count(c.text) * 2 >= sum(1 for ch in c.text if not ch.isspace())]
        best = _best(run, cands, scorer)
        if best is None:
            continue
        cand, conf = best
        yield _trimmed_edit(text, m.start(), m.end(), cand.text, cand.kind, conf, " > ".join(cand.chain))


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
        if len(run) < 3 or uncommon_fraction(run) < _MIN_GAIN:
            continue
        best = _best(run, _cjk_candidates(run, scorer), scorer)
        if best is None:
            continue
        cand, conf = best
        yield _trimmed_edit(text, m.start(), m.end(), cand.text, cand.kind, conf, " > ".join(cand.chain))


# UTF-8 bytes a lost byte can be: continuation bytes and the lead bytes of BMP characters.
_LOST_BYTES = tuple(range(0x80, 0xF0))
_MAX_HOLES = 4


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
        if scorer is not None and len(options) > 1:
            scores = scorer.compare("", [d for _, d in options], "")  # type: ignore[attr-defined]
            order = sorted(range(len(options)), key=lambda i: scores[i], reverse=True)
            value = options[order[0]][0]
            margin = min(margin, scores[order[0]] - scores[order[1]])
        elif len(options) > 1:
            return []  # no model to choose: leave the run (it stays flagged by its U+FFFD)
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


def _ftfy_kind(explanation: list[tuple[str, str]] | None) -> str:
    if explanation:
        encodes = [arg for act, arg in explanation if act == "encode"]
        decodes = [arg for act, arg in explanation if act == "decode"]
        if len(encodes) == 1 and decodes and decodes[0].startswith("utf-8"):
            return f"{KIND}.utf8_as_{_FTFY_CODEC_NAMES.get(encodes[0], 'other')}"
        if len(encodes) > 1:
            return f"{KIND}.double"
    return f"{KIND}.ftfy"


def _ftfy_lines(text: str, taken: list[tuple[int, int]]) -> Iterator[Edit]:
    import ftfy

    evidence = ftfy_trigger_re()
    config = _ftfy_config()
    pos = 0
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line)
        pos = end
        if not evidence.search(line) or any(s < end and e > start for s, e in taken):
            continue
        fixed, explanation = ftfy.fix_and_explain(line, config)  # type: ignore[arg-type]
        if fixed == line:
            continue
        kind = _ftfy_kind(list(explanation) if explanation else None)
        yield _trimmed_edit(text, start, end, fixed, kind, 0.95, "ftfy " + _explain(explanation))


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
