"""Who may open which pages: sign-in and role checks shared by the page blueprints.

Pages only check the role (which area of the site a person belongs to); what a person may see
or change inside it is decided by the services, so a business that guesses another
organization's record number gets the services' 404.
"""

from flask import abort, url_for
from flask_login import current_user

from ..extensions import login_manager


def actor():
    """The signed-in user as a plain object (services keep it, audit entries name it)."""
    if not current_user.is_authenticated:
        return None
    return current_user._get_current_object()


def require_roles(*roles: str):
    """For ``before_request``: anonymous visitors go to sign-in, other roles get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403, description=_not_allowed_text())
    return None


def _not_allowed_text() -> str:
    from flask_babel import gettext

    return gettext("Your account cannot open this page.")


def home_for(user) -> str:
    """Where a person lands after signing in: their area of the site."""
    if user is None or not getattr(user, "is_authenticated", False):
        return url_for("web.index")
    if user.role == "business":
        return url_for("web.portal.dashboard")
    if user.role == "inspector":
        return url_for("web.console.search")
    return url_for("web.admin.dashboard")
