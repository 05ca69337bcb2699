"""The page an invitation link opens: take up the membership, then land in the product.

The token travels only in the link's path (GET) and in a hidden field of the form (POST to
a token-free URL). Django logs the path of every 4xx response and of CSRF failures, so the
page answers 200 whatever it says, and no request that could fail carries the token in its
path; the invitation is looked up by the token's hash.
"""

from django import forms
from django.contrib.auth import authenticate, login
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from .. import invitations
from ..host import host_adapter
from ..host_fields import person_of
from ..provisioning import lifecycle


class PasswordForm(forms.Form):
    """A person who has an account proves it is theirs with its password."""

    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)


def _unusable(request, reason, invitation=None):
    return render(
        request,
        "cosmo_scim/invitations/unusable.html",
        {"reason": reason, "invitation": invitation},
    )


def _form_for(request, person, data=None):
    """What the person must do on the page: nothing when already logged in as the invitee,
    confirm their password when they have one, else choose one."""
    if request.user.is_authenticated and request.user.pk == person.pk:
        return None
    if person.has_usable_password():
        return PasswordForm(data)
    return SetPasswordForm(person, data)


def _page(request, token, invitation, form):
    person = person_of(invitation.membership)
    wrong_account = request.user.is_authenticated and request.user.pk != person.pk
    return render(
        request,
        "cosmo_scim/invitations/accept.html",
        {
            "token": token,
            "invitation": invitation,
            "organization": invitation.organization,
            "form": form,
            "wrong_account": wrong_account,
        },
    )


@never_cache
@require_GET
def show(request, token):
    invitation = invitations.find(token)
    reason = invitations.refusal(invitation)
    if reason is not None:
        return _unusable(request, reason, invitation)
    return _page(request, token, invitation, _form_for(request, person_of(invitation.membership)))


@never_cache
@sensitive_post_parameters()
@require_POST
def accept(request):
    token = request.POST.get("token", "")
    invitation = invitations.find(token)
    reason = invitations.refusal(invitation)
    if reason is not None:
        return _unusable(request, reason, invitation)
    person = person_of(invitation.membership)
    if request.user.is_authenticated and request.user.pk != person.pk:
        return _page(request, token, invitation, None)
    form = _form_for(request, person, request.POST)
    if form is not None and not form.is_valid():
        return _page(request, token, invitation, form)
    user = None
    if isinstance(form, PasswordForm):
        password = form.cleaned_data["password"]
        user = authenticate(request, username=person.get_username(), password=password)
        if user is None:
            form.add_error("password", "That is not the password of this account.")
            return _page(request, token, invitation, form)
    with transaction.atomic():
        reason = lifecycle.accept_invitation(invitation)
        if reason is not None:
            return _unusable(request, reason, invitation)
        if isinstance(form, SetPasswordForm):
            form.save()
            password = form.cleaned_data["new_password1"]
            user = authenticate(request, username=person.get_username(), password=password)
    if user is not None:
        login(request, user)
    return redirect(host_adapter().accepted_invitation_url(invitation.membership))
