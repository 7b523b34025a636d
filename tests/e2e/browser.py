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

__all__ = ["AXE", "CHROMIUM_ARGS", "chromium_path", "expect", "skip_without_tools"]


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
