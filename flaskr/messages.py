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


def signed_in(username: str) -> str:
    return f"Signed in as {username}."


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


def _minutes(seconds: float) -> str:
    """A wait in whole minutes, rounded up: "1 minute", "15 minutes"."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def too_many_attempts(retry_after: float) -> str:
    """The answer to a throttled attempt: the wait in whole minutes, rounded up."""
    return f"Too many failed sign-in attempts. Please try again in {_minutes(retry_after)}."


# Registration.
def welcome(username: str) -> str:
    return f"Welcome, {username}. Your account is ready and you are signed in."


USERNAME_TAKEN = "That username is already taken."
TOO_MANY_SIGN_INS = "Too many sign-in attempts from your address. Please try again later."


def too_many_registrations(retry_after: float) -> str:
    """Past the registration limit: the wait in whole minutes, rounded up."""
    return f"Too many registrations from your address. Please try again in {_minutes(retry_after)}."


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


def password_too_short(low: int) -> str:
    return f"Password must be at least {low} characters long."


def password_too_long(high: int) -> str:
    return f"Password must be at most {high} characters long."


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


NO_SUCH_SESSION = "You have no such session: it has ended, or it was never yours."
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


# E-mail addresses, links and password resets.
EMAIL_INVALID = "Enter a valid e-mail address, like name@example.com."
EMAIL_REQUIRED = "Enter your e-mail address."
ENTER_EMAIL = "Enter your e-mail address."
RESET_LINK_SENT = "If an account has that address, we have sent a link to it."
LINK_INVALID = (
    "This link cannot be used: it has already been used, a newer link or a new password has "
    "replaced it, or it has expired."
)
PASSWORD_RESET_DONE = "Your password has been changed. Please sign in with your new password."  # noqa: S105
EMAIL_CONFIRMED = "Your e-mail address is confirmed."
EMAIL_TAKEN = "Another account uses that e-mail address now."
EMAIL_UNCHANGED = "That is already your e-mail address."
EMAIL_REMOVED = "Your e-mail address has been removed."
NOTHING_TO_CONFIRM = "No e-mail address is waiting to be confirmed."
NO_EMAIL = "Your account has no e-mail address."
TOO_MANY_CONFIRMATIONS = "Too many confirmation e-mails for your account. Please try again later."


def confirmation_sent(address: str) -> str:
    return (
        f"We have sent a confirmation link to {address}. The address becomes yours when you "
        "follow it."
    )


# E-mail messages (mail/; the layout is in templates/mail/). Link mails first.
MAIL_CONFIRM_SUBJECT = "Confirm your e-mail address"
MAIL_RESET_SUBJECT = "Reset your password"
MAIL_IGNORE = "If it was not you, ignore this message: nothing changes unless the link is used."


def mail_confirm(username: str, hours: float) -> str:
    return (
        f"Someone, we hope you, asked to use this address for the account {username}. To "
        f"confirm it, open this link within {hours:g} hours and press the button:"
    )


def mail_reset(username: str, minutes: float) -> str:
    return (
        f"Someone, we hope you, asked to reset the password of the account {username}. To "
        f"choose a new one, open this link within {minutes:g} minutes:"
    )


# Security notices: (subject, what happened). Each also says when, from where, and what to do.
NOTICES = {
    "new_device": (
        "New sign-in to your account",
        "Your account {username} was signed in to from a device it had not used before.",
    ),
    "password_changed": (
        "Your password was changed",
        "The password of your account {username} was changed.",
    ),
    "password_reset": (
        "Your password was reset",
        "The password of your account {username} was reset with a link sent to this address. "
        "Every device signed in to the account was signed out.",
    ),
    "email_changed": (
        "Your e-mail address was changed",
        "Your account {username} now uses another e-mail address. This address will no "
        "longer receive its messages or password reset links.",
    ),
    "email_removed": (
        "Your e-mail address was removed",
        "This address was removed from your account {username}. It will no longer receive "
        "its messages or password reset links.",
    ),
    "email_claimed": (
        "Someone tried to use your e-mail address",
        "Someone asked to use this address, which belongs to your account {username}, for "
        "another account. Nothing was changed, and no link was sent to them.",
    ),
    "passkey_added": (
        "A passkey was added to your account",
        "A passkey named “{passkey}” was added to your account {username}. It can sign in to "
        "the account without the password.",
    ),
    "passkey_removed": (
        "A passkey was removed from your account",
        "The passkey “{passkey}” was removed from your account {username}: it no longer signs "
        "in to it.",
    ),
    "locked": (
        "Too many failed sign-ins to your account",
        "There were too many failed attempts to sign in to your account {username}, so "
        "signing in to it is paused for a while.",
    ),
}
NOTICE_NOT_YOU = (
    "If this was not you, someone else may know your password: reset it now at the link "
    "below, and sign out the devices you do not know on your account page."
)
NOTICE_BY_ADMIN = "an administrator (command line)"


# Form bodies.
FIELD_REPEATED = "Send each field once."
FIELD_NOT_TEXT = "This field must be text."

# Errors, for pages and the API.
FORM_EXPIRED = "This form has expired. Please try again."
UNAVAILABLE = "The service is temporarily unavailable. Please try again shortly."
INTERNAL_ERROR = "Sorry, something went wrong on our side."
NOT_SIGNED_IN = "You are not signed in."
NO_SUCH_ENDPOINT = "There is no such API endpoint."
METHOD_NOT_ALLOWED = "This endpoint does not accept that method; see the Allow header."
TOO_LARGE = "The request body is too large."
SEND_FORM = "This page accepts form submissions only."
SEND_JSON = "Send a JSON body with Content-Type: application/json."
INVALID_JSON = "The body is not valid JSON."
NOT_AN_OBJECT = "The body must be a JSON object."
INVALID_FIELDS = "Some fields are missing or invalid."
FIELD_REQUIRED = "This field is required."
UNKNOWN_FIELD = "Unknown field."
MUST_BE_STRING = "Must be a string."
MUST_BE_BOOLEAN = "Must be true or false."

# What an error page says, in plain words, when the error brings no message of its own.
PAGE_ERRORS = {
    400: "This site could not understand what your browser sent. Go back and try again.",
    404: "That page does not exist. Check the address, or use a link below.",
    405: "That page cannot be opened this way. Use the site's own links and buttons.",
    413: "What you sent is too large for this site. Go back and send less.",
}

ERROR_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Page not found",
    405: "Not possible on this page",
    409: "Conflict",
    413: "Too much sent",
    415: "Unsupported request",
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
    "password_confirmation_failed": "Wrong password when confirming a change",
    "account_locked": "Sign-in locked after too many failed attempts",
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
    "email_change_requested": "Asked to use a new e-mail address",
    "email_confirmed": "E-mail address confirmed",
    "email_removed": "E-mail address removed",
    "email_claimed": "Someone tried to use your e-mail address for another account",
    "password_reset_requested": "Password reset link sent",
    "password_reset": "Password reset through an e-mailed link",
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


# Roles and the admin area.
ROLE_NAME = "A role is 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter."
LAST_ADMIN = "That would leave no active administrator: grant the admin role to someone else first."
NOT_ALLOWED = "Your account does not have the role this page needs."

EVENTS.update({"role_granted": "Role granted", "role_revoked": "Role revoked"})
ADMIN_REAUTH = "Please confirm your password: admin actions need it given in the last few minutes."
ADMIN_BAD_TIME = "Give a time as YYYY-MM-DDTHH:MM (UTC)."
ADMIN_TYPE_USERNAME = "Type the account's username exactly to delete it."
ADMIN_NO_SUCH_USER = "No account has that username."
ADMIN_NO_SUCH_SESSION = "That session has ended already."


def admin_disabled(username: str, ended: int) -> str:
    plural = "" if ended == 1 else "s"
    return f"{username} is disabled; {ended} session{plural} ended."


def admin_sessions_ended(username: str, ended: int) -> str:
    return f"Ended {ended} session{'' if ended == 1 else 's'} of {username}."


def admin_deleted(username: str) -> str:
    return f"{username} and everything stored about the account have been deleted."


ADMIN_DONE = {
    "enabled": "{username} may sign in again.",
    "unlocked": "{username}'s failed sign-ins are forgotten: the lockout is lifted.",
    "session_ended": "That session of {username} has ended.",
    "granted": "{username} is now an administrator.",
    "revoked": "{username} is no longer an administrator.",
    "not_changed": "Nothing changed: {username} was already like that.",
    "factors_removed": "{username}'s second factors are removed: the password alone signs in.",
    "reset_sent": "A password reset link is on its way to {username}'s confirmed address.",
    "no_reset": "No link sent: {username} has no confirmed address, or the account is disabled.",
}


def admin_done(what: str, username: str) -> str:
    """What an admin action did, said after it (`what`: a key of ADMIN_DONE)."""
    return ADMIN_DONE[what].format(username=username)


ADMIN_BAD_CURSOR = "That page link is not valid: start again from the newest events."
ADMIN_BAD_FILTERS = "Some filters are not valid: check them on the audit trail page."


# The notices of what an administrator does to an account (mail/notices.py).
NOTICES.update(
    {
        "account_disabled": (
            "Your account was disabled",
            "Your account {username} was disabled by an administrator: it cannot be signed in "
            "to, and every device signed in to it was signed out.",
        ),
        "account_enabled": (
            "Your account was enabled again",
            "Your account {username} was enabled again by an administrator: it can be signed "
            "in to.",
        ),
        "account_unlocked": (
            "The sign-in pause on your account was lifted",
            "An administrator lifted the pause on signing in to your account {username} that "
            "too many failed attempts had caused.",
        ),
        "two_factor_reset": (
            "Two-factor sign-in was removed from your account",
            "An administrator removed the authenticator app, recovery codes and passkeys of your "
            "account {username}: its password alone signs in now. Set up two-factor sign-in again "
            "on your account page.",
        ),
        "sessions_ended": (
            "Your account was signed out",
            "An administrator signed your account {username} out of one or more devices.",
        ),
        "role_granted": (
            "Your account has a new role",
            "An administrator gave your account {username} the role {role}.",
        ),
        "role_revoked": (
            "Your account lost a role",
            "An administrator took the role {role} from your account {username}.",
        ),
    }
)


def notice_by(actor: str) -> str:
    """Who made a change, as a notice says it: the command line, or an administrator by name."""
    if actor.startswith("admin:"):
        return f"the administrator {actor.removeprefix('admin:')} (admin area)"
    return NOTICE_BY_ADMIN
