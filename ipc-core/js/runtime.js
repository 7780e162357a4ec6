// The renderer runtime: installs `window.host` once per page. ES2020, no dependencies.
//
// This file is one function expression; ipc-core calls it with the table of error codes (kind -> number), so the codes
// are defined in one place (ipc_core::ErrorCode). Generated service clients add themselves to `host.services`.
(function (CODES) {
  "use strict";
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
   * @param {{timeout?: number}} [options] timeout: stop waiting after this many milliseconds (rejects with TIMEOUT)
   * @returns {Promise<unknown>}
   */
  function invoke(channel, args, options) {
    const timeout = options === undefined ? undefined : options.timeout;
    return new Promise((resolve, reject) => {
      const id = nextId++;
      let text;
      try {
        text = JSON.stringify({ type: "invoke", id, channel, args: args === undefined ? {} : args }, exactNumbers);
      } catch (e) {
        reject(localError("SERIALIZATION", `could not serialize the arguments of \`${channel}\`: ${e.message}`));
        return;
      }
      const entry = { resolve, reject, timer: undefined };
      if (timeout !== undefined) {
        entry.timer = setTimeout(() => {
          if (pending.delete(id)) {
            reject(localError("TIMEOUT", `\`${channel}\` did not answer within ${timeout} ms`));
          }
        }, timeout);
      }
      pending.set(id, entry);
      try {
        post(text);
      } catch (e) {
        pending.delete(id);
        clearTimeout(entry.timer);
        reject(localError("CHANNEL_SEND", `could not send \`${channel}\`: ${e.message}`));
      }
    });
  }

  /**
   * Entry point for messages from the host (see ipc_core::protocol).
   * @param {{type: string, id: number | null, success: boolean, data: unknown, error: any}} message
   */
  function receive(message) {
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
    pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.success) {
      entry.resolve(message.data);
    } else {
      entry.reject(new IpcError(message.error));
    }
  }

  const host = { invoke, IpcError, services: {}, __receive: receive };
  Object.defineProperty(window, "host", { value: host, writable: false, enumerable: true, configurable: false });
})
