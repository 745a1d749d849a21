"""What the fuzzer (``python -m fuzz``, issue 9) found, kept as regression tests, and a short
fuzz smoke run. Known failures of other modules are strict xfails, so a fix is noticed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import strategies as st

from textmend import repair
from textmend.errors import InputError
from textmend.io import read_documents

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def fuzz(monkeypatch: pytest.MonkeyPatch) -> object:
    """The top-level ``fuzz`` package (not installed: it lives next to ``bench``)."""
    monkeypatch.syspath_prepend(str(ROOT))
    import fuzz

    return fuzz


# ---------------------------------------------------------------- the harness itself


def _planted(text: str) -> None:
    if "bb" in text:
        raise ValueError("planted bug")


def _planted_idempotence(text: str) -> None:
    from fuzz.targets import PropertyFailure

    if text.count("a") >= 3:
        raise PropertyFailure("idempotence:planted", "not a crash")


def test_harness_finds_minimises_and_saves_a_planted_bug(fuzz: object, tmp_path: Path) -> None:
    from fuzz.harness import run
    from fuzz.targets import Target

    text = st.text(alphabet="ab", min_size=6, max_size=30)
    report = run(
        [Target("planted", text, _planted), Target("same", text, _planted_idempotence)],
        examples=200,
        out_dir=tmp_path,
        seed=1,
        log=lambda line: None,
    )
    assert report.inputs == {"planted": 200, "same": 200}
    [crash] = report.crashes
    assert crash.target == "planted" and crash.category == "crash"
    assert crash.data == "bb"  # minimised from a longer input
    assert crash.count > 1  # found again and again, reported once
    assert crash.path is not None and "DATA = 'bb'" in crash.path.read_text(encoding="utf-8")
    [idem] = report.idempotence
    assert idem.signature == "idempotence:planted" and idem.data == "aaa"


def test_fuzz_smoke(fuzz: object, tmp_path: Path) -> None:
    """A few hundred inputs over the three targets: no crash, no broken property."""
    from fuzz.harness import run

    report = run(["decode", "repair", "jsonl"], examples=60, out_dir=tmp_path, seed=9, log=lambda s: None)
    assert sum(report.inputs.values()) == 180
    crashes = report.crashes
    assert not crashes, "\n".join(f"{f.signature}: {f.data!r}\n{f.trace}" for f in crashes)


# ---------------------------------------------------------------- crashes found


# The mojibake fixer applied its Latin-run and CJK-run edits together without resolving
# overlaps: "overlapping or unsorted edits at 0" (fixed in textmend/repair/mojibake.py).
@pytest.mark.parametrize("text", ["狟奻极¬^¶¡»P", "湮釬饒¦\U000bd581é‰€çš„æ•¸", "鏂板浗瀛愬彂鐢变娇®·½Ê±L"])
def test_mojibake_overlapping_edits(fuzz: object, text: str) -> None:
    from fuzz.targets import PropertyFailure, check_repair

    try:
        check_repair(text)  # no crash, the plan replays, flags match the output
    except PropertyFailure as err:
        assert err.category.startswith("idempotence"), err  # a separate category


def test_mojibake_overlapping_edits_from_bytes(fuzz: object) -> None:
    from fuzz.targets import PropertyFailure, check_decode

    data = (
        b"6\tV\x810\x893\xe9\x96\x93\xe8\xbf\x99\xe6\xa5\x841\xa47\xef\xbc\x9a\xe6\x841\xa47\xa3\xe4\xb8"
        b"\xad\xe5\xa4\x96\xe4\xb8\x80\xe6\xa8\xa3\xe5\xbe\x9e\xe5\xa5\xbd\xe6\x98\x8e\xe6\xa2\x9d\xe4\xb8\xba"
        b"\xe5\x8f\x91\xe5\xa4\xa9\xe5\xa4\x9a\xe8\x841\xa47\x841\xa47\x810\x899\xa2\xe3\x810\xb903?\x816"
        b"\xa68\x810\x869\x14K\x81\xbb\xc4\xc7\x94\xb5\x810\x8a2\xa1\xe3\x810\x825\x810\x8a3\x810\x818"
        b"\x810\x826\x810\x8a2\x810\x838\xa1\xa7\xa8\xa8\x810\x867\x810\x835\x810\x8a3\x810\x833\x810"
        b"\x846\x810\x8a0\x810\x810\x810\x826\x810\x8a3\x810\x851\x810\x866\x810\x8a2\x810\x818\xa1\xe3g"
    )
    try:
        check_decode(data)  # lossless decoding; repair, its edit log and its output work
    except PropertyFailure as err:
        assert err.category.startswith("idempotence"), err


@pytest.mark.parametrize(("name", "content"), [("empty.jsonl", b""), ("empty.txt", b"")])
def test_empty_input_is_reported_by_read_documents(tmp_path: Path, name: str, content: bytes) -> None:
    """Found by the jsonl target: read_documents gave nothing and said nothing for an empty
    file, where ``textmend repair`` reports it (dedup and clean now report it too)."""
    path = tmp_path / name
    path.write_bytes(content)
    errors: list[InputError] = []
    docs = list(read_documents([str(path)], jsonl=name.endswith(".jsonl"), errors=errors))
    assert docs == []
    assert [str(e) for e in errors] == [f"{path}: empty file"]


# ---------------------------------------------------------------- idempotence (separate category)

# Second passes that still changed the text when the fuzzer found them; fixed since, the last
# two by running the pipeline to a fixpoint (repair.pipeline._repair_passes).
IDEMPOTENCE_FIXED = [
    pytest.param("-b\ufeff.\x0b7\x0b4\x0b-b\ufeff.\x0b7\x0b4\x0b-b\ufeff.", id="boilerplate"),
    # boilerplate (after encoding) removes the watermark, exposing a C1 control to encoding
    pytest.param("(本文权属所有查看)\x99", id="encoding-after-boilerplate"),
    pytest.param("ÁÙ¤H±q??TÒ", id="encoding"),
    pytest.param("8(\x85\x1c9?4,??陀^,不\u3000", id="bytedamage"),
    pytest.param("\n?,\ra", id="bytedamage-cr"),
    pytest.param("\ufffd\x0b6\n奻饒奻", id="encoding-fffd"),
    pytest.param("\r00000“、、…000000,\r<\r<", id="lines-cr"),
    pytest.param("\n里小：这：时好中体力我用】度）s-\U0010849a\U000d78b7\x8d蔮a*\n-\n3\x0b", id="lines-vt"),
    pytest.param(
        "\x0b这窔\U000316c3\x96d5\U000b383aÃlI\U000316c3\x96d5\U000b383aÃ間们政間化理理》中\r两\r/",
        id="lines-cr-mojibake",
    ),
    pytest.param("，\n?", id="lostchar-after-lines"),
    pytest.param("?b\n?一", id="bytedamage-after-lines"),
]


def _second_pass_changes(text: str) -> bool:
    once = repair(text).text
    return repair(once).changed


@pytest.mark.parametrize("text", IDEMPOTENCE_FIXED)
def test_idempotence_fixed(text: str) -> None:
    assert not _second_pass_changes(text)


def test_reproducer_runs_from_the_repository_root(fuzz: object, tmp_path: Path) -> None:
    """A saved reproducer is a script: ``python FILE`` re-raises the finding."""
    import subprocess

    from fuzz.harness import Finding, save

    finding = Finding("decode", "fuzz.targets:check_decode", "crash", "x", b"\x00", b"\x00", "trace")
    path = save(finding, tmp_path)
    proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True)
    # b"\x00" is refused as binary, which the decode check accepts: the script runs clean
    assert proc.returncode == 0, proc.stderr


def test_edit_log_line_with_escaped_bytes() -> None:
    """Found with random bytes (issue 9 matrix): an edit next to a byte the decoder kept
    escaped put a lone surrogate in the --explain record, and writing it crashed the run."""
    import json

    from textmend.io import dump_jsonl

    rec = {"doc": "noise.txt", "before": "\udca9中", "after": "中", "note": "\ud800"}
    line = dump_jsonl(rec)
    assert line.endswith(b"\n") and "中".encode() in line  # still UTF-8, still readable
    assert json.loads(line.decode("utf-8")) == rec
