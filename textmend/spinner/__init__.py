"""Spun-text ("伪原创") reversal: the parts behind the ``spinner`` repair fixer.

- :mod:`~textmend.spinner.lexicon` -- CC-CEDICT gloss groups and HIT Cilin synonym groups (lazy, cached).
- :mod:`~textmend.spinner.synth` -- synthetic spinners with recorded truth, for evaluation.
- :mod:`~textmend.spinner.candidates` -- candidate originals for every 2-4 character span.
- :mod:`~textmend.spinner.reverse` -- language-model scoring, refinement and selection.
- :mod:`~textmend.spinner.trees` -- the boosted trees of the site decision's judge (shipped as JSON).
- :mod:`~textmend.spinner.wordfreq` -- jieba word frequencies and the LM-free rare-synonym gate.
- :mod:`~textmend.spinner.table` -- reversal tables mined from aligned duplicates.

The fixer itself (gate, modes, edits) is :mod:`textmend.repair.spinner`. Data sources and
licences: ``SOURCES.md`` beside this file.
"""
