"""System checks for how the host installed cosmo_scim, like ``django.contrib.auth``'s.

Errors are what would otherwise fail only at the first IdP request, or worse, answer it and
fail later where nobody looks: the host models or fields ``COSMO_SCIM`` names do not exist
(E002, E003: a 500 on the first ``DELETE``), a user model whose ``create_user`` the default
adapter cannot call (E004: no account, or one without its email), no Celery app (E005: the
invitation is published to Celery's default ``amqp://localhost`` and never sent, while the
POST answers 201), no ``PUBLIC_BASE_URL`` (E006: no invitation link can be built), a host
model created by a migration that cosmo_scim's migrations do not come after (E007), a
membership role field without a default for the default ``HostAdapter.role_for`` to give
(E008), a host key no foreign key can refer to or the audit trail cannot keep (E009), DNS
servers or a TXT record label the domain check cannot use (E010: every "Verify now" would
fail). Each names what to change.

The two warnings are mistakes that break nothing visibly — the admin still works, sessions
still work — but each one reopens a hole: without the org admin site, customers' admins
cannot sign in except as staff, whom Django's global permissions do not confine to their
organizations; without the session index middleware, a session whose key changed (a
password change cycles it) is no longer known to belong to its person, and a deactivation
cannot end it.
Warnings, not errors: a host may have reasons, and ``SILENCED_SYSTEM_CHECKS`` says so.
"""

import inspect

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

from . import conf

SESSION_INDEX_MIDDLEWARE = "cosmo_scim.middleware.SessionIndexMiddleware"


@checks.register(checks.Tags.admin, checks.Tags.security)
def check_admin_site(app_configs=None, **kwargs):
    from .admin_site import OrgAdminSite

    if isinstance(admin.site, OrgAdminSite):
        return []
    return [
        checks.Warning(
            "django.contrib.admin's default site is not cosmo_scim's OrgAdminSite: "
            "organizations' admins cannot sign in to the admin, and staff reach cosmo_scim "
            "through global model permissions.",
            hint='List "cosmo_scim.apps.OrgAdminConfig" in INSTALLED_APPS instead of '
            '"django.contrib.admin" (see docs/integrate.md).',
            id="cosmo_scim.W001",
        )
    ]


@checks.register(checks.Tags.security)
def check_session_index_middleware(app_configs=None, **kwargs):
    if SESSION_INDEX_MIDDLEWARE in settings.MIDDLEWARE:
        return []
    return [
        checks.Warning(
            f"{SESSION_INDEX_MIDDLEWARE} is not in MIDDLEWARE.",
            hint="It re-indexes sessions whose key rotates (e.g. on a password change), so a "
            "deactivation can end them. Add it after AuthenticationMiddleware.",
            id="cosmo_scim.W002",
        )
    ]


# Settings that became host adapter methods: a host still setting one would silently lose
# its rule (an Enterprise-only product would open SCIM to every plan, or the reverse).
MOVED_TO_ADAPTER = {"SCIM_ALLOWED": "scim_allowed", "ROLE_RULE": "role_for"}


@checks.register()
def check_settings(app_configs=None, **kwargs):
    """COSMO_SCIM keys cosmo_scim does not know are mistakes: refuse to start."""
    errors = []
    for name in getattr(settings, "COSMO_SCIM", {}):
        if name in conf.DEFAULTS:
            continue
        moved = MOVED_TO_ADAPTER.get(name)
        hint = (
            f"Override HostAdapter.{moved} in your COSMO_SCIM['HOST_ADAPTER'] instead."
            if moved
            else "The keys are listed in docs/integrate.md."
        )
        errors.append(
            checks.Error(f"Unknown COSMO_SCIM setting {name!r}.", hint=hint, id="cosmo_scim.E001")
        )
    return errors


def _error(number, message, hint):
    return checks.Error(message, hint=hint, id=f"cosmo_scim.E{number:03}")


HOST_MODELS = ("ORGANIZATION_MODEL", "MEMBERSHIP_MODEL", "TEAM_MODEL")


def _host_models():
    """``{setting: model}`` of the host models that resolve, and the errors of the rest."""
    models, errors = {}, []
    for setting in HOST_MODELS:
        try:
            models[setting] = conf._model(setting)
        except ImproperlyConfigured as exc:
            errors.append(
                _error(
                    2,
                    str(exc),
                    f'Set COSMO_SCIM["{setting}"] to "app_label.Model" of an installed app '
                    "(docs/integrate.md, Settings).",
                )
            )
    return models, errors


@checks.register()
def check_host_models(app_configs=None, **kwargs):
    return _host_models()[1]


def _field_rules(models):
    """``(setting, model, part, rule)`` per part: rule(field) is None or what is wrong."""
    user_model = get_user_model()
    organization = models.get("ORGANIZATION_MODEL")
    membership = models.get("MEMBERSHIP_MODEL")

    def foreign_key_to(target):
        def rule(field):
            if not (field.many_to_one or field.one_to_one) or field.related_model is not target:
                return f"must be a ForeignKey to {target._meta.label}"
            return None

        return rule

    def many_to_many_to(target):
        def rule(field):
            if not field.many_to_many or field.related_model is not target:
                return f"must be a ManyToManyField to {target._meta.label}"
            return None

        return rule

    def boolean(field):
        return None if field.get_internal_type() == "BooleanField" else "must be a BooleanField"

    def with_choices(field):
        return None if field.choices else "must have choices (the roles role mappings offer)"

    def concrete(field):
        return None if field.concrete else "must be a database field"

    rules = [
        ("ORGANIZATION_FIELDS", organization, {"slug": concrete}),
        (
            "MEMBERSHIP_FIELDS",
            membership,
            {
                "person": foreign_key_to(user_model),
                "organization": foreign_key_to(organization),
                "active": boolean,
                "role": with_choices,
            },
        ),
        (
            "TEAM_FIELDS",
            models.get("TEAM_MODEL"),
            {
                "organization": foreign_key_to(organization),
                "name": concrete,
                "members": many_to_many_to(membership),
            },
        ),
        ("PERSON_FIELDS", user_model, {"given_name": concrete, "family_name": concrete}),
    ]
    return [(setting, model, parts) for setting, model, parts in rules if model is not None]


@checks.register()
def check_host_fields(app_configs=None, **kwargs):
    """Every field COSMO_SCIM names exists on its model and has the kind the app's queries
    need; a part name the app does not know is a typo that would leave the default in
    place."""
    models, _ = _host_models()
    errors = []
    for setting, model, parts in _field_rules(models):
        names = conf.get(setting)
        for part in names.keys() - parts.keys():
            errors.append(
                _error(
                    3,
                    f"COSMO_SCIM[{setting!r}] has no part {part!r}.",
                    f"The parts are {', '.join(sorted(parts))} (docs/integrate.md).",
                )
            )
        for part, rule in parts.items():
            name = names[part]
            try:
                problem = rule(model._meta.get_field(name))
            except FieldDoesNotExist:
                problem = "does not exist"
            if problem:
                errors.append(
                    _error(
                        3,
                        f"{model._meta.label}.{name} (COSMO_SCIM[{setting!r}][{part!r}]) "
                        f"{problem}.",
                        f'Name your field in COSMO_SCIM["{setting}"], e.g. {{"{part}": '
                        f'"your_field"}}, or add the field (docs/integrate.md).',
                    )
                )
    user_model = get_user_model()
    try:
        user_model._meta.get_field(user_model.get_email_field_name())
    except FieldDoesNotExist:
        errors.append(
            _error(
                3,
                f"{user_model._meta.label} has no email field "
                f"(EMAIL_FIELD = {user_model.get_email_field_name()!r}).",
                "Invitations go to the person's email: set EMAIL_FIELD on your user model.",
            )
        )
    return errors


@checks.register()
def check_person_creation(app_configs=None, **kwargs):
    """The default HostAdapter.create_person calls ``create_user`` with keywords only: the
    email field, the login field (USERNAME_FIELD), the name fields and ``password``. A
    manager that takes other arguments, or a user model that requires more fields, needs
    an adapter of the host's own."""
    from .host import HostAdapter
    from .host_fields import person_field

    try:
        adapter = conf.hook("HOST_ADAPTER")
    except ImportError as exc:
        return [
            _error(
                2,
                f"COSMO_SCIM['HOST_ADAPTER'] cannot be imported: {exc}",
                "Name your HostAdapter subclass by its dotted path.",
            )
        ]
    if adapter.create_person is not HostAdapter.create_person:
        return []
    user_model = get_user_model()
    given = {person_field(part) for part in ("email", "login", "given_name", "family_name")} | {
        "password"
    }
    hint = (
        "Override HostAdapter.create_person(email=, given_name=, family_name=) in your "
        "COSMO_SCIM['HOST_ADAPTER'] to create your accounts (docs/integrate.md, Your own "
        "models)."
    )
    create_user = getattr(user_model._default_manager, "create_user", None)
    if create_user is None:
        return [_error(4, f"{user_model._meta.label}'s manager has no create_user().", hint)]
    try:
        inspect.signature(create_user).bind(**dict.fromkeys(given))
    except TypeError as exc:
        return [
            _error(
                4,
                f"{user_model._meta.label}'s create_user() cannot be called with "
                f"{', '.join(sorted(given))} as keywords: {exc}.",
                hint,
            )
        ]
    missing = [
        name
        for name in user_model.REQUIRED_FIELDS
        if name not in given and not user_model._meta.get_field(name).has_default()
    ]
    if missing:
        return [
            _error(
                4,
                f"{user_model._meta.label} requires {', '.join(missing)}, which the default "
                "adapter cannot know when an IdP creates a person.",
                hint,
            )
        ]
    return []


@checks.register()
def check_celery_app(app_configs=None, **kwargs):
    """Without an app of the host's own (the standard ``celery.py`` imported by the project
    package), ``shared_task`` falls back to Celery's default app, which reads none of
    Django's CELERY_* settings — not the broker, not ``task_always_eager`` — and publishes
    every invitation to ``amqp://localhost:5672``: the SCIM POST answers 201 and no email
    is ever sent."""
    from celery import _state

    # A host's app is the thread's current app where it was created, and the process's
    # default once Celery's Django fixup installed it (runserver checks in another thread).
    # Celery's own fallback is named "default" and has no fixups.
    for app in (getattr(_state._tls, "current_app", None), _state.default_app):
        if app is not None and not (app.main == "default" and not app.fixups):
            return []
    return [
        _error(
            5,
            "No Celery app is configured: cosmo_scim's tasks would go to Celery's default "
            "app, which ignores your CELERY_* settings and publishes to amqp://localhost.",
            "Add the standard celery.py to your project package and import it from the "
            "package's __init__.py (docs/integrate.md, Celery).",
        )
    ]


@checks.register()
def check_public_base_url(app_configs=None, **kwargs):
    """Invitation links are absolute and never built from a request's Host header."""
    base = conf.get("PUBLIC_BASE_URL") or getattr(settings, "PUBLIC_BASE_URL", None)
    if base and str(base).startswith(("https://", "http://")):
        return []
    return [
        _error(
            6,
            f"PUBLIC_BASE_URL is {'missing' if not base else repr(base)}: invitation emails "
            "need an absolute link to your site.",
            'Set PUBLIC_BASE_URL = "https://app.example.com" (or COSMO_SCIM["PUBLIC_BASE_URL"]).',
        )
    ]


@checks.register()
def check_domain_verification(app_configs=None, **kwargs):
    """The domain check's DNS servers parse, and its record label is one DNS label."""
    import re

    from .domain_dns import nameservers

    errors = []
    try:
        nameservers()
    except ImproperlyConfigured as exc:
        errors.append(_error(10, str(exc), "docs/integrate.md, Settings: DNS_NAMESERVERS."))
    label = conf.get("DOMAIN_TXT_LABEL")
    if not (
        isinstance(label, str) and re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", label)
    ):
        errors.append(
            _error(
                10,
                f'COSMO_SCIM["DOMAIN_TXT_LABEL"] = {label!r} is not one DNS label.',
                'Use lower-case letters, digits and inner hyphens, e.g. "acme-verification".',
            )
        )
    return errors


def _creator(graph, label):
    """The migration node that creates the model ``label`` ("app.Model"), or None."""
    app_label, model_name = label.lower().split(".")
    for key, migration in graph.nodes.items():
        if key[0].lower() != app_label:
            continue
        for operation in migration.operations:
            if type(operation).__name__ == "CreateModel" and operation.name_lower == model_name:
                return key
    return None


@checks.register()
def check_migration_order(app_configs=None, **kwargs):
    """cosmo_scim's migrations reach the host models through ``swappable_dependency``,
    which (as for AUTH_USER_MODEL) means the first migration of the model's app. A host
    model created in a later migration would be referenced before its table exists (on
    PostgreSQL the foreign key fails, and on a fresh database ``migrate`` stops)."""
    from django.db.migrations.loader import MigrationLoader

    models, _ = _host_models()
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    errors = []
    for setting, model in models.items():
        label = model._meta.label_lower
        creator = _creator(graph, label)
        if creator is None:
            continue
        for key, migration in sorted(graph.nodes.items()):
            if key[0] != "cosmo_scim" or not _references(migration, label):
                continue
            if creator not in graph.forwards_plan(key):
                errors.append(
                    _error(
                        7,
                        f"{model._meta.label} ({setting}) is created by migration "
                        f"{creator[0]}.{creator[1]}, which cosmo_scim.{key[1]} does not "
                        "come after.",
                        f"Create the model in {creator[0]}'s first migration, or add "
                        f'run_before = [("cosmo_scim", "{key[1]}")] to {creator[1]}.',
                    )
                )
                break
    return errors


def _references(migration, label):
    """Does one of the migration's operations point a field at ``label``?"""
    for operation in migration.operations:
        fields = [field for _, field in getattr(operation, "fields", ())]
        if getattr(operation, "field", None) is not None:
            fields.append(operation.field)
        for field in fields:
            target = getattr(getattr(field, "remote_field", None), "model", None)
            if isinstance(target, str) and target.lower() == label:
                return True
    return False


@checks.register()
def check_role_default(app_configs=None, **kwargs):
    """The default ``HostAdapter.role_for`` gives a member no mapped IdP group ranks the
    membership role field's default: a field without one (or with a default its choices do
    not list) would store a role the product does not have."""
    from .host import HostAdapter, role_field

    models, _ = _host_models()
    if "MEMBERSHIP_MODEL" not in models:
        return []
    adapter = conf.hook("HOST_ADAPTER")
    try:
        field = role_field()
    except FieldDoesNotExist:
        return []  # E003 names the missing field
    if adapter.role_for is not HostAdapter.role_for or not field.choices:
        return []
    default = field.get_default() if field.has_default() else None
    if default in {value for value, _ in field.flatchoices}:
        return []
    return [
        _error(
            8,
            f"{field.model._meta.label}.{field.name} (COSMO_SCIM['MEMBERSHIP_FIELDS']['role']) "
            f"has no default among its choices ({default!r}): the default "
            "HostAdapter.role_for gives it to members no mapped IdP group ranks.",
            "Give the field a default role (default=...), or override HostAdapter.role_for "
            "in your COSMO_SCIM['HOST_ADAPTER'] (docs/integrate.md, Your own models).",
        )
    ]


# AuditEvent.membership_id keeps the membership's key as text of at most this many
# characters (a copy that outlives the membership, so not a foreign key).
MEMBERSHIP_KEY_LENGTH = 255


@checks.register()
def check_primary_keys(app_configs=None, **kwargs):
    """cosmo_scim refers to the host's people, organizations, memberships and teams by
    foreign keys, which take the target's key type (integers, UUIDs, text), and copies the
    membership's key into the audit trail as text. What cannot work: a composite key (no
    foreign key can point at one) and a membership key longer than the audit column."""
    models, _ = _host_models()
    models["AUTH_USER_MODEL"] = get_user_model()
    errors = []
    for setting, model in models.items():
        key = model._meta.pk
        if key.get_internal_type() == "CompositePrimaryKey":
            errors.append(
                _error(
                    9,
                    f"{model._meta.label} ({setting}) has a composite primary key, which no "
                    "foreign key of cosmo_scim can refer to.",
                    "Give the model a single-column primary key (an AutoField, BigAutoField, "
                    "UUIDField or CharField) and keep the composite one as a UniqueConstraint.",
                )
            )
    membership = models.get("MEMBERSHIP_MODEL")
    key = membership._meta.pk if membership is not None else None
    textual = key is not None and key.get_internal_type() in ("CharField", "SlugField", "TextField")
    if textual and (key.max_length is None or key.max_length > MEMBERSHIP_KEY_LENGTH):
        errors.append(
            _error(
                9,
                f"{membership._meta.label}'s primary key {key.name} may be longer than "
                f"{MEMBERSHIP_KEY_LENGTH} characters, which the audit trail keeps of it "
                "(AuditEvent.membership_id).",
                f"Give the key max_length={MEMBERSHIP_KEY_LENGTH} or less.",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_sso_secret_key(app_configs=None, **kwargs):
    """In a deployment, SSO client secrets should not be encrypted under a key derived from
    SECRET_KEY: rotating SECRET_KEY would make every stored secret unreadable."""
    if conf.get("SSO_SECRET_KEY"):
        return []
    return [
        checks.Warning(
            "COSMO_SCIM['SSO_SECRET_KEY'] is not set: SSO client secrets are encrypted with "
            "a key derived from SECRET_KEY.",
            hint="Set SSO_SECRET_KEY to a long random string kept apart from the database "
            "(docs/sso.md); rotating SECRET_KEY would otherwise make stored secrets unreadable.",
            id="cosmo_scim.W003",
        )
    ]
