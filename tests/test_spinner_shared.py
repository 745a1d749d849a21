"""Spinner on real text from ../shared: clean documents stay untouched, spun ones are gated in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textmend.repair import spinner as fixer
from textmend.repair.config import RepairConfig
from textmend.spinner import lexicon
from textmend.spinner.synth import Spinner
from textmend.spinner.wordfreq import rare_synonym_rate

pytestmark = pytest.mark.shared


def _sample(shared: Path, name: str, n: int = 3, chars: int = 3000) -> list[str]:
    out = []
    with (shared / "corpora" / name).open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            if len(text) >= chars:
                out.append(text[:chars])
            if len(out) == n:
                break
    return out


def test_rare_synonym_gate_separates_clean_from_spun(shared_dir: Path) -> None:
    index = fixer._index("s")
    docs = _sample(shared_dir, "laws-cn.jsonl")
    # A spinner the gate never saw (pairs of half 1; the thresholds were set on half 0).
    spinner = Spinner.from_lexicon(lexicon.cedict(), "s", half=1)
    for k, doc in enumerate(docs):
        assert rare_synonym_rate(doc, index) < fixer.RARE_THRESHOLD
        spun, subs = spinner.spin(doc, rate=1.0, seed=k)
        assert len(doc) / len(subs) < 10  # about one swap per 6-10 characters, as in the wild
        assert rare_synonym_rate(spun, index) > fixer.RARE_THRESHOLD


def test_default_auto_leaves_clean_corpora_and_seeds_unchanged(shared_dir: Path, seeds_dir: Path) -> None:
    try:
        from textmend.lm import get_model

        get_model()
    except Exception as exc:  # the LM is another subpackage; without it auto does nothing anyway
        pytest.skip(f"default language model unavailable: {exc}")
    texts = _sample(shared_dir, "laws-cn.jsonl") + _sample(shared_dir, "laws-tw.jsonl")
    texts += [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    cfg = RepairConfig()
    for text in texts:
        assert fixer.fix(text, cfg) == [], text[:40]


@pytest.fixture(scope="module")
def law_model(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A running-text model like ``textmend lm build`` makes, on laws-cn documents of the first
    half by id hash (the bench's tuning half); the clean texts below come from the other half."""
    from textmend.lm import build_model

    docs = [t for t in _half(shared_dir, 0, 120, 0)]
    path = tmp_path_factory.mktemp("lm") / "laws.tmlm"
    build_model(docs, path)
    return path


def _half(shared: Path, half: int, n: int, chars: int) -> list[str]:
    import zlib

    out = []
    with (shared / "corpora" / "laws-cn.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if zlib.crc32(str(d["id"]).encode()) & 1 == half and len(d["text"]) >= chars:
                out.append(d["text"][:chars] if chars else d["text"])
            if len(out) == n:
                break
    return out


def test_the_cli_with_a_running_text_model_leaves_clean_text_alone(
    shared_dir: Path, law_model: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from textmend.cli import main
    from textmend.lm import LanguageModel

    texts = _half(shared_dir, 1, 4, 3000)
    for k, text in enumerate(texts):
        src = tmp_path / f"clean{k}.txt"
        src.write_text(text, encoding="utf-8")
        assert main(["repair", "--lm", str(law_model), "--spinner", "auto", str(src)]) == 0
        out, _ = capsysbinary.readouterr()
        assert out == src.read_bytes(), text[:40]
    # The gates aside: forced, the full pass with the fitted decision (ranking, judge trees)
    # changes at most one word in these 12,000 characters (the limit: 1 per 10,000).
    model = LanguageModel(law_model)
    force = RepairConfig(spinner="force")
    applied = [e for text in texts for e in fixer.fix(text, force, model) if e.confidence >= 0.8]
    assert len(applied) <= 1, applied
