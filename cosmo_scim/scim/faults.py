"""Which failures are the infrastructure's, not the request's, and how the client is told.

A database that cannot be reached, drops the connection, or is in recovery (a standby being
promoted refuses writes) is a temporary condition: the request was fine and will succeed
later. RFC 7231 §6.6.4 gives it 503 with Retry-After, and the IdPs retry on it (Okta and
Entra back off and retry on 503 and 429) where they would give up on a 500.
"""

import logging

from django.db import InterfaceError, InternalError, OperationalError

from ..protocol.errors import ScimError

logger = logging.getLogger("cosmo_scim.scim")

# Seconds a client is asked to wait: a restart or failover takes seconds to a minute.
RETRY_AFTER_SECONDS = 30

# SQLSTATE of a write refused by a server in recovery (read_only_sql_transaction), which
# psycopg raises as an InternalError; other refusals of that class are real bugs.
_READ_ONLY = "25006"


def is_temporary(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is unavailable for now: OperationalError and
    InterfaceError always do (no connection, connection lost, server shutting down or
    starting up); an InternalError only for a server in recovery."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, InternalError):
        return getattr(exc.__cause__, "sqlstate", None) == _READ_ONLY
    return False


def unavailable(exc: BaseException, request_id: str) -> ScimError:
    """The 503 for a temporary failure (:func:`is_temporary`)."""
    logger.warning(
        "SCIM request %s: database unavailable: %s: %s", request_id, type(exc).__name__, exc
    )
    return ScimError(
        503,
        f"The service is temporarily unavailable; retry later (request id {request_id})",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
