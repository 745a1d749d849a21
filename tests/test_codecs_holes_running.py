"""Lossy CJK-as-CJK mojibake read with a model of running text (``textmend lm build``), and the
cases the default model's searches missed: Big5's duplicate characters, GBK's comma read as
bopomofo, runs cut at more than one ideographic space, kana-looking runs of Big5 read as GBK."""

from __future__ import annotations

import pytest
from mojibake_cases import OracleModel, big5_as_gbk, gbk_as_big5, repaired

from textmend.repair._codecs_holes import _BIG5_TWINS, fill
from textmend.repair._codecs_lm import get_scorer


class _Oracle(OracleModel):
    """A running-text model of one text: a character that continues one of its bigrams scores
    ``step``, one that continues a bigram of ``rival`` (if any) ``step - 1``, any other
    ``-step``: the choice between the text and its rival is the model's, by one nat a bigram."""

    def __init__(self, text: str, step: float, rival: str = "") -> None:
        self.bigrams = {text[i : i + 2] for i in range(len(text) - 1)}
        self.rivals = {rival[i : i + 2] for i in range(len(rival) - 1)} - self.bigrams
        self.step = step

    def _score(self, left: str, span: str) -> float:
        total, prev = 0.0, left[-1:]
        for ch in span:
            pair = prev + ch
            total += (
                self.step if pair in self.bigrams else self.step - 1 if pair in self.rivals else -self.step
            )
            prev = ch
        return total


def _needs_model() -> None:
    if get_scorer() is None:
        pytest.skip("needs the default language model (textmend.lm)")


def test_a_running_text_model_is_not_overruled_by_the_word_list() -> None:
    # 列 (Big5 A6 43) loses its lead byte in cp936, and 。 (A1 43) fits the same trail byte.
    # jieba prices 。 as a frequent token and 列 as a rare word (5.7 nats apart here): at twice
    # their weight the words overruled the model, which prefers 列 by 2 nats.
    truth = "本署職務列簡任第十一職等"
    bad = big5_as_gbk(truth)
    assert "\ufffd" in bad
    filled = fill(bad, "", _Oracle(truth, 3.0, rival="職務。簡任"), "", "big5", "cp936")
    assert filled is not None
    assert filled.text == truth


def test_big5_twins_are_read_in_both_byte_forms() -> None:
    # Big5 has 十 and 卅 twice (A451/A2CC, A4CA/A2CE). A lost byte shifts the reading of GBK by
    # one, and 、维 (A1A2 CEAC) then shows A2 CE as 卅, which the encoder gives back as A4 CA:
    # the bytes of another text (检测·尸修).
    for ch, data in _BIG5_TWINS.items():
        assert data.decode("big5") == ch and ch.encode("big5") != data
    truth = "确保管道安全运行。管道企业应当定期对管道进行检测、维修"
    bad = gbk_as_big5(truth)
    assert "\ufffd" in bad and "卅" in bad
    filled = fill(bad, "", _Oracle(truth, 3.0), "", "gbk", "big5")
    assert filled is not None
    assert filled.text == truth


def test_gbk_comma_read_as_bopomofo_flags_the_line() -> None:
    # GBK's ，(A3AC) reads as ㄛ in Big5. This line's uncommon characters stand too far apart for
    # the trigger, and it has no 、 or 。: it was never looked at.
    _needs_model()
    truth = "按照国家和本省有关规定，依法划定管理和保护"
    bad = gbk_as_big5(truth)
    assert "ㄛ" in bad and not any(ch in bad for ch in "﹜﹝\ufffd")
    assert repaired(bad) == truth


def test_a_run_is_read_across_several_ideographic_spaces() -> None:
    # 間 is Big5 B6 A1: before 。(A1 43) and ：(A1 47) its A1 pairs with theirs into U+3000, twice
    # on this line, and a run joined across the first space still ended inside 間.
    _needs_model()
    truth = "：指自火源點火接觸試體時起，至停止接觸之時間。二、餘焰時間：指自點火時間終"
    bad = big5_as_gbk(truth)
    assert bad.count("\u3000") == 2
    out = repaired(bad)
    assert "\ufffd" not in out
    assert "點火接觸試體時起，至停止接觸之時間。二、餘焰時間：" in out


def test_a_lossy_run_that_reads_as_kana_follows_the_line() -> None:
    # Big5's frequent rows read as GBK's kana and Greek, which count as common characters: the
    # run has no uncommon share to lose, but its lost lead byte beside its trail (``�C``) and a
    # far likelier reading, on a line a lossy run proved, make it mojibake.
    _needs_model()
    truth = "檢收及發還。 (六) 公文之收發及催辦。"
    bad = big5_as_gbk(truth)
    assert "そ" in bad
    assert repaired(bad) == truth


@pytest.mark.parametrize(
    "clean",
    [
        "ㄅㄆㄇㄈ是注音符號，ㄛ讀作喔。",  # bopomofo in clean text: flagged, not changed
        "第十條 卅日內完成，十分重要。",  # the twins in clean text
        "ソフトウェア�の設定",  # Japanese with a lost character
    ],
)
def test_clean_text_with_the_new_evidence_stays(clean: str) -> None:
    assert repaired(clean) == clean
