"""cosmo_scim's system checks: the host installed the org admin site and the session index
middleware, or is warned (not stopped) with a hint saying how."""

from django.contrib import admin
from django.core import checks

from cosmo_scim import checks as scim_checks
from cosmo_scim.admin_site import OrgAdminSite


def ids(messages):
    return [message.id for message in messages]


def test_cosmo_installs_the_org_admin_site():
    assert isinstance(admin.site, OrgAdminSite)
    assert scim_checks.check_admin_site() == []


def test_a_host_on_djangos_default_site_is_warned(monkeypatch):
    monkeypatch.setattr(admin, "site", admin.AdminSite())
    (warning,) = scim_checks.check_admin_site()
    assert warning.id == "cosmo_scim.W001" and warning.level == checks.WARNING
    assert "cosmo_scim.apps.OrgAdminConfig" in warning.hint


def test_a_host_without_the_session_index_middleware_is_warned(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "SessionIndex" not in m]
    (warning,) = scim_checks.check_session_index_middleware()
    assert warning.id == "cosmo_scim.W002" and warning.level == checks.WARNING
    assert "password change" in warning.hint


def test_the_checks_run_with_djangos(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "SessionIndex" not in m]
    found = ids(checks.run_checks())
    assert "cosmo_scim.W002" in found and "cosmo_scim.W001" not in found


def test_a_setting_that_became_an_adapter_method_stops_startup(settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "SCIM_ALLOWED": "myapp.rules.allowed"}
    (error,) = scim_checks.check_settings()
    assert error.id == "cosmo_scim.E001" and error.level == checks.ERROR
    assert "HostAdapter.scim_allowed" in error.hint


def test_cosmo_sets_only_known_settings():
    assert scim_checks.check_settings() == []
