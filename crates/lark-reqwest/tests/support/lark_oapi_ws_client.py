"""lark-oapi's ws.Client on lark-mock, for the `figures_lark_oapi` measurement in ../ws.rs.

Usage: python lark_oapi_ws_client.py BASE_URL APP_ID APP_SECRET (needs `pip install lark-oapi`).
Handles every im.message.receive_v1 event with a no-op, as the Rust side does; runs until killed.
"""
import sys

import lark_oapi as lark

base_url, app_id, app_secret = sys.argv[1:4]
handler = (
    lark.EventDispatcherHandler.builder("", "")
    .register_p2_im_message_receive_v1(lambda _data: None)
    .build()
)
client = lark.ws.Client(
    app_id,
    app_secret,
    event_handler=handler,
    domain=base_url,
    log_level=lark.LogLevel.WARNING,
)
client.start()
