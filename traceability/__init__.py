"""The traceability registry service: ``create_app`` builds the Flask application."""

import importlib
import importlib.util
import logging
import os
import secrets

from flask import Flask, request

from . import config as config_module
from .database import configure_sqlite
from .errors import register_error_handlers
from .extensions import api, babel, csrf, db, limiter, login_manager, migrate
from .ratelimits import guard_limiter_hook


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides settings read from the environment."""
    app = Flask(__name__, instance_relative_config=True, template_folder="web/templates",
                static_folder="web/static")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    _ensure_secret_key(app)

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(config_module.PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    # Registered before the limiter's own hook, so that it runs after it (Flask runs these in
    # reverse): the limiter stamps Retry-After on every limited answer; only a refusal means it.
    app.after_request(_retry_after_only_on_refusals)
    limiter.init_app(app)
    guard_limiter_hook(app)
    babel.init_app(app, locale_selector=_select_locale)
    api.init_app(app)

    _import_models()
    _wire_gateway_outbox(app)
    register_error_handlers(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not app.debug and not app.testing and os.environ.get("FLASK_ENV") == "production":
        raise RuntimeError("SECRET_KEY must be set in the environment in production.")
    # Development: a key kept in instance/ so sessions survive restarts; never committed.
    key_file = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(key_file):
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(key_file) as handle:
        app.config["SECRET_KEY"] = handle.read().strip()
    logging.getLogger(__name__).info("SECRET_KEY not set; using the development key in %s",
                                     key_file)


def _retry_after_only_on_refusals(response):
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def _select_locale():
    from flask import session

    requested = request.args.get("lang")
    if requested in ("vi", "en"):
        return requested
    if session.get("lang") in ("vi", "en"):
        return session["lang"]
    return request.accept_languages.best_match(["vi", "en"]) or "vi"


# Each capability is a package; create_app wires what it provides, by convention:
#   models.py  its tables         routes.py  ``blp``: API blueprint under /api/v1
#   views.py   ``bp``: pages       cli.py     ``cli``: click group(s) for ``flask …``
CAPABILITIES = ("accounts", "registry", "events", "labels", "resolver", "oversight", "gateway",
                "web", "ops")
EXTRA_MODEL_MODULES = ("oversight.audit", "gateway.outbox")


def _capability_modules(name: str):
    """The capability modules called ``name`` that exist, imported."""
    for capability in CAPABILITIES:
        dotted = f"{__name__}.{capability}.{name}"
        if importlib.util.find_spec(dotted) is not None:
            yield importlib.import_module(dotted)


def _import_models() -> None:
    # Every model module is imported so that metadata (and Alembic) see all tables.
    list(_capability_modules("models"))
    for dotted in EXTRA_MODEL_MODULES:
        importlib.import_module(f"{__name__}.{dotted}")


def _wire_gateway_outbox(app: Flask) -> None:
    """Registry, event and oversight services queue their gateway messages through this."""
    if app.config.get("GATEWAY_ENABLED", True):
        from .gateway.outbox import enqueue_record, enqueue_records

        app.extensions["gateway_outbox"] = enqueue_record
        app.extensions["gateway_outbox_many"] = enqueue_records


def _register_blueprints(app: Flask) -> None:
    from .apiutil import RecordIdConverter

    app.url_map.converters["int"] = RecordIdConverter
    for module in _capability_modules("routes"):
        blueprint = module.blp
        api.register_blueprint(blueprint)
        # The API authenticates with bearer keys, never cookies, so only pages need CSRF.
        csrf.exempt(blueprint)
    for module in _capability_modules("views"):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _template_helpers():
        from flask_babel import get_locale

        return {"current_locale": lambda: str(get_locale() or "vi")}


def _register_cli(app: Flask) -> None:
    from .demo import cli as demo_cli

    for module in _capability_modules("cli"):
        groups = module.cli if isinstance(module.cli, tuple | list) else (module.cli,)
        for group in groups:
            app.cli.add_command(group)
    app.cli.add_command(demo_cli)
