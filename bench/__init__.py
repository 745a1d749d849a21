"""Benchmarks: `python -m bench NAME [ARGS]` (or `make bench`). Each prints ratios vs anchors."""
