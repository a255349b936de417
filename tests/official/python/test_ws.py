"""lark-oapi's ws.Client (in ws_bot.py, a process of its own) on lark-mock's long connection:
a whole event, one cut into three frames, and a card action whose toast comes back."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

from mock_control import MOCK, card_action, get, message_event, open_connections, post, push_event, wait_for

BOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ws_bot.py")


class WsBotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = get()
        wait_for("no other long connection", lambda: open_connections() == 0)
        post("/reset", {})  # no messages yet: each echo below is the bot's
        cls.output = tempfile.TemporaryFile(mode="w+")  # the bot's log, and a line per event handled
        env = dict(os.environ, LARK_MOCK_URL=MOCK, LARK_APP_ID=cls.mock["app_id"], LARK_APP_SECRET=cls.mock["app_secret"])
        cls.bot = subprocess.Popen([sys.executable, BOT], env=env, stdout=cls.output, stderr=subprocess.STDOUT)
        try:
            wait_for("the bot to connect", lambda: cls.bot.poll() is None and open_connections() == 1)
        except AssertionError:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.bot.kill()
        cls.bot.wait(timeout=10)
        wait_for("the bot's connection to close", lambda: open_connections() == 0)
        cls.output.seek(0)
        log = cls.output.read()
        if "Traceback" in log or "ERROR" in log:
            print(f"\n--- ws_bot.py's output ---\n{log}", file=sys.stderr)
        cls.output.close()

    def handled(self, event_id):
        """How many times the bot's handlers ran for this event."""
        self.output.seek(0)
        return [line.split()[-1] for line in self.output if line.startswith("handled ")].count(event_id)

    def echoes(self, text):
        return [m for m in get("/messages")["items"] if json.loads(m["body"]["content"]) == {"text": f"echo: {text}"}]

    def test_a_whole_event_is_handled_once_and_acked_200(self):
        answer = push_event(message_event("whole", self.mock))
        self.assertFalse(answer["timed_out"], answer)
        self.assertEqual([a["code"] for a in answer["answers"]], [200])
        self.assertEqual(self.handled(answer["event_id"]), 1)
        self.assertEqual(len(self.echoes("whole")), 1)

    def test_an_event_in_three_frames_is_put_together_and_handled_once(self):
        answer = push_event(message_event("in three parts", self.mock), fragments=3)
        self.assertFalse(answer["timed_out"], answer)
        self.assertEqual([a["code"] for a in answer["answers"]], [200])
        self.assertEqual(self.handled(answer["event_id"]), 1)
        self.assertEqual(len(self.echoes("in three parts")), 1)

    def test_a_card_action_gets_its_toast_back(self):
        answer = push_event(card_action({"k": "v"}, self.mock))
        self.assertFalse(answer["timed_out"], answer)
        self.assertEqual(len(answer["answers"]), 1)
        self.assertEqual(answer["answers"][0]["code"], 200)
        self.assertEqual(answer["answers"][0]["reply"], {"toast": {"type": "success", "content": "clicked v"}})
        self.assertEqual(self.handled(answer["event_id"]), 1)


if __name__ == "__main__":
    unittest.main()
