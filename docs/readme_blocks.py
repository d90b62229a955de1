"""README.md parts made by a script (docs/commands.py, docs/roster_columns.py): the text
between two HTML-comment markers, markers included, found and rewritten in place."""

from __future__ import annotations

from pathlib import Path


def block_of(text: str, begin: str, end: str) -> str | None:
    """The part of ``text`` from ``begin`` to ``end`` (included), or None when a marker is missing."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        return None
    return text[start:stop + len(end)]


def update_block(readme: Path, begin: str, end: str, block: str) -> bool:
    """Put ``block`` (markers included) in place of ``readme``'s; True when something changed.
    Exits with a message when the markers are missing."""
    text = readme.read_text(encoding="utf-8")
    current = block_of(text, begin, end)
    if current is None:
        raise SystemExit(f"{readme}: markers not found ({begin} ... {end})")
    new = text.replace(current, block)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text
