"""The page an invitation link opens: take up the membership, then land in the product.

Like Django's password reset, the link's first GET moves the token out of the URL: its
hash goes into the session and the browser is redirected to the token-free
``invitations/accept/``, which shows the page and takes the form. So the token is in one
access-log line at most — never in the browser's history of the page, a Referer the page
sends, a form, or a 4xx or CSRF-failure log line (Django logs those paths; the redirect
answers 302 whatever the token, and the page 200 whatever it says). The invitation is
looked up by the token's hash; the session holds only the hash, and loses it on accepting.

Every response of these views says ``Referrer-Policy: same-origin`` itself, whatever the
host's middleware: the pages' addresses never reach another site. It is a header, not a
``<meta name="referrer">`` in the page: Chromium posts the form of a "no-referrer" page with
``Origin: null``, and Django's CSRF check refuses that (a 403 on accepting).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeAlias

from django import forms
from django.contrib.auth import authenticate, login
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from .. import conf, sso
from ..host import host_adapter
from ..host_fields import person_of
from ..models import Invitation, SsoConnection
from ..provisioning import acceptance, invitations


class PasswordForm(forms.Form):
    """A person who has an account proves it is theirs with its password."""

    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)


# What the page asks of the person: confirm their password, choose one, or nothing.
AcceptForm: TypeAlias = "PasswordForm | SetPasswordForm[AbstractBaseUser] | None"


def _unusable(
    request: HttpRequest, reason: str, invitation: Invitation | None = None
) -> HttpResponse:
    return render(
        request,
        "cosmo_scim/invitations/unusable.html",
        {"reason": reason, "invitation": invitation, "product_name": conf.get("PRODUCT_NAME")},
    )


def _sso_links(invitation: Invitation) -> list[tuple[str, str]]:
    """("Continue with <IdP>", URL) for each of the organization's SSO connections: the
    sign-in comes back to this page, resolved to the invited member (sso/linking.py)."""
    try:
        back = reverse("cosmo_scim_invitations:accept-submit")
        return [
            (
                connection.name,
                reverse("cosmo_scim_sso_start", args=[connection.key]) + f"?next={back}",
            )
            for connection in SsoConnection.objects.enabled().filter(
                organization_id=invitation.organization_id
            )
        ]
    except NoReverseMatch:  # the host has not mounted cosmo_scim.sso.urls
        return []


def _form_for(
    request: HttpRequest,
    person: AbstractBaseUser,
    invitation: Invitation,
    data: QueryDict | None = None,
) -> AcceptForm:
    """What the person must do on the page: nothing when already logged in as the invitee
    (through the organization's SSO when it requires it), confirm their password when they
    have one, else choose one — never a password for an organization that requires SSO."""
    if request.user.is_authenticated and request.user.pk == person.pk:
        return None
    if sso.requires_sso(invitation.organization):
        return None
    if person.has_usable_password():
        return PasswordForm(data)
    return SetPasswordForm(person, data)


SESSION_KEY = "cosmo_scim_invitation"


def _same_origin_referrer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def _may_accept(request: HttpRequest, person: AbstractBaseUser, invitation: Invitation) -> bool:
    """Signed in as the invitee, and — when the organization requires SSO — through it."""
    if not (request.user.is_authenticated and request.user.pk == person.pk):
        return False
    return sso.may_enter(request, invitation.organization)


def _page(
    request: HttpRequest, invitation: Invitation, person: AbstractBaseUser, form: AcceptForm
) -> HttpResponse:
    """The accept page of ``invitation``, whose account is ``person``'s."""
    wrong_account = request.user.is_authenticated and request.user.pk != person.pk
    sso_only = sso.requires_sso(invitation.organization) and not _may_accept(
        request, person, invitation
    )
    return render(
        request,
        "cosmo_scim/invitations/accept.html",
        {
            "invitation": invitation,
            "organization": invitation.organization,
            "form": form,
            "wrong_account": wrong_account,
            "product_name": conf.get("PRODUCT_NAME"),
            "sso_links": [] if wrong_account else _sso_links(invitation),
            "sso_only": sso_only,
        },
    )


@_same_origin_referrer
@never_cache
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: keep the token's hash in the session, then drop it from the URL.

    Only a token of an invitation goes into the session: a made-up link writes nothing —
    no session row, no cookie — so requesting links by the thousand costs one indexed read
    each, never a write. The redirect is the same either way; the page says the link does
    not work."""
    token_hash = invitations.hash_token(token)
    if invitations.find_by_hash(token_hash) is not None:
        request.session[SESSION_KEY] = token_hash
    return redirect("cosmo_scim_invitations:accept-submit")


@_same_origin_referrer
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    invitation = invitations.find_by_hash(request.session.get(SESSION_KEY, ""))
    reason = invitations.refusal(invitation)
    if reason is not None:
        return _unusable(request, reason, invitation)
    # refusal() turns down a missing invitation and one whose membership is gone.
    assert invitation is not None and invitation.membership is not None
    membership = invitation.membership
    person = person_of(membership)
    if request.method == "GET":
        return _page(request, invitation, person, _form_for(request, person, invitation))
    if request.user.is_authenticated and request.user.pk != person.pk:
        return _page(request, invitation, person, None)
    if sso.requires_sso(invitation.organization) and not _may_accept(request, person, invitation):
        return _page(request, invitation, person, None)
    form = _form_for(request, person, invitation, request.POST)
    if form is not None and not form.is_valid():
        return _page(request, invitation, person, form)
    user = None
    if isinstance(form, PasswordForm):
        password = form.cleaned_data["password"]
        user = authenticate(request, username=person.get_username(), password=password)
        if user is None:
            form.add_error("password", "That is not the password of this account.")
            return _page(request, invitation, person, form)
    chosen = form.cleaned_data["new_password1"] if isinstance(form, SetPasswordForm) else None
    # The password is set by the service on the account it locked, never saved from the
    # form's copy read before (which would write back a login an IdP moved meanwhile).
    reason = acceptance.accept_invitation(invitation, password=chosen)
    if reason is not None:
        return _unusable(request, reason, invitation)
    if chosen is not None:
        user = authenticate(request, username=person.get_username(), password=chosen)
    request.session.pop(SESSION_KEY, None)
    if user is not None:
        login(request, user)
    return redirect(host_adapter().accepted_invitation_url(membership))
