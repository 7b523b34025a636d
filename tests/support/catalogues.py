"""The compiled message catalogues the app reads, built like `make translations-compile` does."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "flaskr" / "translations"


def catalogues() -> list[Path]:
    """Every shipped language's messages.po."""
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def compile_stale() -> None:
    """Compile each .po whose .mo is missing or older (a `pytest` run without `make`)."""
    for po in catalogues():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        with mo.open("wb") as target:
            write_mo(target, catalog)
