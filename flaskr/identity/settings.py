"""The identity core's settings, read from the app's config by the doors and handed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .factors import Factor
from .policy import Policy
from .relying_party import RelyingParty
from .secrets_box import Keyring
from .sessions import Lifetimes
from .throttle import Limits


@dataclass(frozen=True)
class Settings:
    """Everything the rules need to know about this deployment."""

    policy: Policy
    rounds: int
    lifetimes: Lifetimes
    limits: Limits
    audit_retention: timedelta
    pending_lifetime: timedelta = timedelta(minutes=5)
    factors: tuple[Factor, ...] = ()
    # Two-factor sign-in: the keys that seal authenticator secrets (None: none configured).
    keys: Keyring | None = None
    recovery_codes: int = 10
    totp_issuer: str = "flaskr"
    reauth_within: timedelta = timedelta(minutes=10)
    # Passkeys: the site they belong to (None: not configured, so none are offered).
    relying_party: RelyingParty | None = None
    email_required: bool = False
    sign_in_with_email: bool = True
    confirm_lifetime: timedelta = timedelta(hours=24)
    reset_lifetime: timedelta = timedelta(minutes=60)
    # Live sessions per account; a new sign-in past it ends the oldest.
    max_sessions: int = 50
    # The languages an account may choose for its mail (the shipped catalogues).
    languages: tuple[str, ...] = ("en",)

    @classmethod
    def from_config(
        cls, config: Any, factors: Sequence[Factor] = (), keys: Keyring | None = None
    ) -> Settings:
        return cls(
            policy=Policy.from_config(config),
            rounds=int(config["BCRYPT_ROUNDS"]),
            lifetimes=Lifetimes.from_config(config),
            limits=Limits.from_config(config),
            audit_retention=timedelta(days=int(config["AUDIT_RETENTION_DAYS"])),
            factors=tuple(factors),
            keys=keys,
            recovery_codes=int(config["RECOVERY_CODES"]),
            totp_issuer=str(config["TOTP_ISSUER"]),
            reauth_within=timedelta(minutes=float(config["REAUTH_MINUTES"])),
            relying_party=RelyingParty.from_config(config),
            email_required=bool(config["EMAIL_REQUIRED"]),
            sign_in_with_email=bool(config["SIGN_IN_WITH_EMAIL"]),
            confirm_lifetime=timedelta(hours=float(config["EMAIL_CONFIRM_HOURS"])),
            reset_lifetime=timedelta(minutes=float(config["RESET_MINUTES"])),
            max_sessions=int(config["SESSION_MAX_PER_USER"]),
            languages=tuple(str(code) for code in config["LANGUAGES"]),
        )

    def factor(self, name: str) -> Factor | None:
        return next((f for f in self.factors if f.name == name), None)
