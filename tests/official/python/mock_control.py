"""A few lines over lark-mock's control API (``/_mock/...``), shared by the tests here.

The SDK under test never sees any of this: it only gets the mock's URL as its ``domain``.
"""

import json
import os
import time
import urllib.error
import urllib.request

MOCK = os.environ["LARK_MOCK_URL"]  # the base URL `lark mock serve` printed
TIMEOUT = 20  # seconds, for any one control request


def _call(method, path, body=None):
    request = urllib.request.Request(
        f"{MOCK}/_mock{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:  # a 400 says why in its JSON body
        return error.code, json.load(error)


def get(path=""):
    status, answer = _call("GET", path)
    assert status == 200, (path, status, answer)
    return answer


def post(path, body):
    """POST a JSON body; answers (status, JSON)."""
    return _call("POST", path, body)


def delete(path):
    status, answer = _call("DELETE", path)
    assert status == 200, (path, status, answer)


def push_event(event, **options):
    """Pushes an event (over the long connection unless via="http"); answers what came back."""
    status, answer = post("/events", {"event": event, **options})
    assert status == 200, answer
    return answer


def wait_for(what, check, seconds=15.0):
    """Polls ``check`` every 50 ms until it is truthy; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def open_connections():
    return get()["ws"]["open_connections"]


def message_event(text, mock, message_id="om_python"):
    """An ``im.message.receive_v1`` event as the platform pushes it; the mock fills the header."""
    return {
        "schema": "2.0",
        "header": {"event_type": "im.message.receive_v1"},
        "event": {
            "sender": {"sender_id": {"open_id": mock["user_open_id"]}, "sender_type": "user"},
            "message": {
                "message_id": message_id,
                "chat_id": mock["chat_id"],
                "chat_type": "group",
                "message_type": "text",
                "content": json.dumps({"text": text}),
            },
        },
    }


def card_action(value, mock, message_id="om_card"):
    """A ``card.action.trigger`` callback: the user clicked a button carrying ``value``."""
    return {
        "schema": "2.0",
        "header": {"event_type": "card.action.trigger"},
        "event": {
            "operator": {"open_id": mock["user_open_id"]},
            "token": f"c-{message_id}",
            "action": {"value": value, "tag": "button"},
            "host": "im_message",
            "context": {"open_message_id": message_id, "open_chat_id": mock["chat_id"]},
        },
    }
