"""The README's contract, from a real process: Cosmo reads ``DNS_NAMESERVERS`` from the
environment, and ``manage.py verify_domain`` exits 3 until the record it printed is served,
then 0 (a scratch SQLite database, the DNS server on loopback of tests/dns_server.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.cosmo_only, pytest.mark.processes]


def test_verify_domain_from_the_command_line(tmp_path, dns_zone):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DNS_NAMESERVERS=dns_zone.address,
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert manage("migrate", "--no-input").returncode == 0
    assert manage("create_organization", "acme", "--name", "Acme").returncode == 0

    first = manage("verify_domain", "acme", "Acme.Example")
    assert first.returncode == 3, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "txt_name=_scim-verification.acme.example"
    assert lines[1].startswith("txt_value=scim-verification=")
    assert dns_zone.queries == ["_scim-verification.acme.example"]  # asked the env's server

    dns_zone.publish("_scim-verification.acme.example", lines[1].removeprefix("txt_value="))
    second = manage("verify_domain", "acme", "acme.example")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[:2] == lines[:2]
    assert "Verified acme.example" in second.stdout

    refused = manage("verify_domain", "nope", "acme.example")
    assert refused.returncode == 1 and "No organization" in refused.stderr
