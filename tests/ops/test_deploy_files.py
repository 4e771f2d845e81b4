"""The deployment files are valid for the tools that read them."""

import configparser
import shutil
import subprocess
from pathlib import Path

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
