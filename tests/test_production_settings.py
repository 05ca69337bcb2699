"""Cosmo's production settings: `manage.py check --deploy` with DEBUG=0 and a real secret
key reports only the two warnings docs/security.md ("Production settings") explains, and
none once an operator has made those two decisions."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = {"security.W008", "security.W021"}


def check_deploy(**env):
    ours = ("SECURE_", "DEBUG", "SECRET_KEY", "BEHIND_TLS_PROXY", "SSO_SECRET_KEY")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT), "DEBUG": "0", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"\(([a-z_]+\.[A-Z]\d{3})\)", result.stdout + result.stderr))


def test_check_deploy_reports_only_the_documented_warnings():
    sso_key = secrets.token_urlsafe(32)
    assert check_deploy(SECRET_KEY=secrets.token_urlsafe(50), SSO_SECRET_KEY=sso_key) == DOCUMENTED
    docs = (ROOT / "docs" / "security.md").read_text()
    for warning in DOCUMENTED:
        assert warning in docs


def test_check_deploy_is_clean_once_the_operator_decides_redirects_and_preload():
    warnings = check_deploy(
        SECRET_KEY=secrets.token_urlsafe(50),
        SSO_SECRET_KEY=secrets.token_urlsafe(32),
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_PRELOAD="1",
    )
    assert warnings == set()


def test_the_development_key_is_flagged():
    assert "security.W009" in check_deploy()


def test_sso_secrets_under_a_key_derived_from_secret_key_are_flagged():
    """docs/sso.md: client secrets are encrypted with SSO_SECRET_KEY, else a key derived from
    SECRET_KEY, which rotating SECRET_KEY would lose."""
    assert "cosmo_scim.W003" in check_deploy(SECRET_KEY=secrets.token_urlsafe(50))
