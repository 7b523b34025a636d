"""Devices: a person-readable name from a User-Agent header ("Firefox on Linux"), and the
hash under which an account remembers a browser's device id (web/devices.py sets that id)."""

from __future__ import annotations

import hashlib
import re

# How much of a User-Agent header is stored (sessions, audit events): enough to describe it.
USER_AGENT_MAX = 256


def hashed(device_id: str | None) -> str | None:
    """What an account keeps of a device id: its SHA-256 (the id itself is a credential of
    sorts: it spares the browser the new-device notice)."""
    if not device_id:
        return None
    return hashlib.sha256(device_id.encode("utf-8", "surrogatepass")).hexdigest()


def stored(user_agent: str | None) -> str:
    """The part of a User-Agent header that is kept: the first USER_AGENT_MAX characters."""
    return (user_agent or "")[:USER_AGENT_MAX]


# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/")),
    ("Safari", re.compile(r"Safari/")),
    ("curl", re.compile(r"^curl/")),
    ("Python", re.compile(r"python-requests|Python-urllib|httpx|aiohttp")),
]
_SYSTEMS = [
    ("Android", re.compile(r"Android")),
    ("iPhone", re.compile(r"iPhone")),
    ("iPad", re.compile(r"iPad")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Macintosh|Mac OS X")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
]


def describe(user_agent: str | None) -> str:
    """ "Browser on system", whichever parts are recognised, or "Unknown device"."""
    agent = user_agent or ""
    browser = next((name for name, rx in _BROWSERS if rx.search(agent)), None)
    system = next((name for name, rx in _SYSTEMS if rx.search(agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
