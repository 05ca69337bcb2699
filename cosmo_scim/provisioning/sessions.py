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
"""

from importlib import import_module

from django.conf import settings

from ..models import UserSession


def _store(session_key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def remember(request, user):
    """Index the request's session under ``user`` (at login)."""
    if request.session.session_key:
        index(request.session.session_key, user.pk)


def index(session_key, user_id):
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


def forget(request):
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def keys_of(user):
    """The indexed session keys of ``user``."""
    return list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))


def end(session_keys):
    """Delete these sessions (:func:`keys_of`); their next request is anonymous."""
    for session_key in session_keys:
        _store(session_key).delete()
    UserSession.objects.filter(session_key__in=session_keys).delete()
