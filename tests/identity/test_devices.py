"""Device names people recognise, from the User-Agent header."""

from __future__ import annotations

import pytest

from flaskr.identity import devices
from tests.support.web import FIREFOX, IPHONE

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
EDGE_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (FIREFOX, "Firefox on Linux"),
        (IPHONE, "Safari on iPhone"),
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE_MAC, "Edge on macOS"),
        (CHROME_ANDROID, "Chrome on Android"),
        ("curl/8.5.0", "curl"),
        ("python-requests/2.32", "Python"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_devices_are_named(agent, device):
    assert devices.describe(agent) == device
