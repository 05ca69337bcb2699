"""Ending every session of a person, whatever SESSION_ENGINE keeps them in.

Django can delete one session by key in any backend (``SessionStore(key).delete()``) but
cannot list a person's sessions: the cache backends are not queryable, and scanning the
database backend's table does not scale. So the app keeps its own index, ``UserSession``:
a row per login (``user_logged_in``), dropped at logout (``user_logged_out``), read when a
deactivation must end the person's sessions.

A session whose key changes without a new login (``update_session_auth_hash`` after a
password change) is indexed again by :class:`cosmo_scim.middleware.SessionIndexMiddleware`,
which the host lists in MIDDLEWARE (system check cosmo_scim.W002). The signed-cookie
backend keeps no server-side state and so cannot be ended at all; use a database or cache
backend.

**Telling the person why.** A deactivation happens in someone else's request (the IdP's, an
admin's), so the person's browser can learn of it only on its own next request, carrying
the cookie of the session that was ended. :func:`end` leaves a *marker* in the session
store under a key derived from the ended one by an HMAC with the host's ``SECRET_KEY``:
only that browser's cookie leads to it, nobody can look it up by a person or an address,
and it expires like a session. On the browser's next request that reads its session
(any page that asks who is signed in) the middleware finds the cookie's session gone,
moves the marker's words into the browser's fresh session (:func:`carry_ended_notice`),
and the login page it is sent to shows them once
(:func:`take_ended_notice`, the ``access_ended_notice`` template tag). The ended session
itself is deleted, not rewritten: a request of the person's still in flight cannot save it
back to life (Django refuses to save a session deleted meanwhile).
"""

from collections.abc import Sequence
from contextlib import suppress
from importlib import import_module
from typing import TypedDict

from django.conf import settings
from django.contrib.sessions.backends.base import CreateError, SessionBase
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from ..host import Key, Person
from ..models import UserSession


def _store(session_key: str | None = None) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def remember(request: HttpRequest, user: Person) -> None:
    """Index the request's session under ``user`` (at login)."""
    if request.session.session_key:
        index(request.session.session_key, user.pk)


def index(session_key: str, user_id: Key) -> None:
    """Index ``session_key`` under the person ``user_id``, pruning keys of theirs that no
    longer exist (a rotated session's old key, an expired one)."""
    stale = [
        key
        for key in UserSession.objects.filter(user_id=user_id)
        .exclude(session_key=session_key)
        .values_list("session_key", flat=True)
        if not _store().exists(key)
    ]
    UserSession.objects.filter(session_key__in=stale).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user_id": user_id})


def forget(request: HttpRequest) -> None:
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def keys_of(user: Person) -> list[str]:
    """The indexed session keys of ``user``."""
    return list(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))


# The marker's key in a session.
NOTICE = "cosmo_scim_access_ended"


class EndedNotice(TypedDict):
    """The marker's words: which organization ended the access, and whether its IdP or an
    admin did."""

    organization: str
    by: str  # "idp" or "admin"


def end(session_keys: Sequence[str], notice: EndedNotice | None = None) -> None:
    """Delete these sessions (:func:`keys_of`); their next request is anonymous. With a
    ``notice`` (see NOTICE), each browser is told why on its login page."""
    for session_key in session_keys:
        _store(session_key).delete()
        if notice is not None:
            _leave_marker(session_key, notice)
    UserSession.objects.filter(session_key__in=session_keys).delete()


def _leave_marker(session_key: str, notice: EndedNotice) -> None:
    marker = _store(_marker_key(session_key))
    marker.clear()  # new contents, not loaded: loading a missing key would drop the key
    marker[NOTICE] = notice
    with suppress(CreateError):  # ended twice: the marker already there says the same
        marker.save(must_create=True)


def _marker_key(session_key: str) -> str:
    return salted_hmac("cosmo_scim.ended_session", session_key, algorithm="sha256").hexdigest()[:32]


def carry_ended_notice(request: HttpRequest, cookie: str) -> None:
    """If ``cookie`` (the browser's session cookie, naming a session that no longer
    exists) names one :func:`end` ended, put its notice into the request's fresh session,
    which is then saved under a new key. One lookup, only for a dead cookie."""
    session = request.session
    marker = _store(_marker_key(cookie))
    notice = marker.get(NOTICE)
    if notice is not None:
        marker.delete()
        session[NOTICE] = notice


def take_ended_notice(request: HttpRequest) -> EndedNotice | None:
    """The notice of this browser's ended session, once (then it is gone), or None."""
    session = getattr(request, "session", None)
    return session.pop(NOTICE, None) if session is not None else None
