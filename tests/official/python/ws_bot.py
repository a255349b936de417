"""A bot on lark-oapi's long connection, pointed at lark-mock: the process test_ws.py runs.

It echoes each text message back to its chat through the API, answers a card action with a
toast, and prints `handled EVENT_TYPE EVENT_ID` for each event it handles (for the test to
count them).
lark-oapi's ws.Client blocks in start() for good: the test kills this process at the end.

    LARK_MOCK_URL=http://127.0.0.1:PORT LARK_APP_ID=... LARK_APP_SECRET=... python ws_bot.py
"""

import json
import os

import lark_oapi as lark
from lark_oapi.api.im.v1 import CreateMessageRequest, CreateMessageRequestBody, P2ImMessageReceiveV1
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)

MOCK = os.environ["LARK_MOCK_URL"]
APP_ID = os.environ["LARK_APP_ID"]
APP_SECRET = os.environ["LARK_APP_SECRET"]

client = lark.Client.builder().app_id(APP_ID).app_secret(APP_SECRET).domain(MOCK).build()


def seen(event_type, event_id):
    print(f"handled {event_type} {event_id}", flush=True)


def on_message(data: P2ImMessageReceiveV1) -> None:
    seen(data.header.event_type, data.header.event_id)
    text = json.loads(data.event.message.content)["text"]
    request = (
        CreateMessageRequest.builder()
        .receive_id_type("chat_id")
        .request_body(
            CreateMessageRequestBody.builder()
            .receive_id(data.event.message.chat_id)
            .msg_type("text")
            .content(json.dumps({"text": f"echo: {text}"}))
            .build()
        )
        .build()
    )
    response = client.im.v1.message.create(request)
    if not response.success():
        raise RuntimeError(f"the echo failed: {response.code} {response.msg}")


def on_card_action(data: P2CardActionTrigger) -> P2CardActionTriggerResponse:
    seen(data.header.event_type, data.header.event_id)
    value = data.event.action.value["k"]
    return P2CardActionTriggerResponse({"toast": {"type": "success", "content": f"clicked {value}"}})


event_handler = (
    lark.EventDispatcherHandler.builder("", "")
    .register_p2_im_message_receive_v1(on_message)
    .register_p2_card_action_trigger(on_card_action)
    .build()
)

if __name__ == "__main__":
    lark.ws.Client(APP_ID, APP_SECRET, event_handler=event_handler, domain=MOCK).start()
