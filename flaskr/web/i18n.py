"""The language of each answer: the footer's switch (a cookie), else the browser's
Accept-Language, else the default; Flask-Babel looks every sentence up in that language.

The catalogues are flaskr/translations/<code>/LC_MESSAGES/messages.po, compiled to .mo by
`make` (README, "Translations"). A signed-in person's switch also becomes their account's
language, the one their mail is written in.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request
from flask_babel import get_locale
from flask_login import current_user

from ..extensions import babel
from ..identity import accounts
from .context import account, actor, settings
from .paths import safe_next

bp = Blueprint("i18n", __name__)

COOKIE = "lang"
# Browsers keep a cookie at most 400 days; the choice lasts as long as they allow.
COOKIE_DAYS = 400
# Each language named in itself, as the switch offers it.
NAMES = {"en": "English", "nl": "Nederlands", "de": "Deutsch"}


def languages() -> tuple[str, ...]:
    """The language codes this site offers (LANGUAGES)."""
    return tuple(str(code) for code in current_app.config["LANGUAGES"])


def chosen(value: object) -> str | None:
    """`value` if it is the code of an offered language, else None (a cookie is client data)."""
    return value if isinstance(value, str) and value in languages() else None


def select_locale() -> str | None:
    """The switch's cookie, else the best of Accept-Language; None: BABEL_DEFAULT_LOCALE."""
    if not has_request_context():
        return None  # the command line: the default
    return chosen(request.cookies.get(COOKIE)) or request.accept_languages.best_match(languages())


def current() -> str:
    """The code of the language this answer is in ("en", "nl", "de")."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


@bp.post("/language")
def switch():
    """Remember the chosen language in a cookie (and on the account), then go back."""
    back = safe_next(request.form.get("next")) or "/"
    answer = redirect(back, 303)
    # One code, from the list: a repeated or unknown field changes nothing.
    asked = request.form.getlist("lang")
    language = chosen(asked[0]) if len(asked) == 1 else None
    if language is None:
        return answer  # an unknown code changes nothing
    answer.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_DAYS * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    if current_user.is_authenticated:
        accounts.set_language(account(current_user), language, actor=actor(), settings=settings())
    return answer


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # {% trans %} blocks fold their line breaks, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.register_blueprint(bp)
    # `html lang`, and the footer's switch: where the page is and what it may offer.
    app.context_processor(
        lambda: {
            "language": current(),
            "languages": [(code, NAMES.get(code, code)) for code in languages()],
        }
    )
