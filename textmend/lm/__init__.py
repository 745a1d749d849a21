"""Offline Chinese language model: score spans in context and compare repair candidates.

``get_model()`` is the default model, built on first use from jieba's word frequencies (see
SOURCES.md); ``build_model(texts, path)`` trains one on your own corpus, which scores best on
text like it:

>>> import tempfile
>>> from textmend.lm import LanguageModel, build_model
>>> with tempfile.TemporaryDirectory() as tmp:
...     build_model(["中华人民共和国成立了。", "人民代表大会"], tmp + "/tiny.tmlm", min_count=1)
...     m = LanguageModel(tmp + "/tiny.tmlm")
...     real, homophone = m.compare("中华人民", ["共和国", "公和国"], "成立")
>>> real > homophone
True
"""

from __future__ import annotations

from textmend.lm.build import build_model
from textmend.lm.corpus import read_corpus
from textmend.lm.model import LanguageModel
from textmend.lm.registry import default_model_path, get_model

__all__ = ["LanguageModel", "build_model", "default_model_path", "get_model", "read_corpus"]
