"""Routes under /auth: register, login, logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import users
from ..login import TooManyAttempts, attempt_sign_in, sign_out
from ..ratelimit import count_registration
from .forms import LoginForm, RegisterForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (one leading '/', no scheme, host or backslash)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/register", methods=("GET", "POST"))
def register():
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        count_registration()
        try:
            users.create_user(
                form.username.data, form.password.data, current_app.config["BCRYPT_ROUNDS"]
            )
        except users.UsernameTaken:
            form.username.errors.append("That username is already taken.")
            status = 409
        else:
            flash("Your account is ready. Please sign in.", "success")
            return redirect(url_for("auth.login"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=("GET", "POST"))
def login():
    form = LoginForm()
    status = 200
    error = None
    if form.validate_on_submit():
        try:
            signed_in = attempt_sign_in(form.username.data, form.password.data, form.remember.data)
        except TooManyAttempts as e:
            page = render_template("auth/login.html", form=form, error=e.message)
            return page, 429, {"Retry-After": str(e.retry_after)}
        if signed_in:
            return redirect(safe_next(request.args.get("next")) or url_for("pages.user"))
        error, status = users.INCORRECT_LOGIN, 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sign_out(current_user)
        flash("You have signed out.", "info")
    return redirect(url_for("pages.index"))
