// The classes of lark-sdk over one wasm build: the full one (`index.js`: browsers, extensions,
// Node), or the Workers one (`workerd.js`), which is the same without the long connection.
import { customBotClass } from './custom-bot.js';
import { larkClientClass } from './client.js';
import * as files from './files.js';
import * as users from './users.js';
import * as observe from './observe.js';
import { cardActionHandlerClass, eventDispatcherClass } from './events.js';
import { wsClientClass } from './ws.js';
import { CATALOG } from './generated/catalog.js';

/**
 * `init` and `initSync` (load the wasm: a URL, Response, bytes or WebAssembly.Module; the
 * packaged file by default), `CustomBot`, `EventDispatcher`, `CardActionHandler` (node-sdk's
 * card callback handler, over an EventDispatcher), `WSClient`, `LarkClient` and `Client`
 * (node-sdk's name of the client), over `glue` and its `wasm` loader.
 */
export function sdkClasses(glue, wasm) {
  const EventDispatcher = eventDispatcherClass(glue, wasm);
  const LarkClient = larkClientClass(glue, wasm, EventDispatcher, CATALOG, files, users, observe);
  return {
    init: (input) => wasm.init(input),
    initSync: (module) => wasm.initSync(module),
    CustomBot: customBotClass(glue, wasm),
    EventDispatcher,
    CardActionHandler: cardActionHandlerClass(EventDispatcher),
    WSClient: wsClientClass(glue, wasm),
    LarkClient,
    Client: LarkClient,
  };
}
