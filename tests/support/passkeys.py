"""What the passkey tests share: accounts and passkeys made through the one door, ceremonies
run as a browser session (`binding`) would, and the audit events they leave."""

from __future__ import annotations

from typing import Any

from flaskr.identity import (
    accounts,
    audit,
    ceremonies,
    clock,
    passkey_signin,
    sessions,
)
from flaskr.identity.audit import Actor
from flaskr.identity.settings import Settings
from tests.support.authenticator import SoftAuthenticator
from tests.support.web import PASSWORD

ORIGIN = "http://localhost:5000"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
ACTOR = Actor.self("198.51.100.7", CHROME)
BROWSER = "binding-of-this-browser"  # the token a browser session keeps (web.passkeys)
OTHER_BROWSER = "binding-of-another-browser"


class World:
    """The identity core with passkeys configured, seen from one browser session."""

    def __init__(self, rules: Settings, frozen: Any) -> None:
        self.rules = rules
        self.clock = frozen
        assert rules.relying_party is not None
        self.rp = rules.relying_party

    def account(self, username: str = "alice") -> dict:
        return accounts.create_account(username, PASSWORD, actor=ACTOR, settings=self.rules)

    def device(self, **kw: Any) -> SoftAuthenticator:
        return SoftAuthenticator(ORIGIN, **kw)

    def registration(self, user: dict, device: SoftAuthenticator, binding: str = BROWSER, **kw):
        """A new passkey's answer to fresh registration options (not yet sent)."""
        options = ceremonies.registration_options(self.rp, user, binding=binding, now=clock.now())
        return options, device.create(options, **kw)

    def add(
        self,
        user: dict,
        device: SoftAuthenticator,
        *,
        name: str | None = "Laptop",
        binding: str = BROWSER,
        **kw: Any,
    ) -> dict:
        """A passkey made on `device` and kept for `user` through the one door."""
        _, credential = self.registration(user, device, binding, **kw)
        return accounts.add_passkey(
            user, credential, name, binding=binding, actor=ACTOR, settings=self.rules
        )

    def options(self, purpose: str, user: dict | None = None, binding: str = BROWSER) -> dict:
        user_id = user["_id"] if user else None
        return ceremonies.request_options(
            self.rp, purpose, user_id=user_id, binding=binding, now=clock.now()
        )

    def assertion(self, device: SoftAuthenticator, purpose: str, user=None, **kw: Any) -> dict:
        """`device`'s answer to fresh options for `purpose` (and `user`), in this browser."""
        return device.get(self.options(purpose, user), **kw)

    def sign_in(self, credential: dict, binding: str = BROWSER, remember: bool = False):
        return passkey_signin.sign_in(
            credential, binding=binding, remember=remember, actor=ACTOR, settings=self.rules
        )

    def session_of(self, user: dict) -> dict:
        """A new session of `user`, as a password sign-in would start it."""
        _, record = sessions.create_session(
            user,
            ip=ACTOR.ip,
            user_agent=CHROME,
            remember=False,
            now=clock.now(),
            life=self.rules.lifetimes,
        )
        return record

    def reauthenticate(self, user: dict, session_id: str, credential: dict, binding=BROWSER):
        return passkey_signin.reauthenticate(
            user, session_id, credential, binding=binding, actor=ACTOR, settings=self.rules
        )

    def events(self, user: dict) -> list[str]:
        """The account's stored audit events, newest first."""
        return [e["event"] for e in audit.recent(user["_id"], now=clock.now(), limit=50)]
