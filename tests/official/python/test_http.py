"""lark-oapi's EventDispatcherHandler behind http.server, with a verification token and an
encrypt key: lark-mock checks the request URL with the platform's challenge, then posts events
and card actions to it signed and encrypted, as the platform does."""

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import lark_oapi as lark
from lark_oapi.api.im.v1 import P2ImMessageReceiveV1
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)

from mock_control import card_action, delete, get, message_event, post, push_event

ENCRYPT_KEY = "test-encrypt-key"
VERIFICATION_TOKEN = "test-verification-token"
handled = []  # (event_type, event_id) per handler call


def on_message(data: P2ImMessageReceiveV1) -> None:
    handled.append((data.header.event_type, data.header.event_id))


def on_card_action(data: P2CardActionTrigger) -> P2CardActionTriggerResponse:
    handled.append((data.header.event_type, data.header.event_id))
    return P2CardActionTriggerResponse({"toast": {"type": "info", "content": f"got {data.event.action.value['k']}"}})


event_handler = (
    lark.EventDispatcherHandler.builder(ENCRYPT_KEY, VERIFICATION_TOKEN)
    .register_p2_im_message_receive_v1(on_message)
    .register_p2_card_action_trigger(on_card_action)
    .build()
)


class Webhook(BaseHTTPRequestHandler):
    """The request, as lark-oapi's RawRequest, to the handler; its RawResponse back."""

    def do_POST(self):
        request = lark.RawRequest()
        request.uri = self.path
        request.headers = dict(self.headers)
        request.body = self.rfile.read(int(self.headers["Content-Length"]))
        response = event_handler.do(request)
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    def log_message(self, *args):
        pass


class WebhookTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = get()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.server.server_port}/webhook/event"
        delete("/callbacks")
        # The platform's URL check passes; one URL for events and callbacks alike (receives "all").
        status, answer = post(
            "/callbacks", {"url": cls.url, "verification_token": VERIFICATION_TOKEN, "encrypt_key": ENCRYPT_KEY}
        )
        assert status == 200 and answer["verified"], answer

    @classmethod
    def tearDownClass(cls):
        delete("/callbacks")
        cls.server.shutdown()
        cls.server.server_close()

    def test_a_url_with_another_verification_token_fails_the_check(self):
        with self.assertLogs("Lark", "ERROR") as logs:  # the SDK refuses the challenge
            status, answer = post(
                "/callbacks", {"url": self.url, "verification_token": "wrong", "encrypt_key": ENCRYPT_KEY}
            )
        self.assertEqual(status, 400, answer)
        self.assertIn("invalid verification_token", logs.output[0])
        self.assertEqual([c["url"] for c in get("/callbacks")["callbacks"]], [self.url])

    def test_a_message_event_arrives_signed_and_encrypted(self):
        answer = push_event(message_event("by callback", self.mock), via="http")
        self.assertFalse(answer["timed_out"], answer)
        self.assertEqual([(a["url"], a["status"]) for a in answer["answers"]], [(self.url, 200)])
        self.assertEqual(answer["answers"][0]["reply"], {"msg": "success"})
        self.assertEqual(handled.count(("im.message.receive_v1", answer["event_id"])), 1)

    def test_a_card_action_gets_its_toast_back(self):
        answer = push_event(card_action({"k": "h"}, self.mock), via="http")
        self.assertFalse(answer["timed_out"], answer)
        self.assertEqual(answer["answers"][0]["status"], 200, answer)
        self.assertEqual(answer["answers"][0]["reply"], {"toast": {"type": "info", "content": "got h"}})
        self.assertEqual(handled.count(("card.action.trigger", answer["event_id"])), 1)


if __name__ == "__main__":
    unittest.main()
