"""Serving the simulator: a blocking runner, and a background server for tests and demos."""

import os
import threading
from collections.abc import Mapping

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_simulator_app
from .state import EXTENSION_KEY


def settings_from_env(environ: Mapping[str, str] = os.environ) -> dict:
    """Simulator config from ``SIM_*`` variables (``SIM_CLIENTS`` as ``id:secret,…``).

    Without ``SIM_CLIENTS``, the main application's ``GATEWAY_CLIENT_ID`` and
    ``GATEWAY_CLIENT_SECRET`` become the one known client, so the two agree by default.
    """
    config: dict = {}
    for name in ("SIM_DATABASE_URL", "SIM_DATABASE_SCHEMA", "SIM_ADMIN_TOKEN"):
        if environ.get(name):
            config[name] = environ[name]
    for name in ("SIM_TOKEN_TTL", "SIM_RATE_LIMIT", "SIM_AUTO_ACTIVATE_AFTER"):
        if environ.get(name):
            config[name] = float(environ[name])
    if environ.get("SIM_FAULT_SEED"):
        config["SIM_FAULT_SEED"] = int(environ["SIM_FAULT_SEED"])
    if environ.get("SIM_CLIENTS"):
        pairs = (item.partition(":") for item in environ["SIM_CLIENTS"].split(","))
        config["SIM_CLIENTS"] = {name.strip(): secret for name, _, secret in pairs if name}
    elif environ.get("GATEWAY_CLIENT_ID") and environ.get("GATEWAY_CLIENT_SECRET"):
        config["SIM_CLIENTS"] = {environ["GATEWAY_CLIENT_ID"]: environ["GATEWAY_CLIENT_SECRET"]}
    return config


def run_simulator(host: str = "127.0.0.1", port: int = 5001, config: dict | None = None) -> None:
    """Serve the simulator until interrupted (threaded). ``config=None`` reads ``SIM_*``."""
    app = create_simulator_app(settings_from_env() if config is None else config)
    server = make_server(host, port, app, threaded=True)
    print(f" * Gateway simulator on http://{host}:{server.port} (admin: /_sim/state)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions[EXTENSION_KEY].close()


class RunningSimulator:
    """A simulator served from a background thread; ``url`` is its base URL."""

    def __init__(self, app: Flask, server: BaseWSGIServer) -> None:
        self.app = app
        self.server = server
        self.url = f"http://{server.host}:{server.port}"
        self._thread = threading.Thread(target=server.serve_forever, name="gateway-simulator",
                                        daemon=True)
        self._thread.start()

    @property
    def simulator(self):
        """The in-process state (database, faults, settings) behind the app."""
        return self.app.extensions[EXTENSION_KEY]

    def stop(self) -> None:
        """Stop listening (clients then get connection refused) and release the database."""
        self.simulator.faults.clear()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
        self.simulator.close()


def serve_in_thread(config: dict | None = None, *, host: str = "127.0.0.1", port: int = 0,
                    app: Flask | None = None) -> RunningSimulator:
    """Start a threaded simulator on ``port`` (0: any free port) and return at once."""
    app = app or create_simulator_app(config)
    return RunningSimulator(app, make_server(host, port, app, threaded=True))
