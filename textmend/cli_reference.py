"""Generate the README's CLI reference from the commands' own --help (so it cannot drift).

``python -m textmend.cli_reference --write README.md`` rewrites the marked section;
a test checks that the README matches.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from textmend.cli import cli

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    for name in sorted(group.commands):
        cmd = group.commands[name]
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, [*prefix, name]))
        else:
            out.append([*prefix, name])
    return out


def reference_markdown() -> str:
    runner = CliRunner()
    parts = []
    for path in [[], *_commands(cli, [])]:
        # a fixed width so the text does not depend on the terminal that generates it
        result = runner.invoke(cli, [*path, "--help"], prog_name="textmend", terminal_width=100)
        title = " ".join(["textmend", *path])
        parts.append(f"### `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def section() -> str:
    return f"{START}\n{reference_markdown()}{END}"


def update(readme: Path) -> bool:
    text = readme.read_text(encoding="utf-8")
    new = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: section(), text, flags=re.S)
    if new != text:
        readme.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        print("updated" if update(Path(sys.argv[2])) else "up to date")
    else:
        print(reference_markdown())
