"""Sign-in, self-registration of a business and password reset (session cookie, CSRF-protected
forms). Pages land each person in their own area: businesses in the portal, inspectors in the
console, administrators in the administration."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import ServiceError
from ..extensions import db, limiter, login_manager
from . import services
from .models import User

bp = Blueprint("accounts_web", __name__)
login_manager.login_view = "accounts_web.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


@login_manager.unauthorized_handler
def _unauthorized():
    flash(_("Please sign in to open this page."), "info")
    return redirect(url_for("accounts_web.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str | None:
    # Only local paths: an open redirect after sign-in is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and not urlsplit(target).netloc:
        return target
    return None


def _home(user) -> str:
    from ..web.access import home_for

    return home_for(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    email = request.form.get("email", "")
    if request.method == "POST":
        user = services.check_password(email, request.form.get("password", ""))
        if user is None:
            return render_template("accounts/login.html", email=email,
                                   error=_("Email or password is not correct.")), 401
        login_user(user, remember=bool(request.form.get("remember")))
        if "next" in request.args:
            return redirect(safe_next(request.args["next"]) or url_for("web.index"))
        return redirect(_home(user))
    if current_user.is_authenticated and not request.args.get("next"):
        return redirect(_home(current_user))
    return render_template("accounts/login.html", email=email, error=None)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.index"))


# --------------------------------------------------------------------------- registration

REGISTRATION_SPEC = {
    "name": "str", "tax_code": "str", "kind": "choice", "address": "str", "province": "str",
    "gs1_company_prefixes": "list,", "gln": "str", "phone": "str", "account_email": "str",
}


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    """A business registers itself and its account; an administrator approves it."""
    from ..registry import services as registry
    from ..registry.schemas import OrganizationInput
    from ..web import formkit

    form = formkit.Form(values={"kind": "cooperative"})
    status = 200
    if request.method == "POST":
        form = formkit.Form.from_request()
        formkit.require_fields(form, {"name": 1, "tax_code": 1, "kind": 1, "address": 1,
                                      "province": 1, "account_email": 1, "password": 1})
        password = request.form.get("password", "")
        if password and len(password) < services.MIN_PASSWORD_LENGTH:
            form.errors.setdefault("password", []).append(
                _("Use at least %(min)s characters.", min=services.MIN_PASSWORD_LENGTH))
        if password != request.form.get("password_confirm", ""):
            form.errors.setdefault("password_confirm", []).append(
                _("The two passwords are not the same."))
        form.values.pop("password", None)
        form.values.pop("password_confirm", None)
        data = formkit.payload(form, REGISTRATION_SPEC)
        if not data.get("gln", "").strip():
            data["gln"] = None
        try:
            loaded = registry.load(OrganizationInput, data)
            if form.errors:
                raise _Stop()
            organization, api_key = registry.create_organization(None, loaded)
            user = services.get_user_by_email(loaded["account_email"].strip())
            services.set_password(user, password, actor=user)
            db.session.commit()
            return render_template("accounts/registered.html", organization=organization,
                                   email=user.email, api_key=api_key), 201
        except _Stop:
            status = 422
        except ServiceError as error:
            db.session.rollback()
            already = {name for name, texts in form.errors.items() if texts}
            status = formkit.apply_error(form, error, conflict_field=_conflict_field(error))
            for name in already:
                form.errors[name] = form.errors[name][:1]
            if form.errors and status not in (409, 422):
                status = 422
        form.values.pop("csrf_token", None)
    return render_template("accounts/register.html", form=form), status


class _Stop(Exception):
    """The page's own checks failed; the schema's were collected too."""


def _conflict_field(error) -> str | None:
    detail = getattr(error, "detail", "")
    if "tax code" in detail:
        return "tax_code"
    if "account for" in detail:
        return "account_email"
    if "Company prefix" in detail:
        return "gs1_company_prefixes"
    if "GLN" in detail:
        return "gln"
    return None


# --------------------------------------------------------------------------- password reset


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the email has an account."""
    from ..web import people

    if request.method == "POST":
        email = request.form.get("email", "").strip()
        user = services.get_user_by_email(email) if email else None
        if user is not None and user.active:
            people.send_reset_mail(user)
        return render_template("accounts/forgot_sent.html", email=email)
    return render_template("accounts/forgot.html", email="")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token):
    from ..web import formkit, passwords

    user = passwords.user_for_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = formkit.Form()
    status = 200
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password_confirm", ""):
            form.errors["password_confirm"] = [_("The two passwords are not the same.")]
        try:
            services.set_password(user, password, actor=user)
            if form.errors:
                raise _Stop()
            db.session.commit()
            logout_user()
            flash(_("Your password is changed. Sign in with it now."), "success")
            return redirect(url_for("accounts_web.login"), 303)
        except _Stop:
            db.session.rollback()
            status = 422
        except ServiceError as error:
            db.session.rollback()
            status = formkit.apply_error(form, error)
    return render_template("accounts/reset.html", form=form, email=user.email), status
