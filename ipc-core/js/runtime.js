// The renderer runtime: installs `window.host` once per page. ES2020, no dependencies.
//
// This file is one function expression; ipc-core calls it with its configuration: the table of error codes
// (kind -> number, defined once in ipc_core::ErrorCode) and the largest request the hub accepts, in bytes. Generated
// service clients add themselves to `host.services`.
(function (config) {
  "use strict";
  const CODES = config.codes;
  if (window.host !== undefined) {
    return;
  }

  /**
   * The error a `host.invoke` promise rejects with.
   * @property {number} code stable numeric code (see ipc_core::ErrorCode)
   * @property {string} kind stable name of the code, such as "INVALID_ARGUMENTS"
   * @property {unknown} data the handler's own error value for kind "HANDLER", otherwise null
   */
  class IpcError extends Error {
    /** @param {{code: number, kind: string, message: string, data?: unknown}} error */
    constructor(error) {
      super(error.message);
      this.name = "IpcError";
      this.code = error.code;
      this.kind = error.kind;
      this.data = error.data === undefined ? null : error.data;
    }
  }

  /** @param {string} kind @param {string} message */
  function localError(kind, message) {
    return new IpcError({ code: CODES[kind], kind, message, data: null });
  }

  /**
   * JSON.stringify replacer that refuses values JSON would carry inexactly: integers beyond ±(2^53 - 1) and BigInts
   * (see ipc_core::json). Throws a TypeError naming the key.
   * @param {string} key
   * @param {unknown} value
   */
  function exactNumbers(key, value) {
    if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new TypeError(
        `\`${key}\` is ${value}, beyond ±${Number.MAX_SAFE_INTEGER}, the range JSON numbers carry exactly; send it as a string`);
    }
    if (typeof value === "bigint") {
      throw new TypeError(`\`${key}\` is a BigInt (${value}n); send it as a string or a safe integer`);
    }
    return value;
  }

  /**
   * Throws PAYLOAD_TOO_LARGE if `text` is larger in UTF-8 than the hub accepts. Counting bytes is only needed when the
   * text could be too large: a UTF-16 unit is at most 3 UTF-8 bytes.
   * @param {string} channel
   * @param {string} text
   */
  function checkSize(channel, text) {
    if (text.length * 3 <= config.maxRequestSize) {
      return;
    }
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > config.maxRequestSize) {
      throw localError("PAYLOAD_TOO_LARGE",
        `the request for \`${channel}\` is ${bytes} bytes, more than the ${config.maxRequestSize} the host accepts`);
    }
  }

  /** Calls waiting for their answer, by request id. */
  const pending = new Map();
  let nextId = 1;

  /** @param {string} text */
  function post(text) {
    window.ipc.postMessage(text);
  }

  /**
   * Calls a service method and resolves with its answer's data, or rejects with an IpcError.
   * @param {string} channel such as "todos.add"
   * @param {Record<string, unknown>} [args] arguments by name
   * @param {{timeout?: number, signal?: AbortSignal}} [options] timeout: stop waiting after this many milliseconds
   *   (rejects with TIMEOUT); signal: abort the call (rejects with CANCELLED). Either way the host is told to stop the
   *   handler at its next await.
   * @returns {Promise<unknown>}
   */
  function invoke(channel, args, options) {
    const timeout = options === undefined ? undefined : options.timeout;
    const signal = options === undefined ? undefined : options.signal;
    return new Promise((resolve, reject) => {
      if (signal !== undefined && signal.aborted) {
        reject(localError("CANCELLED", `\`${channel}\` was cancelled before it was sent`));
        return;
      }
      const id = nextId++;
      let text;
      try {
        text = JSON.stringify({ type: "invoke", id, channel, args: args === undefined ? {} : args }, exactNumbers);
        checkSize(channel, text);
      } catch (e) {
        reject(e instanceof IpcError ? e
          : localError("SERIALIZATION", `could not serialize the arguments of \`${channel}\`: ${e.message}`));
        return;
      }
      const entry = { resolve, reject, timer: undefined, onAbort: undefined, signal };
      // Stops waiting: the promise rejects now and the host is asked to drop the call.
      const giveUp = (kind, message) => {
        if (settle(id)) {
          reject(localError(kind, message));
          try {
            post(JSON.stringify({ type: "cancel", id }));
          } catch (e) {
            // The page is going away; the host drops the call with the page.
          }
        }
      };
      if (timeout !== undefined) {
        entry.timer = setTimeout(() => giveUp("TIMEOUT", `\`${channel}\` did not answer within ${timeout} ms`), timeout);
      }
      if (signal !== undefined) {
        entry.onAbort = () => giveUp("CANCELLED", `\`${channel}\` was cancelled`);
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      pending.set(id, entry);
      try {
        post(text);
      } catch (e) {
        settle(id);
        reject(localError("CHANNEL_SEND", `could not send \`${channel}\`: ${e.message}`));
      }
    });
  }

  /**
   * Removes the pending call `id` and its timer and abort listener; returns whether it was still pending.
   * @param {number} id
   */
  function settle(id) {
    const entry = pending.get(id);
    if (entry === undefined) {
      return false;
    }
    pending.delete(id);
    clearTimeout(entry.timer);
    if (entry.onAbort !== undefined) {
      entry.signal.removeEventListener("abort", entry.onAbort);
    }
    return true;
  }

  /**
   * Sends a one-way message to Rust subscribers of `channel`; there is no answer.
   * @param {string} channel
   * @param {unknown} [payload]
   */
  function send(channel, payload) {
    let text;
    try {
      text = JSON.stringify({ type: "send", channel, payload: payload === undefined ? null : payload }, exactNumbers);
    } catch (e) {
      throw localError("SERIALIZATION", `could not serialize the payload of \`${channel}\`: ${e.message}`);
    }
    checkSize(channel, text);
    post(text);
  }

  /** Listeners of pushed events, by channel. */
  const listeners = new Map();

  /**
   * Calls `callback(payload)` for every event pushed on `channel`. Returns a function that removes the listener.
   * @param {string} channel such as "todos.changed" or "window:resize"
   * @param {(payload: unknown) => void} callback
   * @returns {() => void}
   */
  function on(channel, callback) {
    let set = listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      listeners.set(channel, set);
    }
    set.add(callback);
    return () => off(channel, callback);
  }

  /**
   * Like `on`, but only for the next event.
   * @param {string} channel
   * @param {(payload: unknown) => void} callback
   * @returns {() => void}
   */
  function once(channel, callback) {
    const remove = on(channel, function listener(payload) {
      remove();
      callback(payload);
    });
    return remove;
  }

  /**
   * Removes a listener added with `on` (with the same callback). Removing one that is not there does nothing.
   * @param {string} channel
   * @param {(payload: unknown) => void} callback
   */
  function off(channel, callback) {
    const set = listeners.get(channel);
    if (set !== undefined) {
      set.delete(callback);
      if (set.size === 0) {
        listeners.delete(channel);
      }
    }
  }

  /** @param {string} channel @param {unknown} payload */
  function dispatch(channel, payload) {
    const set = listeners.get(channel);
    if (set === undefined) {
      return;
    }
    // A copy: listeners may add or remove listeners while running. One failing listener does not stop the others.
    for (const callback of [...set]) {
      try {
        callback(payload);
      } catch (e) {
        console.error(`host: a listener of \`${channel}\` threw`, e);
      }
    }
  }

  /**
   * Entry point for messages from the host (see ipc_core::protocol).
   * @param {{type: string, id?: number | null, success?: boolean, data?: unknown, error?: any, channel?: string, payload?: unknown}} message
   */
  function receive(message) {
    if (message.type === "event") {
      dispatch(message.channel, message.payload);
      return;
    }
    if (message.type !== "answer") {
      return;
    }
    const entry = pending.get(message.id);
    if (entry === undefined) {
      if (message.id === null && !message.success) {
        console.error(`host: a request was refused: ${message.error.message}`);
      }
      return;
    }
    settle(message.id);
    if (message.success) {
      entry.resolve(message.data);
    } else {
      entry.reject(new IpcError(message.error));
    }
  }

  const host = { invoke, send, on, once, off, IpcError, services: {}, __receive: receive };
  Object.defineProperty(window, "host", { value: host, writable: false, enumerable: true, configurable: false });
})
