"""cosmo_scim's system checks: the host installed the org admin site and the session index
middleware, or is warned (not stopped) with a hint saying how; the host's models, fields,
user model, Celery app, public URL and migrations fit, or startup stops with an error
saying what to change."""

import functools
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import checks

from cosmo_project.organizations.models import Membership, Team
from cosmo_scim import checks as scim_checks
from cosmo_scim.admin_site import OrgAdminSite
from cosmo_scim.host import HostAdapter


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


# -- the host contract: models, fields, accounts, Celery, links, migrations ---------------


def errors_of(check):
    return [(message.id, message.msg) for message in check()]


HOST_CHECKS = (
    scim_checks.check_host_models,
    scim_checks.check_host_fields,
    scim_checks.check_person_creation,
    scim_checks.check_celery_app,
    scim_checks.check_public_base_url,
    functools.partial(scim_checks.check_migration_order, databases=["default"]),
    scim_checks.check_role_default,
    scim_checks.check_primary_keys,
)


def test_the_host_passes_every_contract_check():
    """Cosmo here; the workspace host in its own run (tests/hosts/)."""
    assert [check() for check in HOST_CHECKS] == [[]] * len(HOST_CHECKS)


def test_a_host_model_that_does_not_exist_stops_startup(settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "TEAM_MODEL": "organizations.Squad"}
    (error,) = scim_checks.check_host_models()
    assert error.id == "cosmo_scim.E002" and "organizations.Squad" in error.msg
    assert 'COSMO_SCIM["TEAM_MODEL"]' in error.hint


def test_a_membership_field_that_does_not_exist_is_named(settings):
    settings.COSMO_SCIM = {
        **settings.COSMO_SCIM,
        "MEMBERSHIP_FIELDS": {"organization": "workspace"},
    }
    (error,) = scim_checks.check_host_fields()
    assert error.id == "cosmo_scim.E003"
    assert "Membership.workspace" in error.msg and "does not exist" in error.msg
    assert '"organization": "your_field"' in error.hint


def test_a_field_of_the_wrong_kind_is_named(settings):
    settings.COSMO_SCIM = {
        **settings.COSMO_SCIM,
        "MEMBERSHIP_FIELDS": {"active": "role", "person": "organization"},
        "TEAM_FIELDS": {"members": "organization"},
    }
    found = errors_of(scim_checks.check_host_fields)
    assert {message for _, message in found} == {
        "organizations.Membership.role (COSMO_SCIM['MEMBERSHIP_FIELDS']['active']) must be a "
        "BooleanField.",
        "organizations.Membership.organization (COSMO_SCIM['MEMBERSHIP_FIELDS']['person']) "
        "must be a ForeignKey to accounts.User.",
        "organizations.Team.organization (COSMO_SCIM['TEAM_FIELDS']['members']) must be a "
        "ManyToManyField to organizations.Membership.",
    }


def test_a_misspelt_part_is_an_error_not_a_silent_default(settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "MEMBERSHIP_FIELDS": {"organisation": "org"}}
    (error,) = scim_checks.check_host_fields()
    assert error.id == "cosmo_scim.E003" and "'organisation'" in error.msg


def test_a_create_user_the_default_adapter_cannot_call(monkeypatch):
    manager = type(get_user_model()._default_manager)

    def create_user(self, email, password):  # no names, no other fields
        raise AssertionError("never called by a check")

    monkeypatch.setattr(manager, "create_user", create_user)
    (error,) = scim_checks.check_person_creation()
    assert error.id == "cosmo_scim.E004" and "cannot be called" in error.msg
    assert "HostAdapter.create_person" in error.hint


def test_a_user_model_requiring_more_than_an_idp_sends(monkeypatch):
    monkeypatch.setattr(get_user_model(), "REQUIRED_FIELDS", ["last_login"])
    (error,) = scim_checks.check_person_creation()
    assert error.id == "cosmo_scim.E004" and "requires last_login" in error.msg


class OwnAccounts(HostAdapter):
    def create_person(self, *, email, given_name, family_name):
        raise AssertionError("never called by a check")


def test_an_adapter_that_creates_its_own_accounts_is_not_checked(settings, monkeypatch):
    monkeypatch.setattr(get_user_model(), "REQUIRED_FIELDS", ["last_login"])
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "HOST_ADAPTER": f"{__name__}.OwnAccounts"}
    assert scim_checks.check_person_creation() == []


def test_a_role_field_without_a_default_is_named_with_the_method_to_override(monkeypatch):
    from django.db.models import NOT_PROVIDED

    role = Membership._meta.get_field("role")
    monkeypatch.setattr(role, "default", NOT_PROVIDED)
    (error,) = scim_checks.check_role_default()
    assert error.id == "cosmo_scim.E008" and "organizations.Membership.role" in error.msg
    assert "HostAdapter.role_for" in error.hint


class OwnRoles(HostAdapter):
    def role_for(self, organization, roles):
        raise AssertionError("never called by a check")


def test_an_adapter_with_its_own_role_rule_needs_no_default(settings, monkeypatch):
    from django.db.models import NOT_PROVIDED

    monkeypatch.setattr(Membership._meta.get_field("role"), "default", NOT_PROVIDED)
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "HOST_ADAPTER": f"{__name__}.OwnRoles"}
    assert scim_checks.check_role_default() == []


def test_a_composite_primary_key_cannot_be_referred_to(monkeypatch):
    monkeypatch.setattr(Team._meta.pk, "get_internal_type", lambda: "CompositePrimaryKey")
    (error,) = scim_checks.check_primary_keys()
    assert error.id == "cosmo_scim.E009" and "organizations.Team (TEAM_MODEL)" in error.msg


def test_a_membership_key_longer_than_the_audit_trail_keeps(monkeypatch):
    key = Membership._meta.pk
    monkeypatch.setattr(key, "get_internal_type", lambda: "CharField")
    monkeypatch.setattr(key, "max_length", 1000)
    (error,) = scim_checks.check_primary_keys()
    assert error.id == "cosmo_scim.E009" and "AuditEvent.membership_id" in error.msg
    assert "max_length=255" in error.hint


def test_no_celery_app_is_an_error_not_a_silent_amqp_publish(monkeypatch):
    """What ``celery.current_app`` is in a process without an app of its own: Celery's
    fallback, named "default", without fixups."""
    import celery

    fallback = celery.Celery("default", fixups=[], set_as_current=False)
    monkeypatch.setattr(celery, "current_app", fallback)
    (error,) = scim_checks.check_celery_app()
    assert error.id == "cosmo_scim.E005" and "amqp://localhost" in error.msg
    assert "celery.py" in error.hint


def test_the_standard_celery_recipe_is_what_the_check_finds():
    from celery import current_app

    assert current_app.main in ("cosmo_project", "workspace")
    assert scim_checks.check_celery_app() == []


def test_the_host_app_is_found_from_another_thread_too():
    """runserver runs the checks in a thread of its own, where Celery's current app is
    unset: the host's app is the process's default there (Celery's Django fixup)."""
    import threading

    found = []
    thread = threading.Thread(target=lambda: found.append(scim_checks.check_celery_app()))
    thread.start()
    thread.join()
    assert found == [[]]


@pytest.mark.parametrize("base", [None, "", "app.example.com"])
def test_invitation_links_need_an_absolute_public_base_url(settings, base):
    settings.PUBLIC_BASE_URL = base
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "PUBLIC_BASE_URL": None}
    (error,) = scim_checks.check_public_base_url()
    assert error.id == "cosmo_scim.E006" and "PUBLIC_BASE_URL" in error.hint


def test_a_host_model_migrated_after_cosmo_scim_needs_run_before(settings):
    settings.MIGRATION_MODULES = {"organizations": "tests.check_migrations"}
    (error,) = scim_checks.check_migration_order(databases=["default"])
    assert error.id == "cosmo_scim.E007"
    assert "organizations.0002_team" in error.msg and "cosmo_scim.0003_groups" in error.msg
    assert 'run_before = [("cosmo_scim", "0003_groups")]' in error.hint


def test_manage_py_check_refuses_to_start(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.PUBLIC_BASE_URL = None
    with pytest.raises(SystemCheckError, match=r"cosmo_scim\.E006"):
        call_command("check")


@pytest.mark.parametrize(
    "servers",
    [["dns.example:53"], ["127.0.0.1:99999"], "127.0.0.1:53", [], ["[::1]:x"]],
)
def test_dns_servers_the_domain_check_cannot_use_refuse_to_start(settings, servers):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "DNS_NAMESERVERS": servers}
    (error,) = scim_checks.check_domain_verification()
    assert error.id == "cosmo_scim.E010" and "DNS_NAMESERVERS" in error.msg


def test_dns_servers_as_address_and_port(settings):
    from cosmo_scim.domain_dns import nameservers

    settings.COSMO_SCIM = {
        **settings.COSMO_SCIM,
        "DNS_NAMESERVERS": ["127.0.0.1:5353", "10.0.0.2", "[::1]:53"],
    }
    assert scim_checks.check_domain_verification() == []
    assert [(server.address, server.port) for server in nameservers()] == [
        ("127.0.0.1", 5353),
        ("10.0.0.2", 53),
        ("::1", 53),
    ]


def test_a_txt_label_that_is_not_one_dns_label_refuses_to_start(settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "DOMAIN_TXT_LABEL": "_Acme.verify"}
    (error,) = scim_checks.check_domain_verification()
    assert error.id == "cosmo_scim.E010" and "DOMAIN_TXT_LABEL" in error.msg


# -- checks as Django writes them ----------------------------------------------------------


def test_the_checks_are_registered_by_the_app_config_with_their_tags():
    from django.core.checks.registry import registry

    tags = {check.__name__: set(check.tags) for check in registry.get_checks(True)}
    assert tags["check_migration_order"] == {"database"}
    assert tags["check_host_fields"] == {"models"}
    assert tags["check_admin_site"] == {"admin", "security"}
    assert scim_checks.check_sso_secret_key in registry.get_checks(include_deployment_checks=True)
    assert scim_checks.check_sso_secret_key not in registry.get_checks()


def broken_installation(settings, monkeypatch):
    """Every mistake a check names at once."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "SessionIndex" not in m]
    settings.PUBLIC_BASE_URL = None
    settings.MIGRATION_MODULES = {"organizations": "tests.check_migrations"}
    settings.COSMO_SCIM = {
        **settings.COSMO_SCIM,
        "ROLE_RULE": "myapp.rules.role",
        "PUBLIC_BASE_URL": None,
        "TEAM_MODEL": "organizations.Squad",
        "HOST_ADAPTER": "myapp.adapters.Missing",
        "MEMBERSHIP_FIELDS": {"active": "role"},
        "DNS_NAMESERVERS": ["dns.example"],
        "SSO_SECRET_KEY": None,
    }
    monkeypatch.setattr(admin, "site", admin.AdminSite())
    monkeypatch.setattr(get_user_model(), "REQUIRED_FIELDS", ["last_login"])
    monkeypatch.setattr(Membership._meta.pk, "get_internal_type", lambda: "CompositePrimaryKey")


def cosmo_scim_messages(app_configs=None):
    """What cosmo_scim's registered checks say, as ``check --deploy --database default``
    would run them (Django's own model checks would trip over the patched key type)."""
    from django.core.checks.registry import registry

    registered = [
        check
        for check in registry.get_checks(include_deployment_checks=True)
        if check.__module__.startswith("cosmo_scim.")
    ]
    assert len(registered) == 13
    found = []
    for check in registered:
        found.extend(check(app_configs=app_configs, databases=["default"]))
    return found


def test_each_message_names_what_it_is_about_and_each_id_one_meaning(settings, monkeypatch):
    broken_installation(settings, monkeypatch)
    found = cosmo_scim_messages()
    assert {message.id for message in found} == {
        "cosmo_scim.E001",
        "cosmo_scim.E002",
        "cosmo_scim.E003",
        "cosmo_scim.E006",
        "cosmo_scim.E009",
        "cosmo_scim.E010",
        "cosmo_scim.E011",
        "cosmo_scim.W001",
        "cosmo_scim.W002",
        "cosmo_scim.W003",
    }
    assert [message for message in found if message.obj is None] == []
    by_id = {}
    for message in found:
        by_id.setdefault(message.id, []).append(message.obj)
    assert by_id["cosmo_scim.E002"] == ["COSMO_SCIM['TEAM_MODEL']"]
    assert by_id["cosmo_scim.E011"] == ["COSMO_SCIM['HOST_ADAPTER']"]
    assert by_id["cosmo_scim.E009"] == [Membership]
    assert by_id["cosmo_scim.W001"] == [admin.site]


def test_every_id_has_one_meaning_and_the_reference_lists_it():
    architecture = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text()
    assert len(set(scim_checks.MEANINGS.values())) == len(scim_checks.MEANINGS)
    for number in scim_checks.MEANINGS:
        assert f"E{number:03}" in architecture
    with pytest.raises(ValueError, match=r"E012 has no meaning"):
        scim_checks.errors.error(12, "message", "hint", obj="COSMO_SCIM")


def test_checking_another_app_runs_none_of_cosmo_scims_checks(settings, monkeypatch):
    broken_installation(settings, monkeypatch)
    others = [apps.get_app_config("organizations"), apps.get_app_config("auth")]
    assert cosmo_scim_messages(app_configs=others) == []
    ours = cosmo_scim_messages(app_configs=[apps.get_app_config("cosmo_scim")])
    assert "cosmo_scim.E006" in {message.id for message in ours}


@pytest.mark.django_db  # Django's own database checks ask the database
def test_the_migration_order_is_read_by_migrate_and_check_database_only(settings):
    """An ordinary command (``check``, ``runserver``, ``shell``) builds no MigrationLoader:
    with a misordered host migration, ``check`` passes and ``check --database`` (as
    ``migrate``) stops."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.MIGRATION_MODULES = {"organizations": "tests.check_migrations"}
    call_command("check")
    with pytest.raises(SystemCheckError, match=r"cosmo_scim\.E007"):
        call_command("check", databases=["default"])
