"""What the browser tests need on this machine: Playwright, Chromium and axe-core.

Each test module calls `skip_without_tools()` first: on a developer machine without them the
browser tests are skipped with one line saying how to install what is missing; under
`CI=true` they fail instead, so a CI run cannot pass without its browser.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # reported by skip_without_tools()
    expect = None

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Widths a reader meets (CSS pixels): a laptop, and a common phone.
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}

__all__ = [
    "AXE",
    "CHROMIUM_ARGS",
    "VIEWPORTS",
    "chromium_path",
    "expect",
    "skip_without_tools",
    "too_wide",
]

# Elements that stick out of the viewport (or of their card): none may, but those inside a box
# that scrolls or
# clips (the API's long examples), hidden on purpose (.visually-hidden) or the skip link that
# waits off-screen until it has focus.
_TOO_WIDE = """() => {
    const width = document.documentElement.clientWidth;
    const boxed = el => {
        for (let p = el.parentElement; p; p = p.parentElement) {
            if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true;
        }
        return false;
    };
    const found = [];
    for (const el of document.body.querySelectorAll("*")) {
        if (el.closest(".skip, .visually-hidden") || boxed(el)) continue;
        const box = el.getBoundingClientRect();
        // Its own box, or text that runs out of it (a long address that does not wrap); a
        // text field's value scrolls inside the field, as it should.
        const spills = !el.matches("input, textarea") && el.scrollWidth > el.clientWidth + 1
            && box.right + el.scrollWidth - el.clientWidth > width + 0.5;
        // Nor out of the card it sits in.
        const card = el.parentElement && el.parentElement.closest(".card");
        const outOfCard = card && box.right > card.getBoundingClientRect().right + 0.5;
        if (box.width > 0 && (box.right > width + 0.5 || box.left < -0.5 || spills || outOfCard)) {
            found.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
                + `${el.className ? "." + el.className : ""} (${Math.round(box.left)} to `
                + `${Math.round(box.right)} of ${width})`);
        }
    }
    const scrolls = document.documentElement.scrollWidth;
    if (scrolls > width) found.push(`the page scrolls sideways: ${scrolls} of ${width}`);
    return found;
}"""


def too_wide(page) -> list[str]:
    """What on `page` is wider than its viewport (or sticks out of it); empty when it fits."""
    return page.evaluate(_TOO_WIDE)


def chromium_path() -> str | None:
    """The Chromium binary to drive: $CHROMIUM, else Debian's, else one on PATH."""
    given = os.environ.get("CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def missing_tools() -> str | None:
    """Why the browser tests cannot run here (one line), or None."""
    if expect is None:
        return "Playwright is not installed: `make test` installs it (pip install -e '.[test]')"
    if chromium_path() is None:
        return "Chromium not found: install it with `apt-get install -y chromium` (or set CHROMIUM)"
    if not AXE.exists():
        return "axe-core not found: install it with `npm ci --prefix tests/e2e`"
    return None


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_without_tools() -> None:
    """Skip the calling module when a tool is missing, unless CI=true (then fail later)."""
    reason = missing_tools()
    if reason and not under_ci():
        pytest.skip(reason, allow_module_level=True)


def require_tools() -> None:
    """Under CI=true, fail each browser test when a tool is missing."""
    reason = missing_tools()
    if reason is not None:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
