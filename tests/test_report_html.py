"""HTML reports: self-contained, escaped, filters/overview/navigation present, and rendered in a
real headless browser (Debian's chromium) whose screenshot must show the changes."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from textmend.align import align_witnesses, diff
from textmend.diffmodel import MINOR_KINDS
from textmend.report.html import render_html, render_index, render_table_html

CHROMIUM = Path("/usr/bin/chromium")
DEL_BG = (0xFB, 0xD3, 0xD0)  # .r del background in html.py's CSS
INS_BG = (0xCD, 0xEE, 0xD6)  # .r ins background


def _model(fixtures_dir: Path) -> dict:
    d = fixtures_dir / "diff"
    return diff(
        (d / "kinds.a.txt").read_text(encoding="utf-8"), (d / "kinds.b.txt").read_text(encoding="utf-8")
    )


def test_page_is_self_contained_and_escaped() -> None:
    page = render_html(diff("<script>alert(1)</script>今天", "<script>alert(2)</script>今天 & 明天"))
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page and "&amp;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no external assets
    assert '<html lang="zh">' in page and "<style>" in page
    assert page.count("<script>") == 1  # our own navigation script only


def test_page_has_summary_filters_overview_tabs_and_anchors(fixtures_dir: Path) -> None:
    m = _model(fixtures_dir)
    page = render_html(m)
    for r in m["regions"]:
        assert f'id="r{r["id"]}"' in page and f'href="#r{r["id"]}"' in page
        checked = "checked" if r["kind"] not in MINOR_KINDS else ""
        assert re.search(rf'<input type="checkbox" value="{r["kind"]}" ?{checked}>', page)
    assert 'data-view="side"' in page and 'id="overview"' in page and "ev.key==='n'" in page
    assert "6 regions" in page


def test_index_and_table_pages() -> None:
    m = diff("今天開會", "明天開會", "x", "y")
    index = render_index(
        [
            {
                "id": 3,
                "members": [{"id": "x", "length": 4}, {"id": "y"}],
                "pairs": [{"a": "x", "b": "y", "href": "pair-x-y.html", "stats": m["stats"]}],
            }
        ]
    )
    assert 'href="pair-x-y.html"' in index and "cluster 3" in index and "1 regions" in index
    t = align_witnesses([("a", "我們今天開會"), ("b", "我們明天開會"), ("c", "我們明天開會")])
    page = render_table_html(t)
    assert "b, c" in page and "<ins>明</ins>" in page and "<del>今</del>" in page


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what chromium writes) into pixel rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


def _count(rows: list[bytes], bpp: int, rgb: tuple[int, int, int]) -> int:
    needle = bytes(rgb)
    return sum(1 for row in rows for i in range(0, len(row), bpp) if row[i : i + 3] == needle)


def _chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    profile = tempfile.mkdtemp(dir=tmp)
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_headless_browser_shows_the_regions(fixtures_dir: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium fonts-wqy-microhei)")
    m = _model(fixtures_dir)
    page = tmp_path / "report.html"
    # A test-only probe, appended after the page's own script: press n four times and p once
    # (as a user would) and record which region is current each time.
    probe = (
        "<script>var seen=[];['n','n','n','n','p'].forEach(function(k){"
        "document.dispatchEvent(new KeyboardEvent('keydown',{key:k}));"
        "seen.push(document.querySelector('.r.cur').id);});"
        "document.body.setAttribute('data-nav',seen.join(','));</script></body>"
    )
    page.write_text(render_html(m).replace("</body>", probe), encoding="utf-8")
    url = page.as_uri()

    dom = _chromium(["--dump-dom", url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The script ran: minor kinds are hidden by default through body classes it sets.
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body and "hide-digits" in body.group() and "hide-substitution" not in body.group()
    # n/p walk the visible regions in order; the digits region (r4) is hidden by default.
    assert 'data-nav="r1,r2,r3,r5,r3"' in dom.stdout
    anchors = re.findall(r'<span class="r k-[^"]*" id="r(\d+)"', dom.stdout)
    assert anchors == [str(r["id"]) for r in m["regions"]]

    shot = tmp_path / "shot.png"
    res = _chromium(["--window-size=800,500", f"--screenshot={shot}", url], tmp_path)
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    _, bpp, rows = _png_pixels(shot.read_bytes())
    # The deletion and insertion highlights are painted (whole glyph-sized boxes of them).
    assert _count(rows, bpp, DEL_BG) > 200
    assert _count(rows, bpp, INS_BG) > 200
    shutil.copy(shot, tmp_path / "kept.png")  # left in pytest's tmp dir for a human to look at
