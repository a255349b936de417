"""lark-oapi's own ``client.access_token`` (the ``/oauth/v3/token`` exchange) against the mock's
accounts host: a code from the authorize page (PKCE, S256) exchanged for a user token,
``authen.v1.user_info.get`` as that user, a refresh that rotates the refresh token, and the old
one refused when used again."""

import base64
import hashlib
import http.client
import secrets
import unittest
import urllib.parse

import lark_oapi as lark
from lark_oapi.api.authen.v1 import GetUserInfoRequest
from lark_oapi.core.exception import AccessTokenException

from mock_control import MOCK, TIMEOUT, get

REDIRECT = "http://127.0.0.1:9/callback"


def authorize(app_id, challenge, state):
    """What a browser does with the authorize URL: the ``code`` of the redirect it answers."""
    query = urllib.parse.urlencode(
        {
            "client_id": app_id,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "contact:user.base:readonly offline_access",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    host = urllib.parse.urlsplit(MOCK).netloc
    connection = http.client.HTTPConnection(host, timeout=TIMEOUT)
    try:
        connection.request("GET", f"/open-apis/authen/v1/authorize?{query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
        location = urllib.parse.urlsplit(response.getheader("Location"))
    finally:
        connection.close()
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT, location
    params = urllib.parse.parse_qs(location.query)
    assert params["state"] == [state], params
    return params["code"][0]


def as_user(token):
    return lark.RequestOption.builder().user_access_token(token).build()


class UserTokenTest(unittest.TestCase):
    def test_code_with_pkce_user_info_and_a_single_use_refresh(self):
        mock = get()
        # A custom domain has no accounts host lark-oapi knows: name it (the mock plays both).
        client = (
            lark.Client.builder()
            .app_id(mock["app_id"])
            .app_secret(mock["app_secret"])
            .domain(MOCK)
            .oauth_base_url(MOCK)
            .enable_set_token(True)  # lark-oapi's switch for passing a user token per call
            .log_level(lark.LogLevel.CRITICAL)
            .build()
        )
        verifier = secrets.token_urlsafe(32)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()

        code = authorize(mock["app_id"], challenge, "st-py")
        token = client.access_token.retrieve_by_authorization_code(
            code, redirect_uri=REDIRECT, code_verifier=verifier
        )
        self.assertTrue(token.access_token.startswith("u-"), token.access_token)
        self.assertEqual(token.token_type, "Bearer")
        self.assertGreater(token.expires_in, 0)
        self.assertTrue(token.refresh_token, "offline_access gives a refresh token")
        self.assertIn("offline_access", token.scope)

        me = client.authen.v1.user_info.get(GetUserInfoRequest.builder().build(), as_user(token.access_token))
        self.assertTrue(me.success(), (me.code, me.msg))
        self.assertEqual(me.data.open_id, mock["user_open_id"])
        self.assertEqual(me.data.tenant_key, mock["tenant_key"])
        self.assertTrue(me.data.union_id and me.data.name and me.data.email)

        # A refresh answers a new access token and the next refresh token...
        nxt = client.access_token.refresh(token.refresh_token)
        self.assertNotEqual(nxt.access_token, token.access_token)
        self.assertTrue(nxt.refresh_token)
        self.assertNotEqual(nxt.refresh_token, token.refresh_token)
        again = client.authen.v1.user_info.get(GetUserInfoRequest.builder().build(), as_user(nxt.access_token))
        self.assertEqual(again.data.open_id, mock["user_open_id"])

        # ...and the old refresh token is spent: 20073, invalid_grant, without echoing it.
        with self.assertRaises(AccessTokenException) as spent:
            client.access_token.refresh(token.refresh_token)
        self.assertEqual(spent.exception.status_code, 400)
        self.assertEqual(spent.exception.code, 20073)
        self.assertEqual(spent.exception.error, "invalid_grant")
        self.assertNotIn(token.refresh_token, str(spent.exception))

        # A wrong verifier is refused.
        stolen = authorize(mock["app_id"], challenge, "st-py-2")
        with self.assertRaises(AccessTokenException) as forged:
            client.access_token.retrieve_by_authorization_code(
                stolen, redirect_uri=REDIRECT, code_verifier=secrets.token_urlsafe(32)
            )
        self.assertEqual(forged.exception.error, "invalid_grant")

        # An unknown user token is refused by user_info.
        unknown = client.authen.v1.user_info.get(GetUserInfoRequest.builder().build(), as_user("u-never-issued"))
        self.assertEqual(unknown.code, 99991668, unknown.msg)
