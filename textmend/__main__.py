from textmend.cli import entry

entry()
