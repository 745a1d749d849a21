"""Bytes -> text: per-line choice among candidate decodings (textmend.repair.decode)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from textmend.errors import InputError
from textmend.repair.decode import decode_bytes, implausibility, looks_binary

GBK_LINE = "简体中文文本，用于测试。\n"
BIG5_LINE = "繁體中文測試。\n"
UTF8_LINE = "统一码的一行文字。\n"


def test_utf8_fast_path_is_one_segment() -> None:
    d = decode_bytes(UTF8_LINE.encode("utf-8"))
    assert d.text == UTF8_LINE
    assert d.encodings == ["utf-8"]


def test_bom_is_dropped() -> None:
    assert decode_bytes(b"\xef\xbb\xbf" + UTF8_LINE.encode("utf-8")).text == UTF8_LINE


@pytest.mark.parametrize(
    "lines",
    [
        [(GBK_LINE, "gbk"), (BIG5_LINE, "big5")],
        [(BIG5_LINE, "big5"), (GBK_LINE, "gbk"), (UTF8_LINE, "utf-8")],
        [(UTF8_LINE, "utf-8"), (GBK_LINE, "gbk"), (BIG5_LINE, "big5"), (GBK_LINE, "gbk")],
    ],
)
def test_mixed_lines_each_decoded_with_their_codec(lines: list[tuple[str, str]]) -> None:
    data = b"".join(text.encode(codec) for text, codec in lines)
    d = decode_bytes(data)
    assert d.text == "".join(text for text, _ in lines)
    # Segments cover the text, in order, and each one re-encodes to the input bytes it came from.
    assert d.segments[0].start == 0 and d.segments[-1].end == len(d.text)
    assert all(a.end == b.start for a, b in zip(d.segments, d.segments[1:], strict=False))
    assert b"".join(d.text[s.start : s.end].encode(s.encoding) for s in d.segments) == data


def test_utf8_and_gbk_inside_one_line() -> None:
    data = "前半是统一码，".encode() + "后半是国标码。".encode("gbk")
    assert decode_bytes(data).text == "前半是统一码，后半是国标码。"


def test_stray_byte_in_utf8_is_kept_escaped() -> None:
    data = "中文文本".encode() + b"\xff" + "测试。".encode()
    d = decode_bytes(data)
    assert d.text == "中文文本\udcff测试。"
    assert d.text.encode("utf-8", errors="surrogateescape") == data


def test_binary_refused() -> None:
    assert looks_binary(b"abc\x00def")
    with pytest.raises(InputError):
        decode_bytes(b"\x00\x01\x02", "x.bin")


def test_implausibility_separates_right_and_wrong_codec() -> None:
    # Big5 text read as GBK gives rare characters; GBK text read as Big5 too.
    assert implausibility(BIG5_LINE) == implausibility(GBK_LINE) == 0
    assert implausibility(GBK_LINE.encode("gbk").decode("big5")) > 0
    assert implausibility("\udcff") > implausibility("鱻")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200).filter(lambda b: b"\x00" not in b))
@example(b"\xa2\xcc")  # Big5's second form of 十 (found by Hypothesis): it reads back as A451
def test_every_byte_is_accounted_for(data: bytes) -> None:
    # Whatever the per-line choice, each segment re-encodes to its input bytes: exactly, or to
    # bytes the segment's codec reads as the same text. Big5 gives four characters two byte
    # pairs each (十 A451 and A2CC, 卅, ／, ＼), and Unicode keeps one of them.
    d = decode_bytes(data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    pos = 0
    for s in d.segments:
        codec = "utf-8" if s.encoding.startswith("utf-8") else s.encoding
        errors = "surrogateescape" if codec == "utf-8" else "strict"
        text = d.text[s.start : s.end]
        again = text.encode(codec, errors=errors)
        raw = body[pos : pos + len(again)]
        assert raw == again or raw.decode(codec, errors=errors) == text
        pos += len(again)
    assert pos == len(body)


@pytest.mark.shared
@pytest.mark.parametrize("codec", ["gb2312", "gbk", "gb18030", "big5"])
def test_cpython_cjkencodings(shared_dir: Path, codec: str) -> None:
    peer = shared_dir / "peer" / "cjkencodings"
    raw = (peer / f"{codec}.txt").read_bytes()
    truth = (peer / f"{codec}-utf8.txt").read_bytes().decode("utf-8")
    assert decode_bytes(raw).text == truth


@pytest.mark.shared
@pytest.mark.parametrize(("folder", "codec"), [("GB2312", "gb18030"), ("Big5", "big5")])
def test_legacy_encoded_pages(shared_dir: Path, folder: str, codec: str) -> None:
    # Real web pages from chardet's test suite; the folder names their encoding (GB2312 pages
    # use GBK/GB18030 extensions in the wild, so the truth is read as GB18030).
    pages = sorted(p for p in (shared_dir / "corpora" / "legacy-encoded" / folder).iterdir() if p.is_file())
    assert pages
    wrong = [p.name for p in pages if decode_bytes(p.read_bytes()).text != p.read_bytes().decode(codec)]
    assert wrong == []


@pytest.mark.shared
def test_legacy_pages_concatenated_across_codecs(shared_dir: Path) -> None:
    # A file mixing whole GB and Big5 pages: every line still decodes with its own codec.
    root = shared_dir / "corpora" / "legacy-encoded"
    gb = (root / "GB2312" / "_mozilla_bug171813_text.html").read_bytes()
    big5 = (root / "Big5" / "_ude_1.txt").read_bytes()
    data = gb.rstrip(b"\n") + b"\n" + big5
    want = gb.rstrip(b"\n").decode("gb18030") + "\n" + big5.decode("big5")
    assert decode_bytes(data).text == want
