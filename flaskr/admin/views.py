"""The admin area's pages: the first page, the users list, one user, the enrol notice."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from .. import messages
from ..identity import users
from ..web import own, stepup
from . import dashboard, guard, people
from .forms import DeleteUserForm, SearchForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(guard.check)


@bp.get("")
def index():
    return render_template("admin/index.html", overview=dashboard.overview())


@bp.get("/enrol")
def enrol():
    """Why the admin area needs a second factor, and how to get one."""
    return render_template("admin/enrol.html", second_factor_setup=stepup.enrol_url())


@bp.get("/users")
def users_list():
    form = SearchForm(request.args)
    if not form.validate():
        return render_template("admin/users.html", form=form, page=None), 400
    found = people.page(
        form.q.data or "",
        by=form.by.data,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render_template("admin/users.html", form=form, page=found)


def user_page(user_id: str, delete_form: DeleteUserForm | None = None, status: int = 200):
    """One account's page: its facts, sessions, story and actions."""
    user = people.user_or_404(user_id)
    [row] = people.rows([user])
    page = render_template(
        "admin/user.html",
        user=row,
        is_admin=users.ADMIN in row.roles,
        sessions=own.session_rows(user["_id"]),
        events=people.story(user["_id"]),
        delete_form=delete_form or DeleteUserForm(user["username"], formdata=None),
        last_admin=messages.LAST_ADMIN,
    )
    return page, status


@bp.get("/users/<user_id>")
def user(user_id: str):
    return user_page(user_id)
