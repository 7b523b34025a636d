"""Every sentence a person reads from flaskr's Python code, defined once.

The forms, the API and the error pages take their words from here, so one refusal is worded
the same way wherever it is met. Each is looked up in the message catalogue of the answer's
language (flaskr/translations/, README "Translations"): a sentence here is a lazy string,
translated when it is read; sentences with a number or a name are functions, translated when
called. (The templates' own headings and labels are marked in the templates.) Outside a
request, as on the command line, every sentence is in BABEL_DEFAULT_LOCALE (English).
"""

from __future__ import annotations

import math

from flask_babel import gettext, ngettext

# `_("...")`: a sentence looked up when it is read, in that answer's language; `pybabel
# extract` finds `_`, `gettext` and `ngettext` calls without being told.
from flask_babel import lazy_gettext as _

# Signing in.
INCORRECT_LOGIN = _(
    "Your login details are incorrect; please check the combination of your username and password."
)
SIGN_IN_REQUIRED = _("Please sign in to see that page.")
SIGNED_OUT = _("You have signed out.")


def signed_in(username: str) -> str:
    return gettext("Signed in as %(username)s.", username=username)


SECOND_STEP_EXPIRED = _("Your sign-in took too long to finish. Please sign in again.")
ENTER_CODE = _("Enter the code.")
WRONG_CODE = _("That code is not right. Check your authenticator app and try again.")
ENTER_RECOVERY_CODE = _("Enter one of your recovery codes.")
WRONG_RECOVERY_CODE = _("That recovery code is not right, or it has been used already.")
SEND_ONE_CODE = _("Send either code or recovery_code, not both.")


def signed_in_with_recovery_code(left: int) -> str:
    """After a sign-in with a recovery code: how many remain, and what to do when few do."""
    if left <= 2:
        return ngettext(
            "You signed in with a recovery code. You have %(num)d left. Make new ones now so "
            "you are not locked out.",
            "You signed in with a recovery code. You have %(num)d left. Make new ones now so "
            "you are not locked out.",
            left,
        )
    return ngettext(
        "You signed in with a recovery code. You have %(num)d left.",
        "You signed in with a recovery code. You have %(num)d left.",
        left,
    )


def _minutes(seconds: float) -> str:
    """A wait in whole minutes, rounded up: "1 minute", "15 minutes"."""
    return ngettext("%(num)d minute", "%(num)d minutes", max(1, math.ceil(seconds / 60)))


def too_many_attempts(retry_after: float) -> str:
    """The answer to a throttled attempt: the wait in whole minutes, rounded up."""
    return gettext(
        "Too many failed sign-in attempts. Please try again in %(wait)s.",
        wait=_minutes(retry_after),
    )


# Registration.
def welcome(username: str) -> str:
    return gettext(
        "Welcome, %(username)s. Your account is ready and you are signed in.", username=username
    )


USERNAME_TAKEN = _("That username is already taken.")
TOO_MANY_SIGN_INS = _("Too many sign-in attempts from your address. Please try again later.")


def too_many_registrations(retry_after: float) -> str:
    """Past the registration limit: the wait in whole minutes, rounded up."""
    return gettext(
        "Too many registrations from your address. Please try again in %(wait)s.",
        wait=_minutes(retry_after),
    )


CHOOSE_USERNAME = _("Choose a username.")
CHOOSE_PASSWORD = _("Choose a password.")
ENTER_USERNAME = _("Enter your username.")
ENTER_PASSWORD = _("Enter your password.")
USERNAME_TOO_LONG = _("That username is too long.")
PASSWORD_TOO_LONG = _("That password is too long.")


# The username and password policy (identity/policy.py).
def username_length(low: int, high: int) -> str:
    return gettext("Username must be %(low)d to %(high)d characters long.", low=low, high=high)


USERNAME_CHARACTERS = _("Username may contain only letters, digits, '.', '_' and '-'.")


def password_too_short(low: int) -> str:
    return ngettext(
        "Password must be at least %(num)d character long.",
        "Password must be at least %(num)d characters long.",
        low,
    )


def password_too_long(high: int) -> str:
    return ngettext(
        "Password must be at most %(num)d character long.",
        "Password must be at most %(num)d characters long.",
        high,
    )


PASSWORD_CONTROL = _("Password must not contain control characters.")
PASSWORD_UNREADABLE = _("Password contains characters that could not be read; check its encoding.")
PASSWORD_HAS_USERNAME = _("Password must not contain your username.")
PASSWORD_GUESSABLE = _("This password is too easy to guess.")


# What zxcvbn (identity/policy.py) says of a weak password, in its own English words; listed
# so that the catalogue has them, and looked up by that English text.
PASSWORD_FEEDBACK = (
    _("Use a few words, avoid common phrases."),
    _("No need for symbols, digits, or uppercase letters."),
    _("Add another word or two. Uncommon words are better."),
    _("Straight rows of keys are easy to guess."),
    _("Short keyboard patterns are easy to guess."),
    _("Use a longer keyboard pattern with more turns."),
    _('Repeats like "aaa" are easy to guess.'),
    _('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    _("Avoid repeated words and characters."),
    _('Sequences like "abc" or "6543" are easy to guess.'),
    _("Avoid sequences."),
    _("Recent years are easy to guess."),
    _("Avoid recent years."),
    _("Avoid years that are associated with you."),
    _("Dates are often easy to guess."),
    _("Avoid dates and years that are associated with you."),
    _("This is a top-10 common password."),
    _("This is a top-100 common password."),
    _("This is a very common password."),
    _("This is similar to a commonly used password."),
    _("A word by itself is easy to guess."),
    _("Names and surnames by themselves are easy to guess."),
    _("Common names and surnames are easy to guess."),
    _("Capitalization doesn't help very much."),
    _("All-uppercase is almost as easy to guess as all-lowercase."),
    _("Reversed words aren't much harder to guess."),
    _("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


def password_feedback(text: str) -> str:
    """zxcvbn's sentence `text` in the answer's language (itself when the catalogue lacks it)."""
    return gettext(text) if text else text


def username_hint(low: int, high: int) -> str:
    return gettext(
        "%(low)d to %(high)d characters: letters, digits, '.', '_' or '-'.", low=low, high=high
    )


def password_hint(low: int) -> str:
    return gettext(
        "At least %(low)d characters, not a common password and not your username. "
        "A long phrase is easier to remember and harder to guess.",
        low=low,
    )


# The account page.
ENTER_CURRENT_PASSWORD = _("Enter your current password.")
CHOOSE_NEW_PASSWORD = _("Choose a new password.")
CONFIRM_WITH_PASSWORD = _("Enter your password to confirm.")
WRONG_CURRENT_PASSWORD = _("That is not your current password.")


def _and_others_ended(done: str, others_ended: int) -> str:
    """`done`, and how many other sessions a change signed out (when any did)."""
    if not others_ended:
        return done
    ended = ngettext(
        "%(num)d other session signed out.", "%(num)d other sessions signed out.", others_ended
    )
    return f"{done} {ended}"


def password_changed(others_ended: int) -> str:
    return _and_others_ended(gettext("Your password has been changed."), others_ended)


def signed_out_others(ended: int) -> str:
    return ngettext(
        "Signed out %(num)d other session.", "Signed out %(num)d other sessions.", ended
    )


NO_SUCH_SESSION = _("You have no such session: it has ended, or it was never yours.")
SIGNED_OUT_THIS_DEVICE = _("You have signed out on this device.")
SESSION_SIGNED_OUT = _("That session has been signed out.")
ACCOUNT_DELETED = _("Your account and everything stored about it have been deleted.")

# Re-authentication and two-factor sign-in.
REAUTH_REQUIRED = _("Please confirm your password to make this change.")


def reauthenticated(minutes: float) -> str:
    return ngettext(
        "Thank you. For the next %(minutes)s minute you will not be asked again.",
        "Thank you. For the next %(minutes)s minutes you will not be asked again.",
        max(1, math.ceil(minutes)),
        minutes=format(minutes, "g"),
    )


TWO_FACTOR_ALREADY_ON = _(
    "Two-factor sign-in is already on. Turn it off first to set up another authenticator app."
)
TWO_FACTOR_NOT_ON = _("Two-factor sign-in is off.")
TWO_FACTOR_ON = _("Two-factor sign-in is on")
NEW_RECOVERY_CODES = _("New recovery codes")
TOTP_SETUP_GONE = _("That setup has expired or was replaced. Please start again.")
ENTER_CODE_OR_RECOVERY_CODE = _("Enter a code from your authenticator app, or a recovery code.")
TWO_FACTOR_ENROL = _(
    "Every account here signs in with two factors. Please set up an authenticator app or a "
    "passkey to continue."
)


def two_factor_off(others_ended: int) -> str:
    return _and_others_ended(str(TWO_FACTOR_NOT_ON), others_ended)


def few_recovery_codes(left: int) -> str:
    """The user page's warning when two or fewer recovery codes remain."""
    if left == 0:
        return gettext("You have no recovery codes left. Make new ones so you are not locked out.")
    return ngettext(
        "You have only %(num)d recovery code left. Make new ones so you are not locked out.",
        "You have only %(num)d recovery codes left. Make new ones so you are not locked out.",
        left,
    )


# Devices, as the session lists and notices name them (identity/devices.py).
UNKNOWN_DEVICE = _("Unknown device")


def device(browser: str, system: str) -> str:
    return gettext("%(browser)s on %(system)s", browser=browser, system=system)


# Passkeys.
PASSKEYS_UNAVAILABLE = _("Passkeys are not available on this site.")
PASSKEY_REFUSED = _("That passkey was not accepted.")
PASSKEY_EXPIRED = _("That took too long, or was tried already. Please try again.")
PASSKEY_EXISTS = _("That passkey is registered already.")
PASSKEY_NOT_FOUND = _("You have no such passkey.")
NO_PASSKEYS = _("You have no passkeys.")
PASSKEY_NAME_REQUIRED = _("Give the passkey a name.")
PASSKEY_NAME_CONTROL = _("A passkey's name must not contain control characters.")
PASSKEY_SIGN_IN_EXPIRED = _("No sign-in is waiting for a passkey. Please sign in again.")
# Said by the browser side (static/passkeys.js), which reads them from the page.
PASSKEY_CANCELLED = _("No passkey was used: the request was cancelled or timed out.")
PASSKEY_UNSUPPORTED = _("This browser cannot use passkeys here.")
PASSKEY_FAILED_TO_SEND = _(
    "The passkey could not be sent. Please check your connection and try again."
)


def passkey_name_too_long(longest: int) -> str:
    return ngettext(
        "A passkey's name may be at most %(num)d character long.",
        "A passkey's name may be at most %(num)d characters long.",
        longest,
    )


def too_many_passkeys(most: int) -> str:
    return ngettext(
        "You have %(num)d passkey already. Remove it to add another.",
        "You have %(num)d passkeys already. Remove one to add another.",
        most,
    )


def passkey_added(name: str) -> str:
    return gettext("The passkey “%(name)s” has been added.", name=name)


def passkey_renamed(name: str) -> str:
    return gettext("The passkey is now called “%(name)s”.", name=name)


def passkey_removed(name: str) -> str:
    return gettext("The passkey “%(name)s” has been removed. It no longer signs you in.", name=name)


# E-mail addresses, links and password resets.
EMAIL_INVALID = _("Enter a valid e-mail address, like name@example.com.")
EMAIL_REQUIRED = _("Enter your e-mail address.")
ENTER_EMAIL = _("Enter your e-mail address.")
RESET_LINK_SENT = _("If an account has that address, we have sent a link to it.")
LINK_INVALID = _(
    "This link cannot be used: it has already been used, a newer link or a new password has "
    "replaced it, or it has expired."
)
PASSWORD_RESET_DONE = _("Your password has been changed. Please sign in with your new password.")
EMAIL_CONFIRMED = _("Your e-mail address is confirmed.")
EMAIL_TAKEN = _("Another account uses that e-mail address now.")
EMAIL_UNCHANGED = _("That is already your e-mail address.")
EMAIL_REMOVED = _("Your e-mail address has been removed.")
NOTHING_TO_CONFIRM = _("No e-mail address is waiting to be confirmed.")
NO_EMAIL = _("Your account has no e-mail address.")
TOO_MANY_CONFIRMATIONS = _(
    "Too many confirmation e-mails for your account. Please try again later."
)


def confirmation_sent(address: str) -> str:
    return gettext(
        "We have sent a confirmation link to %(address)s. The address becomes yours when you "
        "follow it.",
        address=address,
    )


# E-mail messages (mail/; the layout is in templates/mail/). Link mails first.
MAIL_CONFIRM_SUBJECT = _("Confirm your e-mail address")
MAIL_RESET_SUBJECT = _("Reset your password")
MAIL_IGNORE = _("If it was not you, ignore this message: nothing changes unless the link is used.")


def mail_confirm(username: str, hours: float) -> str:
    return ngettext(
        "Someone, we hope you, asked to use this address for the account %(username)s. To "
        "confirm it, open this link within %(hours)s hour and press the button:",
        "Someone, we hope you, asked to use this address for the account %(username)s. To "
        "confirm it, open this link within %(hours)s hours and press the button:",
        max(1, math.ceil(hours)),
        username=username,
        hours=format(hours, "g"),
    )


def mail_reset(username: str, minutes: float) -> str:
    return ngettext(
        "Someone, we hope you, asked to reset the password of the account %(username)s. To "
        "choose a new one, open this link within %(minutes)s minute:",
        "Someone, we hope you, asked to reset the password of the account %(username)s. To "
        "choose a new one, open this link within %(minutes)s minutes:",
        max(1, math.ceil(minutes)),
        username=username,
        minutes=format(minutes, "g"),
    )


# Security notices: (subject, what happened). Each also says when, from where, and what to do.
NOTICES = {
    "new_device": (
        _("New sign-in to your account"),
        _("Your account {username} was signed in to from a device it had not used before."),
    ),
    "password_changed": (
        _("Your password was changed"),
        _("The password of your account {username} was changed."),
    ),
    "password_reset": (
        _("Your password was reset"),
        _(
            "The password of your account {username} was reset with a link sent to this address. "
            "Every device signed in to the account was signed out."
        ),
    ),
    "email_changed": (
        _("Your e-mail address was changed"),
        _(
            "Your account {username} now uses another e-mail address. This address will no "
            "longer receive its messages or password reset links."
        ),
    ),
    "email_removed": (
        _("Your e-mail address was removed"),
        _(
            "This address was removed from your account {username}. It will no longer receive "
            "its messages or password reset links."
        ),
    ),
    "email_claimed": (
        _("Someone tried to use your e-mail address"),
        _(
            "Someone asked to use this address, which belongs to your account {username}, for "
            "another account. Nothing was changed, and no link was sent to them."
        ),
    ),
    "passkey_added": (
        _("A passkey was added to your account"),
        _(
            "A passkey named “{passkey}” was added to your account {username}. It can sign in "
            "to the account without the password."
        ),
    ),
    "passkey_removed": (
        _("A passkey was removed from your account"),
        _(
            "The passkey “{passkey}” was removed from your account {username}: it no longer "
            "signs in to it."
        ),
    ),
    "locked": (
        _("Too many failed sign-ins to your account"),
        _(
            "There were too many failed attempts to sign in to your account {username}, so "
            "signing in to it is paused for a while."
        ),
    ),
}
NOTICE_NOT_YOU = _(
    "If this was not you, someone else may know your password: reset it now at the link "
    "below, and sign out the devices you do not know on your account page."
)
NOTICE_BY_ADMIN = _("an administrator (command line)")


# Form bodies.
FIELD_REPEATED = _("Send each field once.")
FIELD_NOT_TEXT = _("This field must be text.")

# Errors, for pages and the API.
FORM_EXPIRED = _("This form has expired. Please try again.")
UNAVAILABLE = _("The service is temporarily unavailable. Please try again shortly.")
INTERNAL_ERROR = _("Sorry, something went wrong on our side.")
NOT_SIGNED_IN = _("You are not signed in.")
NO_SUCH_ENDPOINT = _("There is no such API endpoint.")
METHOD_NOT_ALLOWED = _("This endpoint does not accept that method; see the Allow header.")
TOO_LARGE = _("The request body is too large.")
SEND_FORM = _("This page accepts form submissions only.")
SEND_JSON = _("Send a JSON body with Content-Type: application/json.")
INVALID_JSON = _("The body is not valid JSON.")
NOT_AN_OBJECT = _("The body must be a JSON object.")
INVALID_FIELDS = _("Some fields are missing or invalid.")
FIELD_REQUIRED = _("This field is required.")
UNKNOWN_FIELD = _("Unknown field.")
MUST_BE_STRING = _("Must be a string.")
MUST_BE_BOOLEAN = _("Must be true or false.")

# What an error page says, in plain words, when the error brings no message of its own.
PAGE_ERRORS = {
    400: _("This site could not understand what your browser sent. Go back and try again."),
    404: _("That page does not exist. Check the address, or use a link below."),
    405: _("That page cannot be opened this way. Use the site's own links and buttons."),
    413: _("What you sent is too large for this site. Go back and send less."),
}

ERROR_TITLES = {
    400: _("Bad request"),
    401: _("Not signed in"),
    403: _("Forbidden"),
    404: _("Page not found"),
    405: _("Not possible on this page"),
    409: _("Conflict"),
    413: _("Too much sent"),
    415: _("Unsupported request"),
    422: _("Invalid input"),
    429: _("Too many requests"),
    500: _("Something went wrong"),
    503: _("Temporarily unavailable"),
}

# What each audit event means, as "Recent activity" says it.
EVENTS = {
    "sign_in": _("Signed in"),
    "sign_in_failed": _("Failed sign-in (wrong password)"),
    "sign_in_throttled": _("Sign-in refused: too many failed attempts"),
    "password_confirmation_failed": _("Wrong password when confirming a change"),
    "account_locked": _("Sign-in locked after too many failed attempts"),
    "password_passed": _("Password right; second sign-in step asked"),
    "second_step_passed": _("Second sign-in step passed (code right)"),
    "second_step_failed": _("Failed second sign-in step (wrong code)"),
    "recovery_code_used": _("Recovery code used"),
    "sign_out": _("Signed out"),
    "account_created": _("Account created"),
    "password_changed": _("Password changed"),
    "session_revoked": _("Signed out a session"),
    "signed_out_everywhere": _("Signed out everywhere else"),
    "account_disabled": _("Account disabled"),
    "account_enabled": _("Account enabled"),
    "account_unlocked": _("Sign-in lockout lifted"),
    "account_deleted": _("Account deleted"),
    "two_factor_enabled": _("Two-factor sign-in turned on"),
    "two_factor_disabled": _("Two-factor sign-in turned off"),
    "recovery_codes_regenerated": _("New recovery codes made"),
    "two_factor_reset": _("Two-factor sign-in removed"),
    "reauthenticated": _("Identity confirmed for a sensitive change"),
    "email_change_requested": _("Asked to use a new e-mail address"),
    "email_confirmed": _("E-mail address confirmed"),
    "email_removed": _("E-mail address removed"),
    "email_claimed": _("Someone tried to use your e-mail address for another account"),
    "password_reset_requested": _("Password reset link sent"),
    "password_reset": _("Password reset through an e-mailed link"),
    "passkey_added": _("Passkey added"),
    "passkey_renamed": _("Passkey renamed"),
    "passkey_removed": _("Passkey removed"),
    "passkey_sign_in": _("Signed in with a passkey (no password)"),
    "passkey_failed": _("A passkey was refused"),
    "passkey_sign_count_went_back": _(
        "A passkey was refused: its use count went back, so it may have been copied"
    ),
}

# Who made a change, as "Recent activity" says it (actor "self" says nothing).
ACTORS = {"cli": _("by an administrator (command line)")}


def event(name: str) -> str:
    return str(EVENTS.get(name, name.replace("_", " ").capitalize()))


def actor(name: str | None) -> str:
    if not name or name == "self":
        return ""
    if name.startswith("admin:"):
        return gettext("by the administrator %(name)s", name=name.removeprefix("admin:"))
    return str(ACTORS.get(name) or gettext("by %(name)s", name=name))


# Roles and the admin area.
ROLE_NAME = _("A role is 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter.")
LAST_ADMIN = _(
    "That would leave no active administrator: grant the admin role to someone else first."
)
NOT_ALLOWED = _("Your account does not have the role this page needs.")

EVENTS.update({"role_granted": _("Role granted"), "role_revoked": _("Role revoked")})
EVENTS["language_changed"] = _("Language changed")
ADMIN_REAUTH = _(
    "Please confirm your password: admin actions need it given in the last few minutes."
)
ADMIN_BAD_TIME = _("Give a time as YYYY-MM-DDTHH:MM (UTC).")
ADMIN_TYPE_USERNAME = _("Type the account's username exactly to delete it.")
ADMIN_NO_SUCH_USER = _("No account has that username.")
ADMIN_NO_SUCH_SESSION = _("That session has ended already.")


def admin_disabled(username: str, ended: int) -> str:
    return ngettext(
        "%(username)s is disabled; %(num)d session ended.",
        "%(username)s is disabled; %(num)d sessions ended.",
        ended,
        username=username,
    )


def admin_sessions_ended(username: str, ended: int) -> str:
    return ngettext(
        "Ended %(num)d session of %(username)s.",
        "Ended %(num)d sessions of %(username)s.",
        ended,
        username=username,
    )


def admin_deleted(username: str) -> str:
    return gettext(
        "%(username)s and everything stored about the account have been deleted.",
        username=username,
    )


ADMIN_DONE = {
    "enabled": _("{username} may sign in again."),
    "unlocked": _("{username}'s failed sign-ins are forgotten: the lockout is lifted."),
    "session_ended": _("That session of {username} has ended."),
    "granted": _("{username} is now an administrator."),
    "revoked": _("{username} is no longer an administrator."),
    "not_changed": _("Nothing changed: {username} was already like that."),
    "factors_removed": _("{username}'s second factors are removed: the password alone signs in."),
    "reset_sent": _("A password reset link is on its way to {username}'s confirmed address."),
    "no_reset": _("No link sent: {username} has no confirmed address, or the account is disabled."),
}


def admin_done(what: str, username: str) -> str:
    """What an admin action did, said after it (`what`: a key of ADMIN_DONE)."""
    return str(ADMIN_DONE[what]).format(username=username)


# What stands between an account and a sign-in, as the admin lists show it (admin/people.py).
STATUSES = {
    "active": _("active"),
    "disabled": _("disabled"),
    "locked": _("locked"),
    "unconfirmed address": _("unconfirmed address"),
}


def status(name: str) -> str:
    return str(STATUSES.get(name, name))


ADMIN_BAD_CURSOR = _("That page link is not valid: start again from the newest events.")
ADMIN_BAD_FILTERS = _("Some filters are not valid: check them on the audit trail page.")


# The notices of what an administrator does to an account (mail/notices.py).
NOTICES.update(
    {
        "account_disabled": (
            _("Your account was disabled"),
            _(
                "Your account {username} was disabled by an administrator: it cannot be signed in "
                "to, and every device signed in to it was signed out."
            ),
        ),
        "account_enabled": (
            _("Your account was enabled again"),
            _(
                "Your account {username} was enabled again by an administrator: it can be signed "
                "in to."
            ),
        ),
        "account_unlocked": (
            _("The sign-in pause on your account was lifted"),
            _(
                "An administrator lifted the pause on signing in to your account {username} that "
                "too many failed attempts had caused."
            ),
        ),
        "two_factor_reset": (
            _("Two-factor sign-in was removed from your account"),
            _(
                "An administrator removed the authenticator app, recovery codes and passkeys of "
                "your account {username}: its password alone signs in now. Set up two-factor "
                "sign-in again on your account page."
            ),
        ),
        "sessions_ended": (
            _("Your account was signed out"),
            _("An administrator signed your account {username} out of one or more devices."),
        ),
        "role_granted": (
            _("Your account has a new role"),
            _("An administrator gave your account {username} the role {role}."),
        ),
        "role_revoked": (
            _("Your account lost a role"),
            _("An administrator took the role {role} from your account {username}."),
        ),
    }
)


def notice_by(actor: str) -> str:
    """Who made a change, as a notice says it: the command line, or an administrator by name."""
    if actor.startswith("admin:"):
        return gettext("the administrator %(name)s (admin area)", name=actor.removeprefix("admin:"))
    return str(NOTICE_BY_ADMIN)
