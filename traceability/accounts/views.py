"""Sign-in pages (session cookie, CSRF-protected forms)."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from ..extensions import db, limiter, login_manager
from . import services
from .models import User

bp = Blueprint("accounts_web", __name__)
login_manager.login_view = "accounts_web.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after sign-in is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("web.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    email = request.form.get("email", "")
    if request.method == "POST":
        user = services.check_password(email, request.form.get("password", ""))
        if user is None:
            flash(_("Email or password is not correct."), "error")
            return render_template("accounts/login.html", email=email), 401
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", email=email)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.index"))
