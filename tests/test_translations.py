"""The message catalogues (flaskr/translations/): every sentence the code and the templates mark
is in each shipped language's catalogue, translated, with the same blanks to fill."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from flaskr.config import DEFAULTS
from tests.support.catalogues import TRANSLATIONS, catalogues

ROOT = TRANSLATIONS.parents[1]
SHIPPED = ("nl", "de")
# %(name)s / %(num)d, {name}, and HTML tags: what a translation must keep as it is.
BLANKS = re.compile(r"%\(\w+\)[sd]|\{\w+\}|</?\w+[^>]*>")


def catalogue(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def entries(lang: str):
    return [m for m in catalogue(lang) if m.id]


def forms(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def translations(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def blanks(text: str) -> list[str]:
    return sorted(BLANKS.findall(text))


def test_the_shipped_catalogues_are_the_offered_languages():
    assert sorted(p.parts[-3] for p in catalogues()) == sorted(SHIPPED)
    assert DEFAULTS["LANGUAGES"] == ("en", *SHIPPED)
    assert DEFAULTS["BABEL_DEFAULT_LOCALE"] == "en"


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_message_has_a_translation(lang):
    missing = [
        m.id
        for m in entries(lang)
        if m.fuzzy or not all(s.strip() for s in translations(m)) or len(translations(m)) < 1
    ]
    assert missing == []
    plurals = [m for m in entries(lang) if isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == catalogue(lang).num_plurals for m in plurals)


@pytest.mark.parametrize("lang", SHIPPED)
def test_each_translation_keeps_the_blanks_and_tags(lang):
    wrong = []
    for m in entries(lang):
        # A plural's number may be left out of its singular ("one minute"), nothing else.
        wanted = blanks(forms(m)[-1])
        for text in translations(m):
            if [b for b in blanks(text) if b != "%(num)d"] != [b for b in wanted if b != "%(num)d"]:
                wrong.append((m.id, text))
    assert wrong == []


@pytest.mark.parametrize("lang", SHIPPED)
def test_a_translation_is_not_the_english_left_as_it_was(lang):
    # The few words that read the same in Dutch or German, and the date pattern of Dutch.
    same = {"Account", "Accounts", "Code", "Conflict", "Status", "d MMMM y, HH:mm 'UTC'"}
    same |= {"Name", "Passkeys", "Passkeys: %(count)s."}
    untouched = [m.id for m in entries(lang) if m.string == m.id and m.id not in same]
    assert untouched == []


def extracted(tmp_path: Path) -> set:
    """The msgids `make translations-extract` would write, from the sources as they are."""
    pot = tmp_path / "messages.pot"
    args = ["-F", str(ROOT / "babel.cfg"), "--no-location", "-o", str(pot), str(ROOT / "flaskr")]
    CommandLineInterface().run(["pybabel", "-q", "extract", *args])
    with pot.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_catalogues_are_up_to_date_with_the_sources(tmp_path, lang):
    sources = extracted(tmp_path)
    shipped = {m.id for m in entries(lang)}
    assert sorted(map(str, sources - shipped)) == [], "run `make translations-update`"
    assert sorted(map(str, shipped - sources)) == [], "run `make translations-update`"


def test_the_compiled_catalogues_are_not_in_git():
    tracked = subprocess.run(
        ["git", "ls-files", "flaskr/translations"], cwd=ROOT, capture_output=True, text=True
    )
    assert tracked.returncode == 0, tracked.stderr
    assert not [p for p in tracked.stdout.split() if p.endswith(".mo")]
    assert {f"flaskr/translations/{lang}/LC_MESSAGES/messages.po" for lang in SHIPPED} <= set(
        tracked.stdout.split()
    )
