"""The README cannot drift: its CLI reference is the commands' own --help, its set-up is two commands."""

from __future__ import annotations

import re
from pathlib import Path

from textmend.cli_reference import END, START, section

README = Path(__file__).resolve().parent.parent / "README.md"


def test_cli_reference_matches_help() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r".*?" + re.escape(END), text, flags=re.S)
    assert found, "README has no CLI reference section"
    assert found.group(0) == section(), "README CLI reference is stale: run `make docs`"


def test_setup_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, flags=re.S)
    assert block, "README has no Quick start code block"
    commands = [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))] == [
        "make test"
    ]
