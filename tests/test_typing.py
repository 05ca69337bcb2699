"""The typed public surface (py.typed, make lint's mypy): a host developer subclassing
HostAdapter or writing a signal receiver is told by the type checker when an override or a
payload does not fit, the way their editor would."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HOST_CODE = """
from typing import Unpack

from django.db.models import Model

from cosmo_scim.host import HostAdapter
from cosmo_scim.signals import UserUpdated


class Fits(HostAdapter):
    def scim_allowed(self, organization: Model) -> bool:
        return True

    def role_for(self, organization: Model, roles: set[str]) -> str:
        return "owner" if "owner" in roles else "reader"


class ReturnsAPlanName(HostAdapter):
    def scim_allowed(self, organization: Model) -> str:
        return "enterprise"


class ForgetsTheRoles(HostAdapter):
    def role_for(self, organization: Model) -> str:
        return "reader"


def on_update(sender: type, **kwargs: Unpack[UserUpdated]) -> None:
    kwargs["changes"].items()
    kwargs["chnages"]
"""


@pytest.mark.processes
def test_mypy_names_each_override_and_payload_that_does_not_fit(tmp_path):
    host_module = tmp_path / "my_adapter.py"
    host_module.write_text(HOST_CODE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(host_module),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    lines = {int(line.split(":")[1]) for line in errors}
    source = HOST_CODE.splitlines()
    flagged = {source[number - 1].strip() for number in lines}
    assert flagged == {
        "def scim_allowed(self, organization: Model) -> str:",
        "def role_for(self, organization: Model) -> str:",
        'kwargs["chnages"]',
    }, result.stdout
