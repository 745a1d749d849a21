"""Fuzz targets: an input strategy and a check per target.

A check returns normally when every property holds, raises :class:`PropertyFailure` when one
does not (its ``category`` groups findings: ``idempotence`` is kept apart from real crashes),
and any other exception is a crash.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from textmend import apply_plan, decode_bytes, repair
from textmend.errors import InputError
from textmend.io import InputItem, JsonlRecord, dump_jsonl, iter_jsonl, read_documents
from textmend.repair.decode import Decoded
from textmend.runner import RunOptions, explain_records, run_repair

# Characters frequent in the corpora, so generated text looks like Chinese to the fixers
# (simplified and traditional, the punctuation the layout fixers key on).
HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种"
    "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点從業"
    "本去把性好應開它合還因由其些然前外天政四日那社義事平形相全表間樣與關各重新線內數正心反你明看原條款"
)
PUNCT = "，。、：；！？“”‘’（）《》【】…—　·"
ASCII = "abcXYZ 0123456789.,:;!?()-*/#"
CONTROLS = "\n\r\t\x0b\x0c\x1c\x85\u2028\u2029\u200b\ufeff\ufffd"
# Damage seen in scraped pages: latin-1/cp1252 mojibake, GBK/Big5 mix-ups, ruby, placeholders,
# '?' for lost characters, watermarks.
SNIPPETS = (
    "Ã©",
    "å¤§å®¶",
    "´ó¼Ò",
    "鍙戦€",
    "锟斤拷",
    "烫烫烫",
    "(yōu)",
    "(zhì)",
    "（fú）",
    "??陀^",
    "99?5",
    "×××",
    "**年",
    "?",
    "？",
    "本文來源：",
    "(本文权属所有,更多文章请登陆查看)",
    "第一条",
    "\r\n",
    "\n\n",
    "&nbsp;",
    "&#20013;",
)

_hanzi_text = st.text(st.sampled_from(HANZI + PUNCT), min_size=1, max_size=30)


@st.composite
def _mojibake(draw: st.DrawFn) -> str:
    """Chinese text encoded with one codec and read with another (the damage repair undoes)."""
    text = draw(_hanzi_text)
    enc = draw(st.sampled_from(["utf-8", "gbk", "big5", "gb18030"]))
    dec = draw(st.sampled_from(["latin-1", "cp1252", "gbk", "big5", "utf-8", "cp437", "shift_jis"]))
    return text.encode(enc, errors="replace").decode(dec, errors="replace")


texts = st.lists(
    st.one_of(
        _hanzi_text,
        _mojibake(),
        st.sampled_from(SNIPPETS),
        st.text(st.sampled_from(ASCII + CONTROLS), min_size=1, max_size=12),
        # anything at all: surrogates, combining marks, private use, astral planes
        st.text(min_size=1, max_size=8),
    ),
    max_size=16,
).map("".join)


@st.composite
def _encoded_line(draw: st.DrawFn) -> bytes:
    text = draw(texts)
    enc = draw(st.sampled_from(["utf-8", "gbk", "big5", "gb18030", "utf-8-sig"]))
    return text.encode(enc, errors="ignore")


raw_bytes = st.lists(
    st.one_of(
        _encoded_line(),
        st.binary(min_size=1, max_size=12),
        st.sampled_from([b"\n", b"\r\n", b"\r", b"\xef\xbb\xbf", b"\x80", b"\xff\xfe", b"\xa1", b"\x00"]),
    ),
    max_size=12,
).map(b"".join)


def _json_value() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), texts)


@st.composite
def _jsonl_line(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["record", "record", "record", "broken", "bytes", "empty", "other"]))
    if kind == "record":
        obj: dict[str, Any] = {}
        if draw(st.booleans()):
            # few distinct ids, so duplicates are common
            obj["id"] = draw(st.one_of(st.integers(0, 3), st.sampled_from(["a", "b", "文"]), st.none()))
        text_kind = draw(st.sampled_from(["str", "str", "str", "missing", "other"]))
        if text_kind == "str":
            obj["text"] = draw(texts)
        elif text_kind == "other":
            obj["text"] = draw(_json_value())
        if draw(st.booleans()):
            obj["meta"] = draw(st.dictionaries(st.text(max_size=3), _json_value(), max_size=2))
        line = json.dumps(obj, ensure_ascii=draw(st.booleans()))
        return line.encode("utf-8", errors="surrogatepass")
    if kind == "broken":
        good = json.dumps({"id": 1, "text": draw(texts)}, ensure_ascii=False).encode("utf-8", "surrogatepass")
        cut = draw(st.integers(0, len(good)))
        return good[:cut]
    if kind == "bytes":
        return draw(raw_bytes).replace(b"\n", b" ")
    if kind == "empty":
        return draw(st.sampled_from([b"", b"  ", b"\t", b"\r"]))
    return json.dumps(draw(st.one_of(_json_value(), st.lists(st.integers(), max_size=3)))).encode()


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines: list[bytes] = draw(st.lists(_jsonl_line(), max_size=8))
    ending: bytes = draw(st.sampled_from([b"\n", b"\r\n"]))
    trailing: bool = draw(st.booleans())
    return ending.join(lines) + (ending if lines and trailing else b"")


class PropertyFailure(AssertionError):
    """A property other than "no exception" does not hold; ``category`` names it."""

    def __init__(self, category: str, detail: str) -> None:
        super().__init__(f"{category}: {detail}")
        self.category = category


def _require(ok: bool, category: str, detail: str) -> None:
    if not ok:
        raise PropertyFailure(category, detail)


def _surrogates(text: str) -> set[str]:
    return {ch for ch in text if "\ud800" <= ch <= "\udfff"}


# ------------------------------------------------------------------ repair


def check_repair(text: str) -> None:
    """repair() gives a str; no lone surrogates appear that the input did not have; the plan
    replays to the output; flags point at their text; a second repair changes nothing."""
    result = repair(text)
    out = result.text
    _require(isinstance(out, str), "type", f"repair returned {type(out).__name__}")
    new = _surrogates(out) - _surrogates(text)
    _require(not new, "surrogates", f"output has lone surrogates the input had not: {sorted(new)!r}")
    replayed = apply_plan(text, result.plan_json())
    _require(replayed == out, "replay", f"apply_plan gives {replayed!r}, repair gave {out!r}")
    for f in result.flags:
        _require(
            0 <= f.start <= f.end <= len(out) and out[f.start : f.end] == f.before,
            "flags",
            f"flag {f.kind} [{f.start}, {f.end}) {f.before!r} does not match the output",
        )
    again = repair(out)
    if again.changed:
        fixers = ",".join(sorted({s.fixer for s in again.steps if s.edits}))
        raise PropertyFailure(f"idempotence:{fixers}", f"second pass changes {out!r} to {again.text!r}")


# ------------------------------------------------------------------ decode

_CODECS = {"utf-8": "utf-8", "gbk": "gbk", "big5": "big5", "gb18030": "gb18030"}


def check_decode(data: bytes) -> None:
    """decode_bytes() refuses only NUL-bearing input; its segments tile the text in order with
    known encodings; re-encoding each segment gives the input bytes back; repair_bytes works."""
    try:
        decoded = decode_bytes(data)
    except InputError as err:
        _require(b"\x00" in data and "binary" in err.problem, "refusal", f"refused: {err}")
        return
    _require(b"\x00" not in data, "refusal", "NUL bytes accepted")
    _check_segments(decoded)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    back = _reencode(decoded)
    _require(back == body, "lossless", f"segments re-encode to {back!r}, input was {body!r}")
    check_repair_bytes(decoded)


def _check_segments(decoded: Decoded) -> None:
    pos = 0
    for seg in decoded.segments:
        _require(seg.start == pos and seg.end > seg.start, "segments", f"gap or empty segment {seg}")
        _require(seg.encoding in (*_CODECS, "utf-8+surrogateescape"), "segments", f"codec {seg.encoding}")
        pos = seg.end
    _require(pos == len(decoded.text), "segments", f"segments end at {pos}, text has {len(decoded.text)}")


def _reencode(decoded: Decoded) -> bytes:
    parts = []
    for seg in decoded.segments:
        piece = decoded.text[seg.start : seg.end]
        if seg.encoding == "utf-8+surrogateescape":
            parts.append(piece.encode("utf-8", errors="surrogateescape"))
        else:
            parts.append(piece.encode(_CODECS[seg.encoding]))
    return b"".join(parts)


def check_repair_bytes(decoded: Decoded) -> None:
    """What the CLI does with a text file: repair the decoded text and write it as UTF-8 with
    surrogateescape. Escaped bytes may survive; no other surrogate may appear."""
    result = repair(decoded.text)
    stray = {ch for ch in _surrogates(result.text) if not "\udc80" <= ch <= "\udcff"}
    _require(not stray, "surrogates", f"repair_bytes output has non-escape surrogates {sorted(stray)!r}")
    _require(bool(_surrogates(result.text)) <= bool(_surrogates(decoded.text)), "surrogates", "new escapes")
    result.text.encode("utf-8", errors="surrogateescape")  # what the CLI writes must be encodable
    for rec in explain_records("<fuzz>", result):  # the --explain log: valid UTF-8 JSON, lossless
        line = dump_jsonl(rec)
        _require(
            json.loads(line.decode("utf-8")) == rec, "explain", f"edit log line {line!r} does not read back"
        )


# ------------------------------------------------------------------ jsonl


def check_jsonl(data: bytes) -> None:
    """Every line becomes one record, in order, whose raw bytes are the line's (nothing lost);
    a record has usable text or an error, never both; a repeated id points at its first line;
    read_documents yields a document per good record and reports the rest; the --jsonl runner
    writes a line for every input line, changing no field but the text."""
    with tempfile.TemporaryDirectory(prefix="textmend-fuzz-") as tmp:
        src = Path(tmp) / "in.jsonl"
        src.write_bytes(data)
        records = list(iter_jsonl(InputItem(str(src), src, Path(src.name))))
        _check_records(data, records)
        good = sum(r.text is not None for r in records)
        errors: list[InputError] = []
        docs = list(read_documents([str(src)], jsonl=True, errors=errors))
        _require(len(docs) == good, "documents", f"{len(docs)} documents for {good} good records")
        bad = len(records) - good if records else 1  # an empty file is one problem
        _require(len(errors) == bad, "documents", f"{len(errors)} errors for {bad} bad records")
        out = Path(tmp) / "out.jsonl"
        edits = Path(tmp) / "edits.jsonl"
        run = RunOptions(inputs=(str(src),), jsonl=True, output=str(out), explain=str(edits))
        stats = run_repair(run, _config(), _ignore)
        for line in edits.read_bytes().splitlines():
            json.loads(line.decode("utf-8"))  # the edit log is valid UTF-8 JSON
        if records:
            lines = io.BytesIO(out.read_bytes()).readlines()  # split on \n only, like the reader
            _require(len(lines) == len(records), "runner", f"{len(lines)} output lines for {len(records)}")
            _require(stats.documents == good, "runner", f"{stats.documents} repaired for {good} good")
            for rec, line in zip(records, lines, strict=True):
                if rec.text is None:
                    _require(line == rec.raw, "runner", f"bad line {rec.lineno} not passed through")
                else:
                    _require(
                        _others(json.loads(line)) == _others(rec.obj),
                        "runner",
                        f"line {rec.lineno}: fields other than text changed",
                    )


def _check_records(data: bytes, records: list[JsonlRecord]) -> None:
    _require(b"".join(r.raw for r in records) == data, "lossless", "records' raw bytes differ from input")
    _require([r.lineno for r in records] == list(range(1, len(records) + 1)), "order", "line numbers")
    first: dict[str, int] = {}  # the reference: first line of each id given in the id field
    for r in records:
        _require((r.text is None) != (r.error is None), "record", f"line {r.lineno}: text xor error")
        if r.text is not None:
            _require(isinstance(r.obj, dict) and r.obj.get("text") == r.text, "record", "text field")
        expected = None
        if r.obj is not None and r.obj.get("id") is not None:
            expected = first.setdefault(str(r.obj["id"]), r.lineno)
            expected = None if expected == r.lineno else expected
        _require(
            r.duplicate_of == expected, "duplicate-id", f"line {r.lineno}: {r.duplicate_of} != {expected}"
        )


def _others(obj: dict[str, Any] | None) -> str:
    # compared as JSON text: NaN != NaN as floats, but serialises the same
    return json.dumps({k: v for k, v in (obj or {}).items() if k != "text"}, sort_keys=True)


def _config() -> Any:
    from textmend.repair.config import RepairConfig

    return RepairConfig()


def _ignore(err: InputError) -> None:
    pass


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], None]


TARGETS: dict[str, Target] = {
    "decode": Target("decode", raw_bytes, check_decode),
    "repair": Target("repair", texts, check_repair),
    "jsonl": Target("jsonl", jsonl_files(), check_jsonl),
}
