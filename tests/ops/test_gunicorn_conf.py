"""The gunicorn settings' hooks behave where gunicorn calls them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CALL_CHILD_EXIT = """
import builtins, os, runpy, types
os.environ["PROMETHEUS_MULTIPROC_DIR"] = {folder!r}
hooks = runpy.run_path({config!r})

def refuse(name, *args, **kwargs):
    raise AssertionError(f"child_exit imported {{name}}")

builtins.__import__ = refuse
hooks["child_exit"](None, types.SimpleNamespace(pid=4242))
"""


def test_child_exit_imports_nothing(tmp_path):
    """gunicorn runs ``child_exit`` inside the master's SIGCHLD handler. Its first import of
    ``prometheus_client.multiprocess`` there was interrupted by the next worker's exit, whose
    nested call found the module half-initialised: an AttributeError that brought the master
    down (the soak test's shutdown, and any two workers recycled at once)."""
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    script = CALL_CHILD_EXIT.format(folder=str(tmp_path), config=str(ROOT / "gunicorn.conf.py"))
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "gauge_livesum_4242.db").exists()  # the dead worker's live gauges
