"""UTF-8 read as Big5 (CPython's decoder, errors="replace"): the search through the decoder
(_codecs_holes.fill_utf8_big5), checked against CPython's own Big5 decoder."""

from __future__ import annotations

import dataclasses

import pytest
from mojibake_cases import OracleModel, repaired

from textmend.repair import _codecs_holes as holes

_TEXTS = [
    "县级以上人民政府煤炭管理部门应当加强对煤炭资源回采率和综合利用情况的监督检查",
    "第一条为了规范管理，根据有关法律，制定本办法。",
    "人民法院受理认可台湾地区法院民事判决的申请",
    "（五）其他滥用职权、玩忽职守的行为；",
]


def _damage(text: str) -> str:
    return text.encode("utf-8").decode("big5", errors="replace")


def _feed_all(text: str) -> str:
    emitted, state = holes._big5_feed(holes._U8B5_NONE, text.encode("utf-8"))
    return emitted + (holes._LOST if state != holes._U8B5_NONE else "")


@pytest.mark.parametrize("text", [*_TEXTS, "abc第5条", "·×÷§", "“引号”—…"])
def test_the_decoder_model_is_cpythons(text: str) -> None:
    # The search's whole model of the damage: a pending lead byte and what each byte emits.
    assert _feed_all(text) == _damage(text)


@pytest.mark.parametrize("state", [holes._U8B5_NONE, 0x81, 0x9C, 0xA4, 0xB4, 0xE4, 0xEF])
def test_the_vectorised_moves_agree_with_the_decoder(state: int) -> None:
    # _u8b5_moves groups the whole vocabulary at once (numpy); the byte-at-a-time decoder
    # model is the obviously-correct reference.
    _, data = holes._u8b5_vocab()
    expected: dict[str, dict[int, set[int]]] = {}
    for i, d in enumerate(data):
        emitted, after = holes._big5_feed(state, d)
        expected.setdefault(emitted, {}).setdefault(after, set()).add(i)
    for emitted, by_state in expected.items():
        got = holes._u8b5_moves(state, emitted)
        assert {k: set(v.tolist()) for k, v in got.items()} == by_state, emitted
    assert holes._u8b5_moves(state, "\u4e00\u4e00\u4e00\u4e00") == {}


def _scorer() -> object:
    from textmend.repair._codecs_lm import get_scorer

    scorer = get_scorer()
    if scorer is None:
        pytest.skip("reading UTF-8 read as Big5 needs the language model (textmend.lm)")
    return scorer


@pytest.mark.parametrize("truth", _TEXTS)
def test_the_best_reading_damages_back_to_the_run(truth: str) -> None:
    bad = _damage(truth)
    read = holes._u8b5_read(bad, "", _scorer(), "")
    assert read is not None
    text, margins = read
    assert len(margins) == len(text)
    assert _feed_all(text) == bad


class _Oracle(OracleModel):
    """A model of one text: a character that continues one of the text's bigrams scores 3, any
    other -3 (with no context: any of the text's characters). With it the search, not the
    model, is under test."""

    def __init__(self, text: str) -> None:
        self.bigrams = {text[i : i + 2] for i in range(len(text) - 1)}
        self.starts = set(text)

    def _score(self, left: str, span: str) -> float:
        total, prev = 0.0, left[-1:]
        for ch in span:
            total += 3.0 if (prev + ch in self.bigrams if prev else ch in self.starts) else -3.0
            prev = ch
        return total


@pytest.mark.parametrize("truth", _TEXTS)
def test_characters_with_two_or_three_lost_bytes_are_read(truth: str) -> None:
    # 的 = E7 9A 84 loses all three bytes (9A is no Big5 trail byte, 9A and 84 no lead byte),
    # 条 = E6 9D A1 two of them: the search by chunks left such characters unread. With a model
    # that knows the text, every character is read, and read with a margin.
    bad = _damage(truth)
    assert bad.count("\ufffd") > len(truth) // 2
    filled = holes.fill_utf8_big5(bad, "", _Oracle(truth), "")
    assert filled is not None
    # The first character has no left context, and the oracle knows none for it: it may stay
    # marked when another of the text's characters fits its bytes too.
    assert filled.text[1:] == truth[1:]
    assert filled.text[0] in (truth[0], "\ufffd")


def _assert_some_written_all_right(filled: holes.Filled | None, truth: str) -> None:
    """One character (or U+FFFD) per character of ``truth``, some written, all written right."""
    assert filled is not None
    assert len(filled.text) == len(truth)
    kept = [(a, b) for a, b in zip(filled.text, truth, strict=True) if a != "\ufffd"]
    assert kept
    assert all(a == b for a, b in kept)


def test_the_default_model_writes_only_right_characters() -> None:
    scorer = _scorer()
    for truth in _TEXTS:
        _assert_some_written_all_right(holes.fill_utf8_big5(_damage(truth), "", scorer, ""), truth)


def test_without_a_model_only_what_the_bytes_decide_is_written() -> None:
    # With no model every choice among characters that fit is a tie, and so is every choice
    # between alignments of the lost bytes: a tie has no margin, so what is written is only
    # what the damage itself decides, and it must be right.
    truth = _TEXTS[0]
    _assert_some_written_all_right(holes.fill_utf8_big5(_damage(truth), "", None, ""), truth)


def test_clean_text_is_not_read() -> None:
    assert holes.fill_utf8_big5(_TEXTS[0], "", None, "") is None


def test_the_fixer_writes_only_right_characters_and_leaves_clean_text() -> None:
    _scorer()
    for truth in _TEXTS:
        assert repaired(truth) == truth
        got = repaired(_damage(truth))
        assert len(got) == len(truth)
        assert all(a in (b, "\ufffd") for a, b in zip(got, truth, strict=True))
        assert got != _damage(truth)


def test_guesses_are_written_only_when_asked_for_at_their_confidence() -> None:
    from mojibake_cases import CFG

    from textmend.repair.mojibake import GUESS_CONFIDENCE, fix

    _scorer()
    low = dataclasses.replace(CFG, min_confidence=GUESS_CONFIDENCE)
    lost_default = lost_low = right_default = right_low = 0
    for truth in _TEXTS:
        bad = _damage(truth)
        sure, guessed = repaired(bad), repaired(bad, low)
        assert len(guessed) == len(truth)
        lost_default += sure.count("\ufffd")
        lost_low += guessed.count("\ufffd")
        right_default += sum(a == b for a, b in zip(sure, truth, strict=True))
        right_low += sum(a == b for a, b in zip(guessed, truth, strict=True))
        # Every character read for sure is kept as it is; only lost ones are guessed.
        assert all(g == s for s, g in zip(sure, guessed, strict=True) if s != "\ufffd")
        # An edit that writes a guess says so, and carries a guess's confidence.
        for e in fix(bad, low):
            if "guessed" in e.note:
                assert e.confidence <= GUESS_CONFIDENCE
        # At the default threshold nothing is guessed.
        assert not any("guessed" in e.note for e in fix(bad, CFG))
    assert lost_low < lost_default
    assert right_low > right_default


def test_what_its_reader_leaves_unread_is_not_read_again_with_another_codec() -> None:
    # A line the reader left mostly unread (its U+FFFD in rows, two characters in three lost)
    # was read again as Big5 read as GBK, by the line's next step or the repair's next pass,
    # and came out as invented text (取消長諦直僵持重重…): no double-byte codec read as another
    # loses that much, so it stays as it is, and repair stays idempotent on its own output.
    import textmend

    holed = (
        "第一条 \ufffd\ufffd\ufffd\ufffd\ufffd\ufffd客\ufffd交\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd娱"
        "\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd个人\ufffd\ufffd须建\ufffd\ufffd止\ufffd\ufffd\ufffd管"
        "\ufffd\ufffd度并严\ufffd\ufffd\ufffd\ufffd对\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd客\ufffd交"
        "\ufffd工\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd活\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd止并"
        "\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd第\ufffd\ufffd"
    )
    assert textmend.repair(holed).text == holed


@pytest.mark.parametrize("codec", ["gbk_as_big5", "utf8_as_gbk", "big5_as_gbk"])
def test_codecs_read_as_each_other_never_lose_as_much_as_the_guard_refuses(codec: str) -> None:
    from opencc import OpenCC

    from textmend.repair._codecs import decode_cp936
    from textmend.repair.mojibake import _CJK_RUN, _more_lost_than_its_damage

    damage = {
        "gbk_as_big5": lambda t: t.encode("gbk").decode("big5", errors="replace"),
        "utf8_as_gbk": lambda t: decode_cp936(t.encode("utf-8")),
        "big5_as_gbk": lambda t: decode_cp936(OpenCC("s2t").convert(t).encode("big5", errors="replace")),
    }[codec]
    for text in _TEXTS:
        bad = damage(text)
        assert "\ufffd" in bad or codec == "gbk_as_big5"
        assert not any(_more_lost_than_its_damage(m.group()) for m in _CJK_RUN.finditer(bad))
