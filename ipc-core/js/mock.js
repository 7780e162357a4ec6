// Mocks for front-end tests: the generated client, run without a WebView (Node's test runner, vitest), answered by
// handlers written in JavaScript. ES2020, no dependencies. `installMock(handlers)` is the module's one entry point;
// ipc-core appends the table of the services' methods (`METHODS`) and error codes (`CODES`) it needs.
//
// The generated module's runtime is the real one: calls, timeouts, cancellation and listeners behave exactly as in a
// WebView. Only the transport is replaced: the module's built-in stand-in for a missing transport hands every message
// to the installed mock, which answers as the host would.

/** An error a mock handler throws to make a call fail with a given kind (`"VALIDATION"`, `"HANDLER"`, ...). */
export class MockError extends Error {
  /** @param {string} kind @param {string} message @param {unknown} [data] */
  constructor(kind, message, data = null) {
    super(message);
    this.name = "MockError";
    this.kind = kind;
    this.data = data;
  }
}

// The page secret the mock answers under: the one the generated module's stand-in for a missing transport gives the
// runtime too, so a client imported before installMock (welcomed by the stand-in) takes the mock's answers.
const SECRET = "unconnected";

/**
 * `value` with each of the page's exact-integer placeholders under `key` (`{[key]: "digits"}`, see ipc_core::exact)
 * replaced by its BigInt, so handlers get what the page passed.
 * @param {unknown} value @param {string | undefined} key
 */
function reviveExact(value, key) {
  if (key === undefined || value === null || typeof value !== "object") {
    return value;
  }
  const keys = Object.keys(value);
  if (!Array.isArray(value) && keys.length === 1 && keys[0] === key && typeof value[key] === "string") {
    return BigInt(value[key]);
  }
  for (const k of keys) {
    value[k] = reviveExact(value[k], key);
  }
  return value;
}

/**
 * Installs `handlers` (by service, then method, each taking the method's arguments in order) as the host. Call it
 * before the first call; installing again replaces the handlers. Returns the mock's controls.
 * @param {Record<string, Record<string, Function>>} handlers
 */
export function installMock(handlers) {
  const calls = [];
  const sent = [];
  const cancelled = [];
  const receive = (delivery) => {
    const hand = globalThis.__ipcReceive;
    if (typeof hand !== "function") {
      throw new Error("the generated client is not loaded: import it (before or after installMock)");
    }
    hand(delivery);
  };
  // A handler's BigInt values travel as the host's exact integers do: placeholders under the message's key.
  const exactKey = `$ipc:mock${Math.random().toString(16).slice(2)}`;
  const deliver = (message) => queueMicrotask(() => receive(JSON.stringify(
    { page: SECRET, messages: [{ ...message, binary: { key: exactKey, count: 0 } }] },
    (_key, value) => (typeof value === "bigint" ? { [exactKey]: String(value) } : value),
  )));
  const fail = (id, kind, message, data = null) => deliver({
    type: "answer", id, success: false, data: null,
    error: { code: CODES[kind] ?? CODES.HANDLER, kind: CODES[kind] === undefined ? "HANDLER" : kind, message, data },
  });
  /** Streams being answered, by call id: the credit the page gave, and what wakes a stream waiting for it. */
  const streams = new Map();
  /** Delivers the items of `source` (an iterable or async iterable) for the page's credit, then the end. */
  const pour = async (id, source) => {
    const state = streams.get(id);
    const iterator = typeof source[Symbol.asyncIterator] === "function"
      ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done || state.cancelled) break;
        while (state.credit === 0 && !state.cancelled) {
          await new Promise((wake) => { state.wake = wake; });
        }
        if (state.cancelled) break;
        state.credit -= 1;
        deliver({ type: "item", id, data: step.value === undefined ? null : step.value });
      }
      if (!state.cancelled) {
        deliver({ type: "answer", id, success: true, data: null, error: null });
      }
    } finally {
      streams.delete(id);
      if (state.cancelled && typeof iterator.return === "function") {
        await iterator.return();
      }
    }
  };
  /** Uploads being received, by `${id}:${index}`: items not yet read, and what wakes a reader waiting for one. */
  const uploads = new Map();
  /** The argument a handler gets for upload `index` of call `id`: an async iterable of the page's items. */
  const upload = (id, index) => {
    const state = { items: [], ended: false, wake: null };
    uploads.set(`${id}:${index}`, state);
    const credit = (count) => deliver({ type: "credit", id, upload: index, count });
    credit(16);
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (state.items.length === 0 && !state.ended) {
            await new Promise((wake) => { state.wake = wake; });
          }
          if (state.items.length === 0) return;
          const item = state.items.shift();
          credit(1);
          yield item;
        }
      },
    };
  };
  const invoke = async ({ id, channel, args: sent, binary }) => {
    const args = reviveExact(sent, binary === undefined ? undefined : binary.key);
    const method = METHODS[channel];
    // Upload placeholders become async iterables of what the page sends.
    for (const [name, value] of Object.entries(args ?? {})) {
      if (value !== null && typeof value === "object" && typeof value["$ipc:upload"] === "number") {
        args[name] = upload(id, value["$ipc:upload"]);
      }
    }
    const handler = method === undefined ? undefined : (handlers[method.service] ?? {})[method.name];
    calls.push({ channel, args: args ?? {} });
    if (method === undefined) {
      fail(id, "UNKNOWN_CHANNEL", `no method answers on \`${channel}\``);
      return;
    }
    if (typeof handler !== "function") {
      fail(id, "UNKNOWN_CHANNEL", `the mock has no handler for \`${channel}\` (add ${method.service}.${method.name})`);
      return;
    }
    try {
      const value = await handler(...method.args.map((name) => (args ?? {})[name]));
      if (method.stream) {
        await pour(id, value);
        return;
      }
      deliver({ type: "answer", id, success: true, data: value === undefined ? null : value, error: null });
    } catch (error) {
      if (error instanceof MockError) {
        fail(id, error.kind, error.message, error.data);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        fail(id, "HANDLER", message, error instanceof Error ? message : error);
      }
    }
  };
  globalThis.__ipcMock = {
    post(text) {
      if (typeof text !== "string") {
        throw new Error("the mock carries JSON values only, not binary data");
      }
      if (text.startsWith("{")) {
        const hello = JSON.parse(text);
        queueMicrotask(() => receive(JSON.stringify({
          page: null, messages: [{ type: "welcome", nonce: hello.nonce, page: SECRET }],
        })));
        return;
      }
      // The runtime posts the envelopes of one turn together, as a batch (see ipc_core::protocol).
      const posted = JSON.parse(text.slice(text.indexOf(":") + 1));
      for (const envelope of Array.isArray(posted) ? posted : [posted]) {
        take(envelope);
      }
    },
  };
  /** Acts on one envelope the page posted. */
  function take(envelope) {
    if (envelope.type === "invoke") {
      if ((METHODS[envelope.channel] ?? {}).stream) {
        streams.set(envelope.id, { credit: 0, wake: null, cancelled: false });
      }
      invoke(envelope);
    } else if (envelope.type === "chunk" || envelope.type === "end") {
      const state = uploads.get(`${envelope.id}:${envelope.upload}`);
      if (state !== undefined) {
        if (envelope.type === "chunk") state.items.push(envelope.payload);
        else state.ended = true;
        if (state.wake !== null) state.wake();
      }
    } else if (envelope.type === "credit") {
      const state = streams.get(envelope.id);
      if (state !== undefined) {
        state.credit += envelope.count;
        if (state.wake !== null) state.wake();
      }
    } else if (envelope.type === "send") {
      sent.push({ channel: envelope.channel, payload: envelope.payload });
    } else if (envelope.type === "cancel") {
      cancelled.push(envelope.id);
      const state = streams.get(envelope.id);
      if (state !== undefined) {
        state.cancelled = true;
        if (state.wake !== null) state.wake();
      }
    }
  }
  return {
    /** Every call made so far: its channel and its arguments by name. */
    calls,
    /**
     * Every `host.send` so far: channel and payload. What the page sends leaves at the end of its turn, as in a real
     * page (with the turn's other messages, in one batch): `await` anything before looking.
     */
    sent,
    /** The ids of calls the page gave up on (aborted or timed out). */
    cancelled,
    /** Pushes `payload` on `channel` to the page's listeners, as `send_to_window` would. */
    emit(channel, payload) {
      deliver({ type: "event", channel, payload: payload === undefined ? null : payload });
    },
  };
}
