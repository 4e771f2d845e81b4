"""The gunicorn settings' hooks behave where gunicorn calls them."""

import json
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


CALL_POST_WORKER_INIT = """
import gc, json, os, runpy, sys
if len(sys.argv) > 1:
    os.environ["GC_THRESHOLD"] = sys.argv[1]
hooks = runpy.run_path({config!r})
hooks["post_worker_init"](None)
print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))
"""


def _after_post_worker_init(*args):
    script = CALL_POST_WORKER_INIT.format(config=str(ROOT / "gunicorn.conf.py"))
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_workers_freeze_what_the_app_built_and_collect_less_often():
    threshold, frozen = _after_post_worker_init()
    assert threshold == [50000, 20, 20]
    assert frozen > 1000  # the interpreter's and the config's objects at least


def test_gc_threshold_can_be_set_or_left_to_python():
    assert _after_post_worker_init("10000,10,10")[0] == [10000, 10, 10]
    threshold, frozen = _after_post_worker_init("")
    assert threshold == [700, 10, 10] and frozen == 0
