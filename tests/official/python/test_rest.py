"""lark-oapi's Client against lark-mock: send a message to the chat, read it back."""

import json
import unittest

import lark_oapi as lark
from lark_oapi.api.im.v1 import (
    CreateMessageRequest,
    CreateMessageRequestBody,
    GetMessageRequest,
    ListMessageRequest,
)

from mock_control import MOCK, get


class RestTest(unittest.TestCase):
    def test_message_create_then_list(self):
        mock = get()
        client = (
            lark.Client.builder()
            .app_id(mock["app_id"])
            .app_secret(mock["app_secret"])
            .domain(MOCK)
            .log_level(lark.LogLevel.WARNING)
            .build()
        )
        text = "hello from lark-oapi"
        request = (
            CreateMessageRequest.builder()
            .receive_id_type("chat_id")
            .request_body(
                CreateMessageRequestBody.builder()
                .receive_id(mock["chat_id"])
                .msg_type("text")
                .content(json.dumps({"text": text}))
                .build()
            )
            .build()
        )
        response = client.im.v1.message.create(request)
        self.assertTrue(response.success(), (response.code, response.msg))
        message_id = response.data.message_id
        self.assertTrue(message_id.startswith("om_"), message_id)
        self.assertEqual(response.data.chat_id, mock["chat_id"])

        got = client.im.v1.message.get(GetMessageRequest.builder().message_id(message_id).build())
        self.assertTrue(got.success(), (got.code, got.msg))
        self.assertEqual(json.loads(got.data.items[0].body.content)["text"], text)

        listed = client.im.v1.message.list(
            ListMessageRequest.builder().container_id_type("chat").container_id(mock["chat_id"]).build()
        )
        self.assertTrue(listed.success(), (listed.code, listed.msg))
        self.assertIn(message_id, [m.message_id for m in listed.data.items])

        # The mock saw it too.
        self.assertIn(message_id, [m["message_id"] for m in get("/messages")["items"]])


if __name__ == "__main__":
    unittest.main()
