"""`make screenshots` in miniature: two pages, signed out and signed in, at both widths."""

from __future__ import annotations

import struct

import pytest

from docs import screenshots
from tests.e2e.browser import VIEWPORTS, skip_without_tools

skip_without_tools()
pytestmark = pytest.mark.realdb


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshots_are_taken_at_both_widths(tmp_path, real_server, capsys):
    assert (
        screenshots.main(["--out", str(tmp_path), "--mongo-uri", real_server, "login", "account"])
        == 0
    )
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "account-desktop.png",
        "account-phone.png",
        "login-desktop.png",
        "login-phone.png",
    ]
    for kind, viewport in VIEWPORTS.items():
        width, height = png_size((tmp_path / f"account-{kind}.png").read_bytes())
        # The whole page, as wide as the screen: nothing ran off it.
        assert width == viewport["width"]
        assert height >= viewport["height"]
    # The account page was taken signed in, with the seeded devices (bigger than a form).
    assert (tmp_path / "account-phone.png").stat().st_size > (
        tmp_path / "login-phone.png"
    ).stat().st_size
    assert str(tmp_path / "login-desktop.png") in capsys.readouterr().out


def test_an_unknown_page_is_refused(capsys):
    with pytest.raises(SystemExit):
        screenshots.main(["no-such-page"])
    assert "unknown page no-such-page" in capsys.readouterr().err
