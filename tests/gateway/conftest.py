"""A real simulator over HTTP for the whole session, reset before every test.

With ``TEST_DATABASE_URL`` set, the simulator keeps its tables in a PostgreSQL schema of this
run's own (dropped at the end); otherwise in a SQLite file under pytest's tmp folder.
"""

import os
import secrets
from collections.abc import Iterator

import httpx
import pytest

from traceability.gateway.client import GatewayClient
from traceability.gateway.simulator import RunningSimulator, serve_in_thread
from traceability.gateway.simulator.database import SimulatorDatabase

from . import sample

CLIENT_ID = "traceability-local"
CLIENT_SECRET = "local-secret"
OTHER_CLIENT = ("an-giang-province", "other-secret")


@pytest.fixture(scope="session")
def simulator_database(tmp_path_factory) -> Iterator[dict]:
    """Config keys naming the simulator's database for this run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        schema = f"sim_test_{os.getpid()}_{secrets.token_hex(3)}"
        yield {"SIM_DATABASE_URL": url, "SIM_DATABASE_SCHEMA": schema}
        database = SimulatorDatabase(url, schema)
        database.drop_schema()
        database.dispose()
    else:
        folder = tmp_path_factory.mktemp("gateway-simulator")
        yield {"SIM_DATABASE_URL": f"sqlite:///{folder / 'gateway_sim.sqlite'}"}


@pytest.fixture(scope="session")
def running_simulator(simulator_database) -> Iterator[RunningSimulator]:
    running = serve_in_thread({
        **simulator_database,
        "SIM_CLIENTS": {CLIENT_ID: CLIENT_SECRET, OTHER_CLIENT[0]: OTHER_CLIENT[1]},
        "SIM_FAULT_SEED": 20241001,
    })
    yield running
    running.stop()


@pytest.fixture
def simulator(running_simulator) -> Iterator[RunningSimulator]:
    running_simulator.simulator.reset()
    yield running_simulator
    running_simulator.simulator.faults.clear()  # wakes any request held by a timeout fault


@pytest.fixture
def gateway(simulator) -> Iterator[GatewayClient]:
    with GatewayClient(simulator.url, CLIENT_ID, CLIENT_SECRET, timeout=3.0) as client:
        yield client


@pytest.fixture
def admin(simulator) -> Iterator[httpx.Client]:
    """Raw HTTP to the ``/_sim`` admin surface."""
    with httpx.Client(base_url=simulator.url + "/_sim", timeout=5.0) as client:
        yield client


@pytest.fixture
def raw(simulator) -> Iterator[httpx.Client]:
    """Raw HTTP to the gateway routes, with no token."""
    with httpx.Client(base_url=simulator.url, timeout=5.0) as client:
        yield client


@pytest.fixture
def token(raw) -> str:
    answer = raw.post("/oauth/token", data={"grant_type": "client_credentials",
                                            "client_id": CLIENT_ID,
                                            "client_secret": CLIENT_SECRET})
    return answer.json()["access_token"]


@pytest.fixture
def keys():
    """``keys()`` makes a fresh idempotency key."""
    return lambda: secrets.token_hex(8)


@pytest.fixture
def active_organization(gateway, admin, keys) -> str:
    assert gateway.put_organization(sample.TAX_CODE, sample.organization(), keys()).ok
    assert admin.post(f"/organizations/{sample.TAX_CODE}/activate").status_code == 200
    return sample.TAX_CODE


@pytest.fixture
def held_lot(gateway, active_organization, keys) -> tuple[str, str]:
    """An organization, its farm, a product and one lot, all at the gateway."""
    assert gateway.put_location(sample.FARM_GLN, sample.location(), keys()).ok
    assert gateway.put_product(sample.GTIN, sample.product(), keys()).ok
    assert gateway.put_lot(sample.GTIN, sample.LOT, sample.lot(), keys()).ok
    return sample.GTIN14, sample.LOT
