"""Every sentence a person reads from flaskr's Python code, defined once.

The forms, the API and the error pages take their words from here, so one refusal is worded
the same way wherever it is met, and a translation has one place to start from. Sentences
with a number are functions. (The templates' own headings and labels live in the templates.)
"""

from __future__ import annotations

import math

# Signing in.
INCORRECT_LOGIN = (
    "Your login details are incorrect; please check the combination of your username and password."
)
SIGN_IN_REQUIRED = "Please sign in to see that page."
SIGNED_OUT = "You have signed out."
SECOND_STEP_EXPIRED = "Your sign-in took too long to finish. Please sign in again."
ENTER_CODE = "Enter the code."
WRONG_CODE = "That code is not right. Check your authenticator app and try again."
ENTER_RECOVERY_CODE = "Enter one of your recovery codes."
WRONG_RECOVERY_CODE = "That recovery code is not right, or it has been used already."
SEND_ONE_CODE = "Send either code or recovery_code, not both."


def signed_in_with_recovery_code(left: int) -> str:
    """After a sign-in with a recovery code: how many remain, and what to do when few do."""
    text = f"You signed in with a recovery code. You have {left} left."
    return text + (" Make new ones now so you are not locked out." if left <= 2 else "")


def too_many_attempts(retry_after: float) -> str:
    """The answer to a throttled attempt: the wait in whole minutes, rounded up."""
    minutes = max(1, math.ceil(retry_after / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts. Please try again in {minutes} {unit}."


# Registration.
ACCOUNT_READY = "Your account is ready. Please sign in."
USERNAME_TAKEN = "That username is already taken."
TOO_MANY_REGISTRATIONS = "Too many registrations from your address. Please try again later."
CHOOSE_USERNAME = "Choose a username."
CHOOSE_PASSWORD = "Choose a password."  # noqa: S105 (a message)
ENTER_USERNAME = "Enter your username."
ENTER_PASSWORD = "Enter your password."  # noqa: S105 (a message)
USERNAME_TOO_LONG = "That username is too long."
PASSWORD_TOO_LONG = "That password is too long."  # noqa: S105 (a message)


# The username and password policy (identity/policy.py).
def username_length(low: int, high: int) -> str:
    return f"Username must be {low} to {high} characters long."


USERNAME_CHARACTERS = "Username may contain only letters, digits, '.', '_' and '-'."


def password_length(low: int, high: int) -> str:
    return f"Password must be {low} to {high} characters long."


PASSWORD_CONTROL = "Password must not contain control characters."  # noqa: S105
PASSWORD_UNREADABLE = "Password contains characters that could not be read; check its encoding."  # noqa: S105
PASSWORD_HAS_USERNAME = "Password must not contain your username."  # noqa: S105
PASSWORD_GUESSABLE = "This password is too easy to guess."  # noqa: S105


def username_hint(low: int, high: int) -> str:
    return f"{low} to {high} characters: letters, digits, '.', '_' or '-'."


def password_hint(low: int) -> str:
    return (
        f"At least {low} characters, not a common password and not your username. "
        "A long phrase is easier to remember and harder to guess."
    )


# The account page.
ENTER_CURRENT_PASSWORD = "Enter your current password."  # noqa: S105 (a message)
CHOOSE_NEW_PASSWORD = "Choose a new password."  # noqa: S105 (a message)
CONFIRM_WITH_PASSWORD = "Enter your password to confirm."  # noqa: S105 (a message)
WRONG_CURRENT_PASSWORD = "That is not your current password."  # noqa: S105 (a message)


def _and_others_ended(done: str, others_ended: int) -> str:
    """`done`, and how many other sessions a change signed out (when any did)."""
    if not others_ended:
        return done
    plural = "s" if others_ended != 1 else ""
    return f"{done} {others_ended} other session{plural} signed out."


def password_changed(others_ended: int) -> str:
    return _and_others_ended("Your password has been changed.", others_ended)


def signed_out_others(ended: int) -> str:
    return f"Signed out {ended} other session{'s' if ended != 1 else ''}."


SIGNED_OUT_THIS_DEVICE = "You have signed out on this device."
SESSION_SIGNED_OUT = "That session has been signed out."
ACCOUNT_DELETED = "Your account and everything stored about it have been deleted."

# Re-authentication and two-factor sign-in.
REAUTH_REQUIRED = "Please confirm your password to make this change."


def reauthenticated(minutes: float) -> str:
    return f"Thank you. For the next {minutes:g} minutes you will not be asked again."


TWO_FACTOR_ALREADY_ON = (
    "Two-factor sign-in is already on. Turn it off first to set up another authenticator app."
)
TWO_FACTOR_NOT_ON = "Two-factor sign-in is off."
TOTP_SETUP_GONE = "That setup has expired or was replaced. Please start again."
ENTER_CODE_OR_RECOVERY_CODE = "Enter a code from your authenticator app, or a recovery code."
TWO_FACTOR_ENROL = (
    "Every account here signs in with two factors. Please set up an authenticator app or a "
    "passkey to continue."
)


def two_factor_off(others_ended: int) -> str:
    return _and_others_ended("Two-factor sign-in is off.", others_ended)


def few_recovery_codes(left: int) -> str:
    """The user page's warning when two or fewer recovery codes remain."""
    if left == 0:
        return "You have no recovery codes left. Make new ones so you are not locked out."
    unit = "code" if left == 1 else "codes"
    return f"You have only {left} recovery {unit} left. Make new ones so you are not locked out."


# Passkeys.
PASSKEYS_UNAVAILABLE = "Passkeys are not available on this site."
PASSKEY_REFUSED = "That passkey was not accepted."
PASSKEY_EXPIRED = "That took too long, or was tried already. Please try again."
PASSKEY_EXISTS = "That passkey is registered already."
PASSKEY_NOT_FOUND = "You have no such passkey."
NO_PASSKEYS = "You have no passkeys."
PASSKEY_NAME_REQUIRED = "Give the passkey a name."
PASSKEY_NAME_CONTROL = "A passkey's name must not contain control characters."
PASSKEY_SIGN_IN_EXPIRED = "No sign-in is waiting for a passkey. Please sign in again."
# Said by the browser side (static/passkeys.js), which reads them from the page.
PASSKEY_CANCELLED = "No passkey was used: the request was cancelled or timed out."
PASSKEY_UNSUPPORTED = "This browser cannot use passkeys here."
PASSKEY_FAILED_TO_SEND = (
    "The passkey could not be sent. Please check your connection and try again."
)


def passkey_name_too_long(longest: int) -> str:
    return f"A passkey's name may be at most {longest} characters long."


def too_many_passkeys(most: int) -> str:
    return f"You have {most} passkeys already. Remove one to add another."


def passkey_added(name: str) -> str:
    return f"The passkey “{name}” has been added."


def passkey_renamed(name: str) -> str:
    return f"The passkey is now called “{name}”."


def passkey_removed(name: str) -> str:
    return f"The passkey “{name}” has been removed. It no longer signs you in."


# Form bodies.
FIELD_REPEATED = "Send each field once."
FIELD_NOT_TEXT = "This field must be text."

# Errors, for pages and the API.
UNAVAILABLE = "The service is temporarily unavailable. Please try again shortly."
INTERNAL_ERROR = "Sorry, something went wrong on our side."
NOT_SIGNED_IN = "You are not signed in."
NO_SUCH_ENDPOINT = "There is no such API endpoint."
METHOD_NOT_ALLOWED = "This endpoint does not accept that method; see the Allow header."
TOO_LARGE = "The request body is too large."
SEND_JSON = "Send a JSON body with Content-Type: application/json."
INVALID_JSON = "The body is not valid JSON."
NOT_AN_OBJECT = "The body must be a JSON object."
INVALID_FIELDS = "Some fields are missing or invalid."
FIELD_REQUIRED = "This field is required."
UNKNOWN_FIELD = "Unknown field."
MUST_BE_STRING = "Must be a string."
MUST_BE_BOOLEAN = "Must be true or false."

ERROR_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}

# What each audit event means, as "Recent activity" says it.
EVENTS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in (wrong password)",
    "sign_in_throttled": "Sign-in refused: too many failed attempts",
    "password_passed": "Password right; second sign-in step asked",
    "second_step_passed": "Second sign-in step passed (code right)",
    "second_step_failed": "Failed second sign-in step (wrong code)",
    "recovery_code_used": "Recovery code used",
    "sign_out": "Signed out",
    "account_created": "Account created",
    "password_changed": "Password changed",
    "session_revoked": "Signed out a session",
    "signed_out_everywhere": "Signed out everywhere else",
    "account_disabled": "Account disabled",
    "account_enabled": "Account enabled",
    "account_unlocked": "Sign-in lockout lifted",
    "account_deleted": "Account deleted",
    "two_factor_enabled": "Two-factor sign-in turned on",
    "two_factor_disabled": "Two-factor sign-in turned off",
    "recovery_codes_regenerated": "New recovery codes made",
    "two_factor_reset": "Two-factor sign-in removed",
    "reauthenticated": "Identity confirmed for a sensitive change",
    "passkey_added": "Passkey added",
    "passkey_renamed": "Passkey renamed",
    "passkey_removed": "Passkey removed",
    "passkey_sign_in": "Signed in with a passkey (no password)",
    "passkey_failed": "A passkey was refused",
    "passkey_sign_count_went_back": "A passkey was refused: its use count went back, so it may "
    "have been copied",
}

# Who made a change, as "Recent activity" says it (actor "self" says nothing).
ACTORS = {"cli": "by an administrator (command line)"}


def event(name: str) -> str:
    return EVENTS.get(name, name.replace("_", " ").capitalize())


def actor(name: str | None) -> str:
    if not name or name == "self":
        return ""
    if name.startswith("admin:"):
        return f"by the administrator {name.removeprefix('admin:')}"
    return ACTORS.get(name, f"by {name}")
