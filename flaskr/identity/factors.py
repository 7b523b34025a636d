"""Second sign-in factors: what each one must answer, so the sign-in flow can ask for it.

A feature that adds a factor (an authenticator app, recovery codes, a passkey) implements
`Factor` and is registered with the app (`app.extensions["flaskr.factors"]`); `signin`
then asks for it after a right password, for every account the factor is `enrolled` for.
Built in: `totp.TotpFactor` (the authenticator app), `recovery_codes.RecoveryCodeFactor` and
`ceremonies.PasskeyFactor`, registered by the two_factor feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Refusal:
    """A factor's "no" that is worth an audit event of its own (a passkey whose sign count
    went back): as false as False, and `check_second_factor` records `event`."""

    event: str

    def __bool__(self) -> bool:
        return False


class Factor(Protocol):
    """One way to pass the second step of a sign-in."""

    # Short and stable: it names the method to API clients ("totp", "recovery_code").
    name: str

    def enrolled(self, user: dict[str, Any]) -> bool:
        """Whether this account uses the factor (then every sign-in asks for one factor)."""
        ...

    def verify(self, user: dict[str, Any], answer: str, now: datetime) -> bool | Refusal:
        """Whether `answer` passes this step for `user`; may use up the answer (single use)."""
        ...
