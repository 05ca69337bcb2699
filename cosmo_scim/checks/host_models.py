"""Checks that the host's models fit what COSMO_SCIM names: the models resolve, the fields
exist with the kind the app's queries need, the default adapter can create a person and
give a role, and every host key can be referred to."""

import inspect
from collections.abc import Callable
from typing import Any, TypeAlias

from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model

from .. import conf
from .errors import error, for_cosmo_scim

# What Options.get_field returns — a field, a reverse relation or a generic foreign key —
# whose attributes the rules below read as Django gives them.
AnyField: TypeAlias = Any
# A rule of a field COSMO_SCIM names: None, or what is wrong with the field.
FieldRule: TypeAlias = Callable[[AnyField], str | None]

HOST_MODELS = ("ORGANIZATION_MODEL", "MEMBERSHIP_MODEL", "TEAM_MODEL")


def resolved_host_models() -> tuple[dict[str, type[Model]], list[checks.CheckMessage]]:
    """``{setting: model}`` of the host models that resolve, and the errors of the rest."""
    models: dict[str, type[Model]] = {}
    errors: list[checks.CheckMessage] = []
    for setting in HOST_MODELS:
        try:
            models[setting] = conf.host_model(setting)
        except ImproperlyConfigured as exc:
            errors.append(
                error(
                    2,
                    str(exc),
                    f'Set COSMO_SCIM["{setting}"] to "app_label.Model" of an installed app '
                    "(docs/integrate.md, Settings).",
                    obj=f"COSMO_SCIM[{setting!r}]",
                )
            )
    return models, errors


@for_cosmo_scim
def check_host_models(**kwargs: Any) -> list[checks.CheckMessage]:
    return resolved_host_models()[1]


def _field_rules(
    models: dict[str, type[Model]],
) -> list[tuple[str, type[Model], dict[str, FieldRule]]]:
    """``(setting, model, {part: rule})`` per host model that resolves."""
    user_model = get_user_model()
    organization = models.get("ORGANIZATION_MODEL")
    membership = models.get("MEMBERSHIP_MODEL")

    def foreign_key_to(target: type[Model] | None) -> FieldRule:
        def rule(field: AnyField) -> str | None:
            if not (field.many_to_one or field.one_to_one) or field.related_model is not target:
                return f"must be a ForeignKey to {_label(target)}"
            return None

        return rule

    def many_to_many_to(target: type[Model] | None) -> FieldRule:
        def rule(field: AnyField) -> str | None:
            if not field.many_to_many or field.related_model is not target:
                return f"must be a ManyToManyField to {_label(target)}"
            return None

        return rule

    def boolean(field: AnyField) -> str | None:
        return None if field.get_internal_type() == "BooleanField" else "must be a BooleanField"

    def with_choices(field: AnyField) -> str | None:
        return None if field.choices else "must have choices (the roles role mappings offer)"

    def concrete(field: AnyField) -> str | None:
        return None if field.concrete else "must be a database field"

    rules: list[tuple[str, type[Model] | None, dict[str, FieldRule]]] = [
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


def _label(model: type[Model] | None) -> str:
    """A model's label, or what stands for one that does not resolve (E002 names it)."""
    return model._meta.label if model is not None else "a model that does not resolve"


@for_cosmo_scim
def check_host_fields(**kwargs: Any) -> list[checks.CheckMessage]:
    """Every field COSMO_SCIM names exists on its model and has the kind the app's queries
    need; a part name the app does not know is a typo that would leave the default in
    place."""
    models, _ = resolved_host_models()
    errors: list[checks.CheckMessage] = []
    for setting, model, parts in _field_rules(models):
        names = conf.get(setting)
        for part in names.keys() - parts.keys():
            errors.append(
                error(
                    3,
                    f"COSMO_SCIM[{setting!r}] has no part {part!r}.",
                    f"The parts are {', '.join(sorted(parts))} (docs/integrate.md).",
                    obj=f"COSMO_SCIM[{setting!r}]",
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
                    error(
                        3,
                        f"{model._meta.label}.{name} (COSMO_SCIM[{setting!r}][{part!r}]) "
                        f"{problem}.",
                        f'Name your field in COSMO_SCIM["{setting}"], e.g. {{"{part}": '
                        f'"your_field"}}, or add the field (docs/integrate.md).',
                        obj=model,
                    )
                )
    user_model = get_user_model()
    try:
        user_model._meta.get_field(user_model.get_email_field_name())
    except FieldDoesNotExist:
        errors.append(
            error(
                3,
                f"{user_model._meta.label} has no email field "
                f"(EMAIL_FIELD = {user_model.get_email_field_name()!r}).",
                "Invitations go to the person's email: set EMAIL_FIELD on your user model.",
                obj=user_model,
            )
        )
    return errors


@for_cosmo_scim
def check_person_creation(**kwargs: Any) -> list[checks.CheckMessage]:
    """The default HostAdapter.create_person calls ``create_user`` with keywords only: the
    email field, the login field (USERNAME_FIELD), the name fields and ``password``. A
    manager that takes other arguments, or a user model that requires more fields, needs
    an adapter of the host's own."""
    from ..host import HostAdapter
    from ..host_fields import person_field

    try:
        adapter = conf.hook("HOST_ADAPTER")
    except ImportError as exc:
        return [
            error(
                11,
                f"COSMO_SCIM['HOST_ADAPTER'] cannot be imported: {exc}",
                "Name your HostAdapter subclass by its dotted path.",
                obj="COSMO_SCIM['HOST_ADAPTER']",
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
        return [
            error(
                4, f"{user_model._meta.label}'s manager has no create_user().", hint, obj=user_model
            )
        ]
    try:
        inspect.signature(create_user).bind(**dict.fromkeys(given))
    except TypeError as exc:
        return [
            error(
                4,
                f"{user_model._meta.label}'s create_user() cannot be called with "
                f"{', '.join(sorted(given))} as keywords: {exc}.",
                hint,
                obj=user_model,
            )
        ]
    missing = [
        name
        for name in user_model.REQUIRED_FIELDS
        if name not in given and not _has_default(user_model._meta.get_field(name))
    ]
    if missing:
        return [
            error(
                4,
                f"{user_model._meta.label} requires {', '.join(missing)}, which the default "
                "adapter cannot know when an IdP creates a person.",
                hint,
                obj=user_model,
            )
        ]
    return []


def _has_default(field: AnyField) -> bool:
    return bool(field.has_default())


@for_cosmo_scim
def check_role_default(**kwargs: Any) -> list[checks.CheckMessage]:
    """The default ``HostAdapter.role_for`` gives a member no mapped IdP group ranks the
    membership role field's default: a field without one (or with a default its choices do
    not list) would store a role the product does not have."""
    from ..host import HostAdapter, role_field

    models, _ = resolved_host_models()
    if "MEMBERSHIP_MODEL" not in models:
        return []
    try:
        adapter = conf.hook("HOST_ADAPTER")
        field = role_field()
    except ImportError:
        return []  # E011 names the adapter
    except FieldDoesNotExist:
        return []  # E003 names the missing field
    if adapter.role_for is not HostAdapter.role_for or not field.choices:
        return []
    default = field.get_default() if field.has_default() else None
    if default in {value for value, _ in field.flatchoices}:
        return []
    return [
        error(
            8,
            f"{field.model._meta.label}.{field.name} (COSMO_SCIM['MEMBERSHIP_FIELDS']['role']) "
            f"has no default among its choices ({default!r}): the default "
            "HostAdapter.role_for gives it to members no mapped IdP group ranks.",
            "Give the field a default role (default=...), or override HostAdapter.role_for "
            "in your COSMO_SCIM['HOST_ADAPTER'] (docs/integrate.md, Your own models).",
            obj=field,
        )
    ]


# AuditEvent.membership_id keeps the membership's key as text of at most this many
# characters (a copy that outlives the membership, so not a foreign key).
MEMBERSHIP_KEY_LENGTH = 255


@for_cosmo_scim
def check_primary_keys(**kwargs: Any) -> list[checks.CheckMessage]:
    """cosmo_scim refers to the host's people, organizations, memberships and teams by
    foreign keys, which take the target's key type (integers, UUIDs, text), and copies the
    membership's key into the audit trail as text. What cannot work: a composite key (no
    foreign key can point at one) and a membership key longer than the audit column."""
    models, _ = resolved_host_models()
    models["AUTH_USER_MODEL"] = get_user_model()
    errors: list[checks.CheckMessage] = []
    for setting, model in models.items():
        key = model._meta.pk
        if key.get_internal_type() == "CompositePrimaryKey":
            errors.append(
                error(
                    9,
                    f"{model._meta.label} ({setting}) has a composite primary key, which no "
                    "foreign key of cosmo_scim can refer to.",
                    "Give the model a single-column primary key (an AutoField, BigAutoField, "
                    "UUIDField or CharField) and keep the composite one as a UniqueConstraint.",
                    obj=model,
                )
            )
    membership = models.get("MEMBERSHIP_MODEL")
    if membership is None:
        return errors
    key = membership._meta.pk
    textual = key is not None and key.get_internal_type() in ("CharField", "SlugField", "TextField")
    if (
        key is not None
        and textual
        and (key.max_length is None or key.max_length > MEMBERSHIP_KEY_LENGTH)
    ):
        errors.append(
            error(
                9,
                f"{membership._meta.label}'s primary key {key.name} may be longer than "
                f"{MEMBERSHIP_KEY_LENGTH} characters, which the audit trail keeps of it "
                "(AuditEvent.membership_id).",
                f"Give the key max_length={MEMBERSHIP_KEY_LENGTH} or less.",
                obj=membership,
            )
        )
    return errors
