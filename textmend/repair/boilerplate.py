"""Fixer 'boilerplate': remove site preambles, watermarks, pagers and repeated titles.

Rules cover the families seen in scraped pages (``本站小编为你精心准备了…``, ``導語:…來源于網友上傳…``,
``(本文權屬…所有,更多文章請登陸…查看)``, ``(责任编辑:…)``, ``下一頁``, a title repeated, a teaser
first line ending in ``...``). ``boilerplate="high"`` applies only the high-confidence families,
``"all"`` adds looser ones. A table learned from a corpus (:func:`learn`, CCNet-style line hashes)
removes lines repeated across many documents when ``boilerplate_lines`` names its file.
Nothing is lost: every removed span is the ``before`` of an edit in the log.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from textmend.edits import Edit
from textmend.errors import InputError
from textmend.repair.config import RepairConfig

CONF_HIGH = 0.95
CONF_LOOSE = 0.8  # "all" mode only: still applied, but never emitted under "high"

# Whole-line rules: (kind, pattern, confidence, only within the first lines of the document).
_T = "[:：]"
_LINE_RULES: tuple[tuple[str, re.Pattern[str], float, int | None], ...] = (
    (
        "boilerplate.preamble",
        re.compile(
            r"^\s*本站小[编編]{1}[为為]你精心[准準][备備]了.{0,200}?(?:欢迎|歡迎)深入[阅閱][读讀]并收藏[。.]?\s*$"
        ),
        CONF_HIGH,
        None,
    ),
    (
        "boilerplate.preamble",
        re.compile(rf"^\s*(?:[导導]语|導語){_T}.{{0,300}}?[来來]源于[网網]友上[传傳].{{0,200}}$"),
        CONF_HIGH,
        None,
    ),
    (
        "boilerplate.preamble",
        re.compile(
            rf"^\s*(?:[时時][间間]|[发發]布[时時][间間]){_T}\s*\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*$"
        ),
        CONF_HIGH,
        8,
    ),
    ("boilerplate.pager", re.compile(r"^\s*(?:下一[页頁]|上一[页頁]|[返反]回[顶頂]部)\s*$"), CONF_HIGH, None),
    (
        "boilerplate.watermark",
        re.compile(rf"^\s*[(（]?\s*(?:[责責]任[编編][辑輯]|[编編][辑輯]){_T}[^()（）\n]{{0,20}}[)）]?\s*$"),
        CONF_HIGH,
        None,
    ),
)

# Inline watermarks removed wherever they occur.
_INLINE_RULES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    (
        "boilerplate.watermark",
        re.compile(
            r"[(（]\s*本文(?:[版]?[权權][属屬归歸]|[归歸][属屬])[^()（）\n]{0,30}?所有[^()（）\n]{0,80}?"
            r"(?:查看|[浏瀏][览覽]|[访訪][问問])\s*[)）]"
        ),
        CONF_HIGH,
    ),
    (
        "boilerplate.watermark",
        re.compile(rf"[(（]\s*[责責]任[编編][辑輯]{_T}[^()（）\n]{{0,20}}[)）]"),
        CONF_HIGH,
    ),
)

# Looser rules ("all" only): attribution lines sites append.
_LOOSE_LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("boilerplate.watermark", re.compile(rf"^\s*(?:[来來]源|出[处處]|作者){_T}[^。\n]{{0,40}}$")),
    (
        "boilerplate.watermark",
        re.compile(r"^\s*(?:更多|相关|相關)(?:文章|阅读|閱讀|范文|範文)[^。\n]{0,40}$"),
    ),
    ("boilerplate.watermark", re.compile(r"^.{0,40}(?:转载请注明|轉載請註明|版权所有|版權所有).{0,40}$")),
)

_TEASER_END_RE = re.compile(r"(?:\.{3,}|…+)\s*$")
_TITLE_PREFIX_RE = re.compile(r"^第[一二三四五六七八九十百\d]+篇[:：]\s*")
_NORM_DROP_RE = re.compile(r"[\s?？\u00a0\u3000]")


def fix(text: str, config: RepairConfig) -> list[Edit]:
    if config.boilerplate == "off":
        return []
    edits: list[Edit] = []
    lines = list(_lines(text))
    table = load(config.boilerplate_lines) if config.boilerplate_lines else None
    removed: set[int] = set()
    for idx, (start, line) in enumerate(lines):
        body = line.rstrip("\r\n")
        kind_conf = _match_line(body, idx, config.boilerplate == "all", table)
        if kind_conf:
            kind, conf = kind_conf
            edits.append(Edit(start, start + len(line), line, "", kind, conf))
            removed.add(idx)
    edits.extend(_teaser(text, lines, removed))
    edits.extend(_repeated_titles(lines, removed))
    edits = _absorb_blank_lines(edits, lines)
    covered = [(e.start, e.end) for e in edits]
    for kind, pattern, conf in _INLINE_RULES:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in covered):
                continue
            edits.append(Edit(m.start(), m.end(), m.group(0), "", kind, conf))
    edits.sort(key=lambda e: (e.start, e.end))
    return edits


def _absorb_blank_lines(edits: list[Edit], lines: list[tuple[int, str]]) -> list[Edit]:
    """Removing a paragraph that sat between blank lines would leave a double gap: take the
    blank lines after it too, when the line before it is blank (or it opens the text)."""
    index = {start: i for i, (start, _) in enumerate(lines)}
    taken = {e.start for e in edits}
    ends_taken = {index[e.start] + 1 for e in edits if e.start in index}
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: e.start):
        i = index[e.start]
        if i == 0 or not lines[i - 1][1].strip():
            j = i + 1
            while j < len(lines) and not lines[j][1].strip() and lines[j][0] not in taken:
                j += 1
            end = lines[j - 1][0] + len(lines[j - 1][1])
            if end > e.end and j < len(lines):  # keep the final blank lines of a text as they are
                e = Edit(
                    e.start,
                    end,
                    e.before + "".join(ln for _, ln in lines[i + 1 : j]),
                    "",
                    e.kind,
                    e.confidence,
                )
        elif i == len(lines) - 1 and not e.before.endswith("\n") and i not in ends_taken:
            # The last line has no newline of its own: take the one that ends the line before.
            prev_line = lines[i - 1][1]
            nl = len(prev_line) - len(prev_line.rstrip("\r\n"))
            if nl:
                e = Edit(e.start - nl, e.end, prev_line[-nl:] + e.before, "", e.kind, e.confidence)
        out.append(e)
    return out


def _lines(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line
        pos += len(line)


def _match_line(body: str, idx: int, loose: bool, table: BoilerplateTable | None) -> tuple[str, float] | None:
    if not body.strip():
        return None
    for kind, pattern, conf, within in _LINE_RULES:
        if (within is None or idx < within) and pattern.match(body):
            return kind, conf
    if loose:
        for kind, pattern in _LOOSE_LINE_RULES:
            if pattern.match(body):
                return kind, CONF_LOOSE
    if table is not None and table.matches(body):
        return "boilerplate.learned", table.confidence
    return None


def _norm(s: str) -> str:
    return _NORM_DROP_RE.sub("", unicodedata.normalize("NFKC", s))


def _teaser(text: str, lines: list[tuple[int, str]], removed: set[int]) -> list[Edit]:
    """A first line ending in '...' whose body reappears as the start of the text after it."""
    first = next((i for i, (_, ln) in enumerate(lines) if ln.strip()), None)
    if first is None or first in removed:
        return []
    start, line = lines[first]
    body = line.rstrip("\r\n")
    m = _TEASER_END_RE.search(body)
    if not m:
        return []
    teaser = _norm(body[: m.start()])
    rest_start = start + len(line)
    rest = _norm(text[rest_start : rest_start + 4 * len(body) + 200])
    if len(teaser) >= 10 and rest.startswith(teaser):
        return [Edit(start, start + len(line), line, "", "boilerplate.teaser", CONF_HIGH)]
    return []


def _repeated_titles(lines: list[tuple[int, str]], removed: set[int]) -> list[Edit]:
    """Drop a short heading line that repeats the previous kept non-blank line (or its title
    after a ``第N篇:`` prefix); in the first lines of a document, also an earlier title line."""
    edits: list[Edit] = []
    prev: str | None = None
    head_titles: set[str] = set()
    seen_nonblank = 0
    section_title: str | None = None
    for idx, (start, line) in enumerate(lines):
        body = line.strip()
        if not body or idx in removed:
            continue
        seen_nonblank += 1
        # Titles may hold commas ("…协议，能否主张加班费") but do not end sentences.
        title_like = 4 <= len(body) <= 60 and not re.search(r"[。；;！!？?]", body)
        repeated = False
        if title_like and prev is not None:
            # A line equal to the one before is a repeated title only near the top of the text
            # or under a "第N篇:" heading; elsewhere it can be content ("审判员×××" twice).
            repeated = _TITLE_PREFIX_RE.sub("", prev) == body and (
                seen_nonblank <= 6 or _TITLE_PREFIX_RE.match(prev) is not None or prev == section_title
            )
        # An earlier title seen again in the first lines is debris, unless the line before
        # announces it (``…標準如左：`` then the title as a table caption: content).
        introduced = prev is not None and prev.endswith(("：", ":"))
        if title_like and not repeated and seen_nonblank <= 6 and body in head_titles and not introduced:
            repeated = True
        if repeated:
            edits.append(Edit(start, start + len(line), line, "", "boilerplate.repeated_title", CONF_HIGH))
            continue
        if title_like and seen_nonblank <= 3:
            head_titles.add(body)
        section_title = _TITLE_PREFIX_RE.sub("", body) if _TITLE_PREFIX_RE.match(body) else None
        prev = body
    return edits


# --- learned boilerplate (corpus mode) ---------------------------------------------------------

MIN_LINE_CHARS = 8
"""Shorter lines ("同志們:", "一、") repeat across documents without being boilerplate."""

_DIGITS_RE = re.compile(r"\d+")
_PUNCT_SPACE_RE = re.compile(r"[\s\W_]+")


def line_key(line: str) -> str | None:
    """CCNet-style normalised line key (NFKC, lowercase, digits -> 0, no punctuation/space);
    None for lines too short to be judged."""
    s = unicodedata.normalize("NFKC", line).lower()
    s = _DIGITS_RE.sub("0", s)
    s = _PUNCT_SPACE_RE.sub("", s)
    if len(s) < MIN_LINE_CHARS:
        return None
    return hashlib.blake2b(s.encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class BoilerplateTable:
    """Line hashes found in at least ``min_docs`` documents of a corpus."""

    hashes: set[str] = field(default_factory=set)
    min_docs: int = 0
    documents: int = 0
    confidence: float = 0.9

    def matches(self, line: str) -> bool:
        key = line_key(line)
        return key is not None and key in self.hashes

    def __len__(self) -> int:
        return len(self.hashes)

    def save(self, path: str | os.PathLike[str]) -> None:
        data = {
            "format": "textmend-boilerplate-lines",
            "version": 1,
            "min_docs": self.min_docs,
            "documents": self.documents,
            "hashes": sorted(self.hashes),
        }
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BoilerplateTable:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(str(path), f"cannot read boilerplate table ({exc.strerror})") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError(str(path), "not a boilerplate table (bad JSON)") from None
        if not isinstance(data, dict) or data.get("format") != "textmend-boilerplate-lines":
            raise InputError(str(path), "not a textmend boilerplate table")
        return cls(
            hashes=set(data.get("hashes", [])),
            min_docs=int(data.get("min_docs", 0)),
            documents=int(data.get("documents", 0)),
        )


def learn(texts: Iterable[str], min_docs: int = 5) -> BoilerplateTable:
    """Learn the lines that occur in at least ``min_docs`` documents (each counted once per
    document), as CCNet does with line hashes. Use with ``RepairConfig(boilerplate_lines=...)``
    after :meth:`BoilerplateTable.save`.

    >>> docs = [f"站点声明：本文来自网络仅供参考\\n{body}。" for body in ("春天花开满园", "夏日雨水充沛", "秋风落叶纷飞")]
    >>> t = learn(docs, min_docs=3)
    >>> t.matches("站点声明：本文来自网络仅供参考"), t.matches("春天花开满园。")
    (True, False)
    """
    if min_docs < 1:
        raise ValueError("min_docs must be at least 1")
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        keys = {k for k in map(line_key, text.splitlines()) if k is not None}
        counts.update(keys)
    return BoilerplateTable({k for k, c in counts.items() if c >= min_docs}, min_docs, n)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> BoilerplateTable:
    return BoilerplateTable.load(path)


def load(path: str | os.PathLike[str]) -> BoilerplateTable:
    """Load a saved table (cached per path and modification time)."""
    p = str(path)
    try:
        mtime = os.stat(p).st_mtime
    except OSError as exc:
        raise InputError(p, f"cannot read boilerplate table ({exc.strerror})") from None
    return _load_cached(p, mtime)


def save(table: BoilerplateTable, path: str | os.PathLike[str]) -> None:
    """Write ``table`` to ``path`` (JSON; read back with :func:`load`)."""
    table.save(path)
