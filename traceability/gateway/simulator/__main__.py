"""``python -m traceability.gateway.simulator --port 5001``; other settings from ``SIM_*``."""

import argparse

from .server import run_simulator, settings_from_env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the national gateway simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--database-url", help="overrides SIM_DATABASE_URL")
    arguments = parser.parse_args(argv)
    config = settings_from_env()
    if arguments.database_url:
        config["SIM_DATABASE_URL"] = arguments.database_url
    run_simulator(arguments.host, arguments.port, config)


if __name__ == "__main__":
    main()
