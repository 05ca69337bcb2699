"""A real SAML 2.0 identity provider on loopback for the SSO tests: pysaml2's IdP (signatures
by Debian's xmlsec1) behind a small threaded WSGI server.

It serves its metadata (``metadata_url``, which is also its entity id), takes AuthnRequests
over HTTP-Redirect at ``/sso/redirect``, shows a login form (the same field ids as the OIDC
provider's, so one browser helper signs in at both) and answers over HTTP-POST to the SP's
assertion consumer service, as Okta and Entra do. The SP is trusted from its metadata
(``trust_sp``: the product's metadata URL, or XML).

Switches (``misbehave``) make the next responses what an attacker or a broken IdP would send,
each built and signed by pysaml2 itself, never edited by hand: no signature, a SHA-1
signature, another audience, a validity window that has passed. ``/replay`` posts the last
response again, byte for byte, and ``/idp-initiated`` sends an unsolicited response (no
``InResponseTo``), as an IdP's app tile does (SAML 2.0 profiles §4.1.5).
"""

import datetime
import html
import secrets
import threading
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml, xmldsig
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED, NameID
from saml2.server import Server

XMLSEC1 = "/usr/bin/xmlsec1"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


@dataclass
class Behaviour:
    """What the next responses look like; the defaults are a well-configured IdP's."""

    sign_response: bool = True
    sign_assertion: bool = True
    sha1: bool = False
    audience: str | None = None  # None: the SP's entity id, as it must be
    expired: bool = False


@dataclass
class User:
    login: str
    password: str
    name_id: str
    name_id_format: str = NAMEID_FORMAT_UNSPECIFIED
    attributes: dict = field(default_factory=dict)


class SwitchedPolicy(Policy):
    """pysaml2's release policy with the conditions a switch asks for: another audience, or
    a window (NotBefore/NotOnOrAfter, also the bearer confirmation's) that ended minutes ago."""

    def __init__(self, behaviour, **kwargs):
        super().__init__(**kwargs)
        self.behaviour = behaviour

    def _window_end(self):
        minutes = -5 if self.behaviour.expired else 5
        now = datetime.datetime.now(datetime.UTC)
        return (now + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def not_on_or_after(self, sp_entity_id):
        return self._window_end()

    def conditions(self, sp_entity_id):
        now = datetime.datetime.now(datetime.UTC)
        start = now - datetime.timedelta(minutes=10) if self.behaviour.expired else now
        audience = self.behaviour.audience or sp_entity_id
        return saml.Conditions(
            not_before=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            not_on_or_after=self._window_end(),
            audience_restriction=[
                saml.AudienceRestriction(audience=[saml.Audience(text=audience)])
            ],
        )


def self_signed_certificate(directory: Path, common_name: str):
    """A fresh RSA key and certificate for this IdP's signatures: (key_file, cert_file)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / "idp.key", directory / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def _page(title, body):
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'</head><body><h1 id="idp-title">{html.escape(title)}</h1>{body}</body></html>'
    )


class SamlIdp:
    """The IdP and its server; ``start()`` before use, ``stop()`` after."""

    def __init__(self, directory: Path, name="Test SAML IdP"):
        self.directory = directory
        self.name = name
        self.users: dict[str, User] = {}
        self.behaviour = Behaviour()
        self.pending: dict[str, dict] = {}  # login form id -> what the response answers
        self.last_response: bytes | None = None  # the last auto-posting form sent
        self.sent: list[str] = []  # every SAMLResponse sent, base64, for the tests to inspect
        self._server = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self):
        self._server = make_server(
            "127.0.0.1", 0, self.wsgi, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        key_file, cert_file = self_signed_certificate(self.directory, self.name)
        self.cert_file = cert_file
        config = IdPConfig()
        config.load(
            {
                "entityid": self.metadata_url,
                "xmlsec_binary": XMLSEC1,
                "key_file": key_file,
                "cert_file": cert_file,
                "service": {
                    "idp": {
                        "name": self.name,
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{self.base_url}/sso/redirect", BINDING_HTTP_REDIRECT)
                            ]
                        },
                        "want_authn_requests_signed": False,
                        "policy": {"default": {"attribute_restrictions": None}},
                    }
                },
                "metadata": {},
            }
        )
        self.server = Server(config=config)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def metadata_url(self):
        return f"{self.base_url}/metadata"

    @property
    def entity_id(self):
        return self.metadata_url

    # -- what the tests change -----------------------------------------------------------------

    def trust_sp(self, metadata_url=None, metadata_xml=None):
        """Trust a service provider from its metadata: the product's URL, or the XML."""
        if metadata_url:
            with urllib.request.urlopen(metadata_url, timeout=10) as response:
                metadata_xml = response.read().decode()
        self.server.metadata.load("inline", metadata_xml)

    def put_user(self, login, password, name_id, name_id_format=NAMEID_FORMAT_UNSPECIFIED, **attrs):
        """Add or change a user; ``attrs`` are attribute name -> value or list of values."""
        values = {k: v if isinstance(v, list) else [v] for k, v in attrs.items()}
        self.users[login] = User(login, password, name_id, name_id_format, values)

    def misbehave(self, **switches):
        """Send the next responses with these ``Behaviour`` switches (until ``behave()``)."""
        self.behaviour = replace(Behaviour(), **switches)

    def behave(self):
        self.behaviour = Behaviour()

    def idp_initiated_url(self, sp_entity_id, relay_state=""):
        """Where a person starts an unsolicited sign-in to the SP (an IdP's app tile)."""
        return f"{self.base_url}/idp-initiated?" + urlencode(
            {"sp": sp_entity_id, "RelayState": relay_state}
        )

    @property
    def replay_url(self):
        return f"{self.base_url}/replay"

    # -- the protocol ----------------------------------------------------------------------------

    def _respond(self, answer, user):
        behaviour = self.behaviour
        sign_alg = xmldsig.SIG_RSA_SHA1 if behaviour.sha1 else xmldsig.SIG_RSA_SHA256
        digest_alg = xmldsig.DIGEST_SHA1 if behaviour.sha1 else xmldsig.DIGEST_SHA256
        response = self.server.create_authn_response(
            identity=user.attributes,
            in_response_to=answer["in_response_to"],
            destination=answer["destination"],
            sp_entity_id=answer["sp_entity_id"],
            name_id=NameID(format=user.name_id_format, text=user.name_id),
            authn={"class_ref": PASSWORD_CONTEXT, "authn_instant": int(time.time())},
            sign_response=behaviour.sign_response,
            sign_assertion=behaviour.sign_assertion,
            sign_alg=sign_alg,
            digest_alg=digest_alg,
            release_policy=SwitchedPolicy(behaviour, mds=self.server.metadata),
        )
        http_args = self.server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            answer["destination"],
            answer["relay_state"],
            response=True,
            sign=False,  # signing happened above, per the switches
        )
        self.last_response = http_args["data"].encode()
        self.sent.append(http_args["data"].split('name="SAMLResponse" value="')[1].split('"')[0])
        return self.last_response

    def _login_form(self, uid, message=""):
        return _page(
            f"Sign in to {self.name}",
            f'<p id="idp-error">{html.escape(message)}</p>'
            f'<form method="post" action="/login/{uid}">'
            '<label>Login <input id="idp-login" name="login" autofocus></label> '
            '<label>Password <input id="idp-password" name="password" type="password"></label> '
            '<button id="idp-sign-in" type="submit">Sign in</button></form>',
        ).encode()

    def _authn_request(self, query):
        request = self.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
        answer = self.server.response_args(request.message, [BINDING_HTTP_POST])
        return {
            "in_response_to": answer["in_response_to"],
            "destination": answer["destination"],
            "sp_entity_id": answer["sp_entity_id"],
            "relay_state": query.get("RelayState", ""),
        }

    def _unsolicited(self, query):
        sp_entity_id = query["sp"]
        [acs] = self.server.metadata.assertion_consumer_service(sp_entity_id, BINDING_HTTP_POST)
        return {
            "in_response_to": None,
            "destination": acs["location"],
            "sp_entity_id": sp_entity_id,
            "relay_state": query.get("RelayState", ""),
        }

    def wsgi(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        status, content_type, body = "200 OK", "text/html; charset=utf-8", b""
        if path == "/metadata":
            content_type = "application/samlmetadata+xml"
            body = create_metadata_string(None, config=self.server.config)
        elif path in ("/sso/redirect", "/idp-initiated") and method == "GET":
            uid = secrets.token_urlsafe(16)
            start = self._authn_request if path == "/sso/redirect" else self._unsolicited
            self.pending[uid] = start(query)
            body = self._login_form(uid)
        elif path.startswith("/login/") and method == "POST":
            uid = path.removeprefix("/login/")
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length)).items()}
            user = self.users.get(form.get(b"login", b"").decode())
            if uid not in self.pending:
                status, body = "400 Bad Request", _page("Unknown sign-in", "").encode()
            elif user is None or user.password != form.get(b"password", b"").decode():
                body = self._login_form(uid, "Wrong login or password.")
            else:
                body = self._respond(self.pending.pop(uid), user)
        elif path == "/replay" and self.last_response:
            body = self.last_response
        else:
            status, body = "404 Not Found", _page("Not found", "").encode()
        start_response(status, [("Content-Type", content_type), ("Cache-Control", "no-store")])
        return [body]
