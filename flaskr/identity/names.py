r"""Usernames compared as people see them: one key for names that look alike.

The key is the Unicode confusable skeleton (UTS #39, computed by ICU's spoof checker) of the
name after NFKC and case folding, so `Alice`, `alice`, fullwidth `\uff21lice`, `\u0430lice`
(Cyrillic a), `adm\u0131n` (dotless i) and `ADM\u0130N` are one name, and `rn`/`m`, `l`/`1`
are too. A key is for comparing, never for showing: the name is shown as it was typed.
"""

from __future__ import annotations

import unicodedata

import icu

from .policy import folded

# ICU's checker is safe to share between threads once made (it is never changed after).
_CHECKER = icu.SpoofChecker()


def key(name: str) -> str:
    """The skeleton of the folded name: the same for every name that looks like it."""
    # Full case folding turns İ (capital I with dot) into i + combining dot above; on an i
    # (or a j) that dot is the one the letter already shows.
    text = (
        unicodedata.normalize("NFD", folded(name)).replace("i\u0307", "i").replace("j\u0307", "j")
    )
    return _CHECKER.getSkeleton(0, text)


def version() -> str:
    """Which Unicode data the keys come from (a new ICU can change some keys: `init-db`)."""
    return f"ICU {icu.ICU_VERSION}, Unicode {icu.UNICODE_VERSION}"
