"""The form of cosmo_scim's check messages — ``cosmo_scim.E0NN``, one number per meaning
(:data:`MEANINGS`) — and the rule that they concern cosmo_scim only (:func:`for_cosmo_scim`)."""

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks

# One meaning per id: a new kind of mistake takes the next number, never one in use.
MEANINGS = {
    1: "an unknown COSMO_SCIM key",
    2: "a host model that does not resolve",
    3: "a host field that is missing or of the wrong kind",
    4: "a user model the default adapter cannot create",
    5: "no Celery app of the host's",
    6: "no absolute PUBLIC_BASE_URL",
    7: "a host model migrated after cosmo_scim's migrations that refer to it",
    8: "a role field without a default for the default role_for",
    9: "a host key the app cannot refer to or keep",
    10: "DNS servers or a TXT record label the domain check cannot use",
    11: "a HOST_ADAPTER that cannot be imported",
}

Check = Callable[..., list[checks.CheckMessage]]


def error(number: int, message: str, hint: str, *, obj: object) -> checks.Error:
    """``obj`` is what the message is about — a model, a field, or a setting's name — which
    ``manage.py check`` prints before the message."""
    if number not in MEANINGS:
        raise ValueError(f"cosmo_scim.E{number:03} has no meaning in MEANINGS")
    return checks.Error(message, hint=hint, obj=obj, id=f"cosmo_scim.E{number:03}")


def for_cosmo_scim(check: Check) -> Check:
    """Run ``check`` only when cosmo_scim is among the apps checked: Django passes the apps
    named on ``manage.py check app_label ...`` as ``app_configs`` (None: every app), and
    checking another app is none of cosmo_scim's business."""

    @functools.wraps(check)
    def run(
        app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
    ) -> list[checks.CheckMessage]:
        if app_configs is not None and not any(
            config.name == "cosmo_scim" for config in app_configs
        ):
            return []
        return check(app_configs=app_configs, **kwargs)

    return run
