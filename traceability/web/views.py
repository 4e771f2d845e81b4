"""Site-wide pages: home, health probes, the API docs' static files, language switch.

``bp`` is the entry point of every page: the business portal (/portal), the inspector console
(/console) and the administration (/admin) are blueprints registered under it.
"""

import os
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, send_from_directory, session
from flask_login import current_user
from sqlalchemy import text

from ..accounts.views import safe_next
from ..extensions import db
from ..ratelimits import skip_limiter
from . import admin, console, display, portal
from .access import home_for

bp = Blueprint("web", __name__)
bp.register_blueprint(portal.bp)
bp.register_blueprint(console.bp)
bp.register_blueprint(admin.bp)

TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")


@bp.record_once
def _init(state) -> None:
    """Catalogues, template filters and helpers for every page."""
    app = state.app
    babel_config = app.extensions.get("babel")
    if babel_config is not None and TRANSLATIONS not in babel_config.translation_directories:
        babel_config.translation_directories.insert(0, TRANSLATIONS)
    display.install(app)


@bp.route("/")
def index():
    return render_template("index.html", home=home_for(current_user))


@bp.route("/lang/<code>")
def set_language(code):
    if code in ("vi", "en"):
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or "/")


@bp.route("/healthz")
def healthz():
    """The process is up (no database call: this is the cheapest request we serve)."""
    return {"status": "ok"}


skip_limiter(f"{bp.name}.healthz")


@bp.route("/readyz")
def readyz():
    """Ready to serve: the database answers and its schema is at the latest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_heads()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        return {"status": "unavailable", "database": f"unreachable: {type(error).__name__}"}, 503
    migrate_ext = current_app.extensions["migrate"]
    script = ScriptDirectory(migrate_ext.directory)
    expected = set(script.get_heads())
    if set(current) != expected:
        return {
            "status": "unavailable",
            "database": "reachable",
            "migrations": {"current": sorted(current), "expected": sorted(expected)},
            "detail": "Run 'flask --app wsgi db upgrade'.",
        }, 503
    return {"status": "ok", "database": "reachable", "migrations": sorted(current)}


@bp.route("/api/docs/static/<path:filename>")
def swagger_static(filename):
    """Swagger UI's files from the installed swagger-ui-bundle package (no CDN)."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - the package is in requirements.txt
        abort(404)
    return send_from_directory(Path(swagger_ui_path), filename, max_age=86400)
