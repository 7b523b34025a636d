"""Who passkeys are made for: the relying party's ID and origin, from configuration only.

The origin is PUBLIC_URL's scheme, host and port; the RP ID is WEBAUTHN_RP_ID, or that host.
Neither is ever read from a request, so a forged Host header cannot make the server accept a
passkey made for another site (the trap of building them from `request.host`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class BadRelyingParty(ValueError):
    """PUBLIC_URL or WEBAUTHN_RP_ID cannot name a relying party."""


@dataclass(frozen=True)
class RelyingParty:
    """The site passkeys belong to: `id` (a domain), `origin` (as browsers send it), `name`."""

    id: str
    origin: str
    name: str

    @classmethod
    def from_config(cls, config: Any) -> RelyingParty | None:
        """The relying party PUBLIC_URL and WEBAUTHN_RP_ID name; None where browsers offer no
        passkeys (no PUBLIC_URL, an IP address, plain http on a host other than localhost).
        Raises BadRelyingParty for settings that contradict each other."""
        url = config.get("PUBLIC_URL")
        if not url:
            return None
        parts = urlsplit(str(url).strip())
        try:
            port = parts.port
        except ValueError:
            raise BadRelyingParty(f"PUBLIC_URL has a bad port: {url!r}") from None
        host = parts.hostname
        if parts.scheme not in DEFAULT_PORTS or not host:
            raise BadRelyingParty(f"PUBLIC_URL is not an http(s) address: {url!r}")
        rp_id = str(config.get("WEBAUTHN_RP_ID") or host).strip().lower().rstrip(".")
        if rp_id != host and not host.endswith("." + rp_id):
            # Browsers refuse an RP ID that is not the page's host or a domain above it.
            raise BadRelyingParty(f"WEBAUTHN_RP_ID {rp_id!r} is not {host!r} or a parent of it")
        if _is_address(rp_id) or not _secure(parts.scheme, host):
            return None
        origin = f"{parts.scheme}://{host}"
        if port is not None and port != DEFAULT_PORTS[parts.scheme]:
            origin += f":{port}"
        return cls(id=rp_id, origin=origin, name=str(config.get("WEBAUTHN_RP_NAME") or rp_id))


def _is_address(host: str) -> bool:
    """WebAuthn takes domains only: browsers refuse an IP address as RP ID."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _secure(scheme: str, host: str) -> bool:
    """Whether browsers treat the origin as secure: https, or http on localhost."""
    return scheme == "https" or host == "localhost" or host.endswith(".localhost")
