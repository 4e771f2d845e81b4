"""A simulator of the national traceability gateway (GATEWAY.md): a real HTTP server holding
what it received, enforcing every rule of the protocol, and able to misbehave on request."""

from .app import create_simulator_app
from .server import RunningSimulator, run_simulator, serve_in_thread, settings_from_env

__all__ = [
    "RunningSimulator",
    "create_simulator_app",
    "run_simulator",
    "serve_in_thread",
    "settings_from_env",
]
