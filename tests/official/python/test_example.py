"""Testing your bot against lark-mock: lark-oapi's ws.Client, unchanged, pointed at the mock.

    lark mock serve            # prints the base URL, e.g. http://127.0.0.1:PORT
    LARK_MOCK_URL=http://127.0.0.1:PORT python -m unittest test_example.py

ws.Client.start() blocks for good, so the test runs this same file as the bot, in a process of
its own, and kills it at the end.
"""

import json
import os
import subprocess
import sys
import unittest
import urllib.request

import lark_oapi as lark

MOCK = os.environ["LARK_MOCK_URL"]


def control(path, body=None):  # lark-mock's control API: GET /_mock, POST /_mock/events, ...
    data = body and json.dumps(body).encode()
    request = urllib.request.Request(f"{MOCK}/_mock{path}", data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.load(response)


def bot():  # your bot: only the domain points at the mock; the app id and secret are the mock's
    mock = control("")
    on_message = lambda data: print("received", json.loads(data.event.message.content)["text"], flush=True)
    handler = lark.EventDispatcherHandler.builder("", "").register_p2_im_message_receive_v1(on_message).build()
    lark.ws.Client(mock["app_id"], mock["app_secret"], event_handler=handler, domain=MOCK).start()


class ExampleTest(unittest.TestCase):
    def test_my_bot_receives_a_message(self):
        mock = control("")
        bot = subprocess.Popen([sys.executable, __file__, "bot"], stdout=subprocess.PIPE, text=True)
        self.addCleanup(bot.wait, 10)
        self.addCleanup(bot.kill)
        message = {"message_id": "om_1", "chat_id": mock["chat_id"], "chat_type": "group",
                   "message_type": "text", "content": json.dumps({"text": "hi"})}
        event = {"schema": "2.0", "header": {"event_type": "im.message.receive_v1"},  # the mock fills in the rest
                 "event": {"sender": {"sender_id": {"open_id": mock["user_open_id"]}}, "message": message}}
        # Pushed to the bot once it connects; the answer holds its ack (200: handled).
        answer = control("/events", {"event": event, "timeout_ms": 20000})
        self.assertEqual([a["code"] for a in answer["answers"]], [200], answer)
        bot.kill()
        self.assertIn("received hi\n", bot.communicate(timeout=10)[0])


if __name__ == "__main__":
    bot() if sys.argv[1:] == ["bot"] else unittest.main()
