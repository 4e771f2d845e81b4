"""The deployment files are valid for the tools that read them."""

import configparser
import http.server
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx or openssl not installed")
def test_nginx_site_passes_nginx_t(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
                    "-subj", "/CN=id.example.vn"], check=True, capture_output=True)
    site = (DEPLOY / "nginx-traceability.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/id.example.vn/fullchain.pem",
                        str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/id.example.vn/privkey.pem",
                        str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n")
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").iterdir()))
def test_systemd_units_are_well_formed(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(DEPLOY / "systemd" / unit)
    if unit.endswith(".service"):
        assert parser.has_option("Service", "ExecStart")
        assert parser["Service"].get("User", "traceability") == "traceability"
    else:
        assert parser.has_section("Timer") and parser.has_option("Timer", "OnCalendar")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the standard library's name
        self.send_response(307)
        self.send_header("Location", "https://id.example.vn/scan" + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx or openssl not installed")
def test_nginx_limits_the_scan_path_with_retry_after(tmp_path):
    """The site file run for real: a flood of scans from one address is cut with 429s that
    say when to come back, while the scans within the burst reach the app."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
                    "-subj", "/CN=id.example.vn"], check=True, capture_output=True)
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    site = (DEPLOY / "nginx-traceability.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/id.example.vn/fullchain.pem",
                        str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/id.example.vn/privkey.pem",
                        str(tmp_path / "key.pem"))
    site = site.replace("server 127.0.0.1:5000;", f"server 127.0.0.1:{upstream.server_port};")
    site = re.sub(r"listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl;")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\n"
        f"events {{}}\nhttp {{ access_log off; client_body_temp_path {tmp_path}; "
        f"proxy_temp_path {tmp_path}; include {tmp_path}/site.conf; }}\n")
    nginx = subprocess.Popen(["nginx", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                             stderr=subprocess.PIPE)
    try:
        base = f"https://127.0.0.1:{https_port}"
        with httpx.Client(verify=False, timeout=5) as client:
            for _ in range(50):
                try:
                    client.get(base + "/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            started = time.monotonic()
            answers = [client.get(f"{base}/01/08930001000018/10/L{i}") for i in range(150)]
            elapsed = time.monotonic() - started
        statuses = [answer.status_code for answer in answers]
        assert set(statuses) == {307, 429}
        # The burst (60 beyond the first) and what the rate (30/s) refilled meanwhile.
        assert 61 <= statuses.count(307) <= 61 + 30 * elapsed + 1
        refused = next(answer for answer in answers if answer.status_code == 429)
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["Strict-Transport-Security"].startswith("max-age=")
        assert refused.json()["status"] == 429
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        upstream.shutdown()
