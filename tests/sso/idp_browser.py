"""Headless Chromium at the test IdPs' login pages (both use the same field ids): what a
person does between "Sign in with SSO" and landing back in the product."""


def sign_in_at_idp(page, login, password):
    """On an IdP's login page: type the login and password and submit, as a person would."""
    page.wait_for_selector("#idp-login")
    page.fill("#idp-login", login)
    page.fill("#idp-password", password)
    page.click("#idp-sign-in")


def sign_in_through_idp(page, start_url, login, password, lands_on=None):
    """From where the product starts a sign-in (its login URL, an invitation's button) through
    the IdP's form and back: waits until the browser is at ``lands_on`` (a URL, glob or
    regular expression) when given."""
    page.goto(start_url)
    sign_in_at_idp(page, login, password)
    if lands_on is not None:
        page.wait_for_url(lands_on)
