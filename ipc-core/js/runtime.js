// The renderer runtime: installs `window.host` once per page. ES2020, no dependencies.
//
// This file is one function expression; ipc-core calls it with its configuration (the table of error codes, kind ->
// number, defined once in ipc_core::ErrorCode, and the largest request the hub accepts, in bytes) and a transport's
// bridge: `post(text)` hands one message to the host, `connect(receive)` makes the transport call `receive(delivery)`
// with every delivery (JSON text, its value already read, or an ArrayBuffer frame when it carries binary parts).
// Generated service clients add themselves to `host.services`. The wire protocol, and why each message starts with
// the page's secret, is documented in ipc_core::protocol.
(function (config, bridge) {
  "use strict";
  const CODES = config.codes;
  if (window.host !== undefined) {
    return;
  }
  // Taken now, before any of the page's scripts run: later changes to these globals do not reach the runtime.
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const isView = ArrayBuffer.isView;
  const isArray = Array.isArray;
  const toText = String;
  const ownKeys = Object.keys;
  const defineProperty = Object.defineProperty;
  const Bytes = Uint8Array;
  const Buffer = ArrayBuffer;
  const View = DataView;
  const getUint32 = DataView.prototype.getUint32;
  const setUint32 = DataView.prototype.setUint32;
  const setBytes = Uint8Array.prototype.set;
  const encoder = typeof TextEncoder === "function" ? new TextEncoder() : null;
  const encodeText = encoder === null ? null : TextEncoder.prototype.encode;
  const apply = Reflect.apply;
  const decoder = typeof TextDecoder === "function" ? new TextDecoder() : null;
  const decode = decoder === null ? null : TextDecoder.prototype.decode;
  const toBigInt = typeof BigInt === "function" ? BigInt : null;
  /** The digits of an exact integer placeholder, as the host writes them. */
  const exactDigits = /^-?(0|[1-9][0-9]*)$/;
  // In a frame (a window that opted in to frames injects the runtime there too), the runtime speaks through the app
  // page's runtime, which relays with the browser's word for the frame's origin (see ipc_core::protocol).
  const topWindow = window.top;
  const framed = typeof topWindow === "object" && topWindow !== null && topWindow !== window;
  const post = framed ? (text) => topWindow.postMessage({ __ipcFrame: text }, "*") : bridge.post;
  // A transport that can take a message with one binary part as it is, without a frame (see ipc_core::client::Bridge).
  const postPart = framed || typeof bridge.post.parts !== "function" ? null : bridge.post.parts;
  const pageOrigin = typeof location === "object" && location !== null ? String(location.origin) : "null";

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
   * What JSON would carry differently from what the page holds, or undefined when the value travels as it is.
   * `exact`: whether a BigInt travels here (in a call's arguments, to an exact integer of the host).
   * @param {unknown} value @param {boolean} inArray @param {boolean} exact
   */
  function inexact(value, inArray, exact) {
    switch (typeof value) {
      case "number":
        if (!Number.isFinite(value)) {
          return `${value}, which JSON cannot carry (it would arrive as null)`;
        }
        if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
          return `${value}, beyond ±${Number.MAX_SAFE_INTEGER}, the range JSON numbers carry exactly; `
            + (exact ? "pass a BigInt to an exact integer of the host (typed bigint)"
              : "send its decimal string to an exact integer of the host (ipc_core::Exact)");
        }
        return undefined;
      case "bigint":
        return `a BigInt (${value}n), which travels only in a call's arguments; `
          + "send its decimal string to an exact integer of the host (ipc_core::Exact)";
      case "function":
        return "a function, which JSON cannot carry";
      case "symbol":
        return "a symbol, which JSON cannot carry";
      case "undefined":
        return inArray ? "undefined, which JSON carries as null in an array; use null" : undefined;
      case "object":
        if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) {
          return `a ${value.constructor.name}, which JSON carries as {}; convert it (Object.fromEntries, Array.from)`;
        }
        if (value instanceof ArrayBuffer || isView(value)) {
          const kind = value instanceof ArrayBuffer ? "ArrayBuffer" : value.constructor.name;
          const article = /^[AEIO]/.test(kind) ? "an" : "a";
          return kind === "Uint8Array" || kind === "ArrayBuffer"
            ? `${article} ${kind}, binary data, which travels only in the arguments of a call`
            : `${article} ${kind}; binary data travels as a Uint8Array or an ArrayBuffer `
              + "(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))";
        }
        return undefined;
      default:
        return undefined;
    }
  }

  /**
   * Whether `value` is what an upload argument takes: a ReadableStream or an async iterable.
   * @param {unknown} value
   */
  function isSource(value) {
    return value !== null && typeof value === "object"
      && (typeof value.getReader === "function" || typeof value[Symbol.asyncIterator] === "function");
  }

  /**
   * JSON text of `value`, refusing values JSON would silently change. Throws a TypeError naming the path at fault
   * (`items[2].when`), under `root`. With `binary` (`{key, parts, integers}`), each BigInt becomes a placeholder
   * `{[key]: "digits"}` (counted in `integers`) and, unless `parts` is null, each Uint8Array or ArrayBuffer a
   * placeholder `{[key]: index}` and its bytes the part at that index (see ipc_core::protocol). With `uploads` (a
   * list), each ReadableStream or async iterable becomes a placeholder `{"$ipc:upload": index}` and is added to it.
   * @param {unknown} value @param {string} root
   * @param {{key: string, parts: Uint8Array[] | null, integers: number} | null} [binary]
   * @param {Array<{source: any, path: string}> | null} [uploads]
   */
  function encode(value, root, binary = null, uploads = null) {
    const paths = new WeakMap();
    return stringify(value, function (key, item) {
      const parent = paths.get(this);
      const path = parent === undefined ? root
        : Array.isArray(this) ? `${parent}[${key}]`
          : parent === "" ? key : `${parent}.${key}`;
      if (uploads !== null && isSource(item)) {
        uploads[uploads.length] = { source: item, path };
        return { "$ipc:upload": uploads.length - 1 };
      }
      if (framed && (item instanceof Buffer || item instanceof Bytes)) {
        throw new TypeError(`\`${path === "" ? "(the value)" : path}\` is binary data, which a frame cannot send`);
      }
      if (binary !== null && binary.parts !== null && (item instanceof Buffer || item instanceof Bytes)) {
        const bytes = item instanceof Buffer ? new Bytes(item) : new Bytes(item.buffer, item.byteOffset, item.byteLength);
        binary.parts[binary.parts.length] = bytes;
        return { [binary.key]: binary.parts.length - 1 };
      }
      if (binary !== null && typeof item === "bigint") {
        binary.integers++;
        return { [binary.key]: toText(item) };
      }
      const problem = inexact(item, Array.isArray(this), binary !== null);
      if (problem !== undefined) {
        throw new TypeError(`\`${path === "" ? "(the value)" : path}\` is ${problem}`);
      }
      if (item !== null && typeof item === "object") {
        paths.set(item, path);
      }
      return item;
    });
  }

  /**
   * Throws PAYLOAD_TOO_LARGE if `text` is larger in UTF-8 than the hub accepts. Counting bytes is only needed when the
   * text could be too large: a UTF-16 unit is at most 3 UTF-8 bytes.
   * @param {string} channel
   * @param {string} text
   */
  function checkSize(channel, text, parts = []) {
    let binary = 0;
    for (let i = 0; i < parts.length; i++) {
      binary += parts[i].length;
    }
    if (text.length * 3 + binary <= config.maxRequestSize) {
      return;
    }
    const bytes = new TextEncoder().encode(text).length + binary;
    if (bytes > config.maxRequestSize) {
      throw localError("PAYLOAD_TOO_LARGE",
        `the request for \`${channel}\` is ${bytes} bytes, more than the ${config.maxRequestSize} the host accepts`);
    }
  }

  /** 32 random hex digits. */
  function randomHex() {
    return Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(16).padStart(8, "0")).join("");
  }

  // This page load's secret, from the host's welcome; until it arrives, messages wait in `unsent`.
  const nonce = randomHex();
  // A frame has no secret of its own: its page's runtime vouches for it. "frame" is what that runtime addresses it by.
  let secret = framed ? "frame" : null;
  const unsent = [];

  /**
   * One binary frame (see ipc_core::protocol): the text's length (u32, little-endian), the text, then each part as its
   * length and its bytes. The bytes are copied, so the page may change its buffers once the call is made.
   * @param {string} text @param {Uint8Array[]} parts @returns {ArrayBuffer}
   */
  function frameOf(text, parts) {
    const head = apply(encodeText, encoder, [text]);
    let size = 4 + head.length;
    for (let i = 0; i < parts.length; i++) {
      size += 4 + parts[i].length;
    }
    const frame = new Bytes(size);
    const view = new View(frame.buffer);
    apply(setUint32, view, [0, head.length, true]);
    apply(setBytes, frame, [head, 4]);
    let at = 4 + head.length;
    for (let i = 0; i < parts.length; i++) {
      apply(setUint32, view, [at, parts[i].length, true]);
      apply(setBytes, frame, [parts[i], at + 4]);
      at += 4 + parts[i].length;
    }
    return frame.buffer;
  }

  /**
   * Posts one envelope (JSON text) under the page's secret, or keeps it until the secret arrives; with `parts`, as a
   * binary frame. A small envelope waits for the end of the turn, in a batch: if posting it fails then, `failed(error)`
   * is called (a call rejects with CHANNEL_SEND); otherwise the error is thrown here.
   * @param {string} envelope @param {Uint8Array[]} [parts] @param {(error: Error) => void} [failed]
   */
  function postEnvelope(envelope, parts, failed) {
    if (framed) {
      post(envelope);
    } else if (secret === null) {
      unsent.push({ envelope, parts, failed });
    } else if (parts === undefined && envelope.length <= BATCH_ITEM) {
      if (batchLength + envelope.length + 1 > BATCH_LIMIT) {
        flushBatch();
      }
      if (batch.length === 0) {
        laterThisTurn(flushBatch);
      }
      batch[batch.length] = envelope;
      batchFailed[batchFailed.length] = failed;
      batchLength += envelope.length + 1;
    } else {
      flushBatch();
      const text = `${secret}:${envelope}`;
      if (parts === undefined) {
        post(text);
      } else if (parts.length !== 1 || postPart === null || !postPart(text, parts[0])) {
        post(frameOf(text, parts));
      }
    }
  }

  // Small envelopes posted in one turn of the page's event loop leave as one message at its end, a batch
  // (`<secret>:[{...},{...}]`, see ipc_core::protocol): one crossing instead of many when many calls start at once.
  // Larger envelopes and binary frames go at once, after the batch waiting before them, so order is kept.
  /** Envelopes longer than this (in UTF-16 units) are posted alone. */
  const BATCH_ITEM = 4096;
  /** A batch's length in UTF-16 units: at most 64 Ki, and within the host's request limit in UTF-8. */
  const BATCH_LIMIT = Math.min(65536, Math.floor(config.maxRequestSize / 3) - 80);
  const queueTask = typeof queueMicrotask === "function" ? queueMicrotask : null;
  const resolved = Promise.resolve();
  const then = Promise.prototype.then;
  /** Runs `task` once the current script and the microtasks queued before it are done. */
  const laterThisTurn = queueTask !== null
    ? (task) => apply(queueTask, window, [task])
    : (task) => apply(then, resolved, [task]);
  let batch = [];
  /** For each envelope in `batch`, what to call if it cannot be posted. */
  let batchFailed = [];
  let batchLength = 0;

  /**
   * Posts the envelopes waiting in `batch`: one alone, several as a batch. If the transport cannot post, each
   * envelope's `failed` is called; an envelope without one (a `send`) is reported on the console.
   */
  function flushBatch() {
    const count = batch.length;
    if (count === 0) {
      return;
    }
    const failed = batchFailed;
    // Concatenated by hand: a page script may have replaced Array.prototype.join.
    let text = batch[0];
    if (count > 1) {
      text = `[${text}`;
      for (let i = 1; i < count; i++) {
        text += `,${batch[i]}`;
      }
      text += "]";
    }
    batch = [];
    batchFailed = [];
    batchLength = 0;
    try {
      post(`${secret}:${text}`);
    } catch (e) {
      for (let i = 0; i < count; i++) {
        if (failed[i] !== undefined) {
          failed[i](e);
        } else {
          console.error("host: a message could not be sent", e);
        }
      }
    }
  }

  const toShortest = Number.prototype.toString;
  const Pattern = RegExp;
  const matches = RegExp.prototype.test;
  /** Lone surrogates: JSON carries them, but the host refuses them as text, before any rule. */
  const loneSurrogate = /[\uD800-\uDFFF]/u;
  /** The `pattern` rules' expressions, compiled once each. */
  const patterns = new Map();

  /**
   * A number as Rust displays it (never in exponent notation; both print the shortest digits that read back the same).
   * @param {number} n
   */
  function rustNumber(n) {
    const text = apply(toShortest, n, []);
    const e = text.indexOf("e");
    if (e < 0) {
      return n === 0 && 1 / n < 0 ? "-0" : text;
    }
    const sign = text[0] === "-" ? "-" : "";
    const digits = text.slice(sign.length, e).replace(".", "");
    const exponent = Number(text.slice(e + 1));
    return exponent >= 0
      ? sign + digits + "0".repeat(exponent - digits.length + 1)
      : `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  }

  /**
   * What `length` and `non_empty` count, as the host does (text in Unicode scalar values), or undefined when the value
   * is not one the host would decode as the argument's type.
   * @param {unknown} value @param {string} measure "text" or "list"
   */
  function measured(value, measure) {
    if (measure === "text") {
      return typeof value === "string" && !apply(matches, loneSurrogate, [value]) ? [...value].length : undefined;
    }
    return isArray(value) ? value.length : undefined;
  }

  /**
   * The message of the rule `value` breaks, as the host words it, or undefined when it keeps the rule or is not a
   * value the host would decode (the host then answers for it).
   * @param {unknown} value @param {Array<any>} rule one entry of a generated rules table (see ipc_core::validate)
   */
  function broken(value, rule) {
    switch (rule[0]) {
      case "length": {
        const length = measured(value, rule[3]);
        if (length === undefined) return undefined;
        if (rule[1] !== null && length < rule[1]) return `must be at least ${rule[1]} long (is ${length})`;
        if (rule[2] !== null && length > rule[2]) return `must be at most ${rule[2]} long (is ${length})`;
        return undefined;
      }
      case "non_empty":
        return measured(value, rule[1]) === 0 ? "must not be empty" : undefined;
      case "range": {
        if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
        if (rule[3] !== null && !(Number.isInteger(value) && value >= rule[3] && value <= rule[4])) return undefined;
        // JSON sends -0 as 0.
        const number = value === 0 ? 0 : value;
        if (rule[1] !== null && number < rule[1]) return `must be at least ${rustNumber(rule[1])} (is ${rustNumber(number)})`;
        if (rule[2] !== null && number > rule[2]) return `must be at most ${rustNumber(rule[2])} (is ${rustNumber(number)})`;
        return undefined;
      }
      case "pattern": {
        if (typeof value !== "string" || apply(matches, loneSurrogate, [value])) return undefined;
        let pattern = patterns.get(rule[1]);
        if (pattern === undefined) {
          // ipc-core mirrors only patterns this engine reads as Rust does; one it cannot compile is the host's.
          try {
            pattern = new Pattern(rule[1], "u");
          } catch (e) {
            pattern = null;
          }
          patterns.set(rule[1], pattern);
        }
        if (pattern === null) return undefined;
        return apply(matches, pattern, [value]) ? undefined : `must match \`${rule[1]}\``;
      }
      default:
        return undefined;
    }
  }

  /**
   * The VALIDATION error the host would answer for the rules `args` break, or undefined. `rules` is the method's table
   * generated from its `#[validate(...)]` rules: `[[argument, [rule, ...]], ...]`; an absent or null argument (an
   * `Option` without a value) keeps every rule, as on the host.
   * @param {string} channel @param {Record<string, unknown>} args @param {Array<[string, Array<Array<any>>]>} rules
   */
  function validate(channel, args, rules) {
    const violations = [];
    for (const [path, checks] of rules) {
      const value = args[path];
      if (value === undefined || value === null) continue;
      for (const rule of checks) {
        const message = broken(value, rule);
        if (message !== undefined) violations.push({ path, rule: rule[0], message });
      }
    }
    if (violations.length === 0) return undefined;
    const listed = violations.map((v) => `${v.path}: ${v.message}`).join("; ");
    return new IpcError({ code: CODES.VALIDATION, kind: "VALIDATION",
      message: `invalid arguments for \`${channel}\`: ${listed}`, data: { violations } });
  }

  /** Calls waiting for their answer, by request id. */
  const pending = new Map();
  let nextId = 1;

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
    return call(channel, args, options, null);
  }

  /**
   * `invoke`, with `hooks` for a call answered with a stream: `sent(id)` once the request is posted, `item(data)` for
   * each item, `gaveUp()` when the page stops waiting (abort or timeout).
   * @param {string} channel @param {Record<string, unknown> | undefined} args @param {any} options
   * @param {{sent: (id: number) => void, item: (data: unknown) => void, gaveUp: () => void} | null} hooks
   * @returns {Promise<unknown>}
   */
  function call(channel, args, options, hooks) {
    const timeout = options === undefined ? undefined : options.timeout;
    const signal = options === undefined ? undefined : options.signal;
    // Generated modules say which bindings they were built from; the host refuses calls from stale ones.
    const schema = options === undefined || typeof options.schema !== "string" ? ""
      : `,"schema":${stringify(options.schema)}`;
    return new Promise((resolve, reject) => {
      if (signal !== undefined && signal.aborted) {
        reject(localError("CANCELLED", `\`${channel}\` was cancelled before it was sent`));
        return;
      }
      const id = nextId++;
      let text;
      /** The arguments that are uploads: sent item by item after the call, as the host gives credit. */
      const uploads = [];
      // Binary data travels beside the JSON; a frame of the page's own runtime relays text only. Exact integers
      // (BigInt values) are placeholders in the text, under the same key.
      const binary = { key: `$ipc:${randomHex()}`, parts: framed || encoder === null ? null : [], integers: 0 };
      const parts = () => (binary.parts === null ? [] : binary.parts);
      try {
        // The id comes first, so the host can still answer a request too large to read.
        const encoded = encode(args === undefined ? {} : args, "", binary, uploads);
        const carries = parts().length > 0 || binary.integers > 0
          ? `,"binary":{"key":${stringify(binary.key)},"count":${parts().length}}` : "";
        const streamed = uploads.length > 0 ? `,"uploads":${uploads.length}` : "";
        text = `{"type":"invoke","id":${id},"channel":${stringify(String(channel))},"args":${encoded}${carries}${streamed}${schema}}`;
        checkSize(channel, text, parts());
        // The rules the generated client mirrors, checked on what would be sent; the host checks them again.
        const rules = options === undefined ? undefined : options.rules;
        if (isArray(rules) && args !== undefined && args !== null) {
          const invalid = validate(String(channel), args, rules);
          if (invalid !== undefined) throw invalid;
        }
      } catch (e) {
        reject(e instanceof IpcError ? e
          : localError("SERIALIZATION", `could not serialize the arguments of \`${channel}\`: ${e.message}`));
        return;
      }
      const entry = { resolve, reject, timer: undefined, onAbort: undefined, signal, hooks,
        uploads: uploads.map(() => ({ credit: 0, wake: null, closed: false })) };
      // Stops waiting: the promise rejects now and the host is asked to drop the call.
      const giveUp = (kind, message) => {
        if (settle(id)) {
          if (hooks !== null) {
            hooks.gaveUp();
          }
          reject(localError(kind, message));
          try {
            postEnvelope(`{"type":"cancel","id":${id}}`);
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
      const unsendable = (e) => {
        if (settle(id)) {
          reject(localError("CHANNEL_SEND", `could not send \`${channel}\`: ${e.message}`));
        }
      };
      try {
        postEnvelope(text, parts().length > 0 ? parts() : undefined, unsendable);
        if (hooks !== null) {
          hooks.sent(id);
        }
        for (let i = 0; i < uploads.length; i++) {
          pump(channel, id, i, uploads[i], entry.uploads[i], (error) => {
            // The upload's source failed, or an item could not be sent: the call stops, here and in the host.
            if (settle(id)) {
              reject(error);
              try {
                postEnvelope(`{"type":"cancel","id":${id}}`);
              } catch (e) {
                // The page is going away; the host drops the call with it.
              }
            }
          });
        }
      } catch (e) {
        unsendable(e);
      }
    });
  }

  /**
   * Sends the items of upload `index` of call `id` (see ipc_core::protocol, "Uploads"): one per unit of credit the host
   * gives, then the end. Stops reading when the call settles; `fail(error)` stops the call when the source throws or
   * an item cannot be sent.
   * @param {string} channel @param {number} id @param {number} index
   * @param {{source: any, path: string}} upload
   * @param {{credit: number, wake: (() => void) | null, closed: boolean}} state
   * @param {(error: IpcError) => void} fail
   */
  async function pump(channel, id, index, upload, state, fail) {
    const reader = typeof upload.source.getReader === "function" ? upload.source.getReader() : null;
    const iterator = reader === null ? upload.source[Symbol.asyncIterator]() : null;
    let done = false;
    let count = 0;
    try {
      for (;;) {
        while (state.credit === 0 && !state.closed) {
          await new Promise((wake) => { state.wake = wake; });
          state.wake = null;
        }
        if (state.closed) {
          return;
        }
        let step;
        try {
          step = reader !== null ? await reader.read() : await iterator.next();
        } catch (e) {
          done = true;
          fail(localError("CANCELLED", `\`${channel}\` was cancelled: its upload \`${upload.path}\` failed: `
            + `${e !== null && typeof e === "object" && typeof e.message === "string" ? e.message : String(e)}`));
          return;
        }
        if (state.closed) {
          return;
        }
        if (step.done) {
          done = true;
          postEnvelope(`{"type":"end","id":${id},"upload":${index}}`);
          return;
        }
        state.credit -= 1;
        // As a call's arguments: binary parts beside the text, exact integers as placeholders, under one key.
        const binary = { key: `$ipc:${randomHex()}`, parts: framed || encoder === null ? null : [], integers: 0 };
        const parts = binary.parts === null ? [] : binary.parts;
        let text;
        try {
          const encoded = encode(step.value === undefined ? null : step.value, `${upload.path}[${count}]`, binary);
          const carries = parts.length > 0 || binary.integers > 0
            ? `,"binary":{"key":${stringify(binary.key)},"count":${parts.length}}` : "";
          text = `{"type":"chunk","id":${id},"upload":${index},"payload":${encoded}${carries}}`;
          checkSize(channel, text, parts);
        } catch (e) {
          fail(e instanceof IpcError ? e
            : localError("SERIALIZATION", `could not serialize an upload item of \`${channel}\`: ${e.message}`));
          return;
        }
        count += 1;
        postEnvelope(text, parts.length > 0 ? parts : undefined);
      }
    } finally {
      // A source not read to its end is told to stop (a generator's finally runs; a stream is cancelled).
      if (!done) {
        try {
          if (reader !== null) {
            reader.cancel().catch(() => {});
          } else if (typeof iterator.return === "function") {
            Promise.resolve(iterator.return()).catch(() => {});
          }
        } catch (e) {
          // The source refused to stop; nothing reads it any more.
        }
      }
    }
  }

  /**
   * How many items of a stream may wait unread in the page unless the call says otherwise (`window`). Large enough that
   * credit round trips do not slow small items down; large items are held back by bytes in the host.
   */
  const STREAM_WINDOW = 16384;

  /**
   * Calls a method that answers with a stream (see ipc_core::protocol, "Streams") and returns its items as an async
   * iterable: `for await (const item of host.stream(...))`. The host sends items as they are read: at most `window`
   * wait unread in the page. Leaving the loop (break, return, a throw) or `cancel()` stops the stream and the host drops
   * it; an error the stream ends with is thrown by the loop once the items before it are read.
   * @param {string} channel such as "jobs.progress"
   * @param {Record<string, unknown>} [args] arguments by name
   * @param {{timeout?: number, signal?: AbortSignal, window?: number}} [options] as for `invoke` (the timeout bounds the
   *   whole stream), and `window`: how many items may wait unread (default 16384; the host also keeps the bytes
   *   unread within 4 MiB, one item always going whatever its size)
   */
  function stream(channel, args, options) {
    const wanted = options === undefined ? undefined : options.window;
    const size = typeof wanted === "number" && wanted >= 1 ? Math.min(Math.floor(wanted), 65536) : STREAM_WINDOW;
    /**
     * Items received and not yet read, in order, from `items[head]` (at most `size`: the host sends no more than the
     * credit given). Read by moving `head`, not by shifting, which would move every item behind it.
     */
    let items = [];
    let head = 0;
    /** Reads waiting for an item, in order. */
    const readers = [];
    /** `forEach`'s callback and promise, once it is called: every item goes to the callback as it arrives. */
    let sink = null;
    let id = null;
    let ended = false;
    let failure = null;
    let read = 0;
    let creditQueued = false;
    const unread = () => items.length - head;
    const take = () => {
      const value = items[head];
      items[head] = undefined;
      head += 1;
      if (head === items.length) {
        items = [];
        head = 0;
      }
      giveCredit();
      return value;
    };
    const drop = () => {
      items = [];
      head = 0;
    };
    const wake = () => {
      if (sink !== null) {
        return feed();
      }
      while (readers.length > 0 && (unread() > 0 || ended)) {
        const reader = readers.shift();
        if (unread() > 0) {
          reader.resolve({ value: take(), done: false });
        } else if (failure !== null) {
          const error = failure;
          failure = null;
          reader.reject(error);
        } else {
          reader.resolve({ value: undefined, done: true });
        }
      }
    };
    /**
     * Hands `value` to `forEach`'s callback; returns false if the callback threw, which stops the stream (here and in
     * the host) and rejects forEach with its error.
     */
    const consume = (value) => {
      try {
        sink.callback(value);
        return true;
      } catch (e) {
        const { reject } = sink;
        sink = null;
        stop();
        reject(e);
        return false;
      }
    };
    /** Hands every item here to `forEach`'s callback, then settles its promise once the stream has ended. */
    const feed = () => {
      while (unread() > 0 && sink !== null) {
        if (!consume(take())) {
          return;
        }
      }
      if (ended && sink !== null) {
        const { resolve, reject } = sink;
        sink = null;
        if (failure !== null) {
          reject(failure);
        } else {
          resolve();
        }
      }
    };
    // The host may send as many items as were read since credit was last given: given in batches of half the window,
    // and at the end of any turn in which the page read everything it had received, so a host holding items back for
    // their bytes hears of each read (once per turn, however many items the turn read).
    const sendCredit = () => {
      if (!ended && id !== null && read > 0) {
        postEnvelope(`{"type":"credit","id":${id},"count":${read}}`);
        read = 0;
      }
    };
    const giveCredit = () => {
      read += 1;
      if (read * 2 >= size) {
        sendCredit();
      } else if (unread() === 0 && !creditQueued) {
        creditQueued = true;
        laterThisTurn(() => {
          creditQueued = false;
          sendCredit();
        });
      }
    };
    const hooks = {
      sent(callId) {
        id = callId;
        postEnvelope(`{"type":"credit","id":${id},"count":${size}}`);
      },
      item(data) {
        if (sink !== null && unread() === 0) {
          // Read by forEach, with nothing before it: straight to the callback.
          if (consume(data)) {
            giveCredit();
          }
          return;
        }
        items[items.length] = data;
        wake();
      },
      gaveUp() {
        // Aborted or timed out: what was not read yet is dropped with the stream.
        drop();
      },
    };
    call(channel, args, options, hooks).then(() => {
      ended = true;
      wake();
    }, (error) => {
      ended = true;
      failure = error;
      wake();
    });
    const stop = () => {
      if (!ended) {
        ended = true;
        drop();
        if (id !== null && settle(id)) {
          try {
            postEnvelope(`{"type":"cancel","id":${id}}`);
          } catch (e) {
            // The page is going away; the host drops the stream with it.
          }
        }
      }
      wake();
    };
    return Object.freeze({
      next() {
        if (sink !== null) {
          return Promise.reject(new TypeError("the stream is being read by forEach"));
        }
        // An item already here is handed over at once (no reader waits before it: they are woken as items come).
        if (readers.length === 0 && unread() > 0) {
          return Promise.resolve({ value: take(), done: false });
        }
        return new Promise((resolve, reject) => {
          readers.push({ resolve, reject });
          wake();
        });
      },
      return() {
        stop();
        return Promise.resolve({ value: undefined, done: true });
      },
      /**
       * Calls `callback` with each item, in order, as it arrives (the items already here first): the fastest way to
       * read a stream, with no promise per item. Resolves when the stream ends (or `cancel()` stops it), rejects with
       * the error it ends with, or with the callback's own error, which stops the stream.
       */
      forEach(callback) {
        if (sink !== null || readers.length > 0) {
          return Promise.reject(new TypeError("the stream is already being read"));
        }
        if (typeof callback !== "function") {
          return Promise.reject(new TypeError("forEach takes a function"));
        }
        return new Promise((resolve, reject) => {
          sink = { callback, resolve, reject };
          feed();
        });
      },
      cancel: stop,
      [Symbol.asyncIterator]() {
        return this;
      },
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
    for (let i = 0; i < entry.uploads.length; i++) {
      const upload = entry.uploads[i];
      upload.closed = true;
      if (upload.wake !== null) {
        upload.wake();
      }
    }
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
      text = `{"type":"send","channel":${stringify(String(channel))},"payload":${encode(payload === undefined ? null : payload, "")}}`;
    } catch (e) {
      throw localError("SERIALIZATION", `could not serialize the payload of \`${channel}\`: ${e.message}`);
    }
    checkSize(channel, text);
    postEnvelope(text);
  }

  /**
   * Posts `envelope`, JSON text of a request envelope (see ipc_core::protocol), exactly as given, under this page's
   * secret. For tools and tests that speak the protocol themselves; answers no pending call claims are dispatched to
   * `host.on("host:unclaimed", ...)` listeners.
   * @param {string} envelope
   */
  function postRaw(envelope) {
    postEnvelope(String(envelope));
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

  /** @param {{type: string, id?: number | null, success?: boolean, data?: unknown, error?: any, channel?: string, payload?: unknown}} message */
  function handle(message) {
    if (message.type === "frame") {
      const frame = frameWindows.get(message.frame);
      if (frame !== undefined) {
        const delivery = stringify({ page: "frame", messages: [message.message] });
        frame.source.postMessage({ __ipcFrameDelivery: delivery }, frame.origin === "null" ? "*" : frame.origin);
      }
      return;
    }
    if (message.type === "event") {
      dispatch(message.channel, message.payload);
      return;
    }
    if (message.type === "item") {
      const entry = pending.get(message.id);
      if (entry !== undefined && entry.hooks !== null) {
        entry.hooks.item(message.data);
      }
      return;
    }
    if (message.type === "credit") {
      const entry = pending.get(message.id);
      const upload = entry === undefined || typeof message.upload !== "number" ? undefined : entry.uploads[message.upload];
      if (upload !== undefined && typeof message.count === "number") {
        upload.credit += message.count;
        if (upload.wake !== null) {
          upload.wake();
        }
      }
      return;
    }
    if (message.type !== "answer") {
      return;
    }
    const entry = message.id === null ? undefined : pending.get(message.id);
    if (entry === undefined) {
      if (message.id === null && !message.success) {
        console.error(`host: a request was refused: ${message.error.message}`);
      }
      dispatch("host:unclaimed", message);
      return;
    }
    settle(message.id);
    if (message.success) {
      entry.resolve(message.data);
    } else {
      entry.reject(new IpcError(message.error));
    }
  }

  /**
   * Splits a binary frame (see ipc_core::protocol): the text's length (u32, little-endian), the text, then each part
   * as its length and its bytes. The parts are views into the frame, not copies. Null when the frame is malformed.
   * @param {ArrayBuffer} frame
   * @returns {{text: string, parts: Uint8Array[]} | null}
   */
  function splitFrame(frame) {
    if (decoder === null) {
      return null;
    }
    const view = new View(frame);
    const size = frame.byteLength;
    if (size < 4) {
      return null;
    }
    const textLength = apply(getUint32, view, [0, true]);
    if (4 + textLength > size) {
      return null;
    }
    const text = apply(decode, decoder, [new Bytes(frame, 4, textLength)]);
    const parts = [];
    let at = 4 + textLength;
    while (at < size) {
      if (at + 4 > size) {
        return null;
      }
      const length = apply(getUint32, view, [at, true]);
      at += 4;
      if (at + length > size) {
        return null;
      }
      parts[parts.length] = new Bytes(frame, at, length);
      at += length;
    }
    return { text, parts };
  }

  /**
   * Puts what each placeholder stands for in its place: a placeholder is an object whose only key is `key`. With an
   * index below `count` as value, it stands for the part `parts[first + index]`; with a string of decimal digits, for
   * that exact integer, as a BigInt. Keys are redefined, never assigned, so a `__proto__` key stays data.
   * @param {unknown} value @param {string} key @param {Uint8Array[]} parts @param {number} first @param {number} count
   */
  function attach(value, key, parts, first, count) {
    if (value === null || typeof value !== "object") {
      return value;
    }
    const keys = ownKeys(value);
    if (!isArray(value) && keys.length === 1 && keys[0] === key) {
      const index = value[key];
      if (typeof index === "string") {
        return toBigInt !== null && apply(matches, exactDigits, [index]) ? toBigInt(index) : value;
      }
      return typeof index === "number" && index >= 0 && index < count && index % 1 === 0
        ? parts[first + index] : value;
    }
    for (let i = 0; i < keys.length; i++) {
      const old = value[keys[i]];
      const now = attach(old, key, parts, first, count);
      if (now !== old) {
        defineProperty(value, keys[i], { value: now, writable: true, enumerable: true, configurable: true });
      }
    }
    return value;
  }

  /**
   * Takes one delivery from the transport: JSON text `{page, messages}`, that value already read (a transport that
   * evaluates the JSON as an expression, which it does only where that reads as JSON.parse would), or a binary frame
   * (an `ArrayBuffer`) holding that text and the bytes its messages' placeholders stand for, or that text with those
   * bytes beside it (`attached`, for a transport that fetched a delivery's one part as it is). Text is parsed with
   * JSON.parse, so every key (even `__proto__`) is data. Anything not addressed to this page load is dropped.
   * @param {string | object | ArrayBuffer} input @param {Uint8Array[]} [attached]
   */
  function receive(input, attached) {
    let text = input;
    let parts = null;
    if (typeof input === "string" && isArray(attached)) {
      parts = attached;
    } else if (input instanceof Buffer) {
      const frame = splitFrame(input);
      if (frame === null) {
        console.error("host: a malformed binary delivery was dropped");
        return;
      }
      text = frame.text;
      parts = frame.parts;
    }
    let delivery = text;
    if (typeof text === "string") {
      try {
        delivery = parse(text);
      } catch (e) {
        return;
      }
    }
    if (delivery === null || typeof delivery !== "object" || !isArray(delivery.messages)) {
      return;
    }
    // Indexed loops, not for-of: a page script may have replaced Array.prototype[Symbol.iterator], and must not see
    // a welcome meant for another runtime or messages meant for another page.
    const messages = delivery.messages;
    if (delivery.page === null) {
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i];
        if (message.type === "welcome" && message.nonce === nonce && secret === null) {
          secret = toText(message.page);
          post(`${secret}:{"type":"ready"}`);
          for (const { envelope, parts, failed } of unsent.splice(0)) {
            postEnvelope(envelope, parts, failed);
          }
        }
      }
      return;
    }
    if (secret === null || delivery.page !== secret) {
      return;
    }
    let nextPart = 0;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      const binary = message !== null && typeof message === "object" ? message.binary : undefined;
      // A message without parts (count 0, as text) may still hold exact integers under its key.
      const available = parts === null ? 0 : parts.length;
      if (binary !== undefined && binary !== null && typeof binary.key === "string"
        && typeof binary.count === "number" && nextPart + binary.count <= available) {
        // A failed answer's placeholders are exact integers in its error's data.
        const failed = message.type === "answer" && message.success === false;
        const holder = failed ? message.error : message;
        const field = message.type === "event" ? "payload" : "data";
        if (holder !== null && typeof holder === "object") {
          holder[field] = attach(holder[field], binary.key, parts === null ? [] : parts, nextPart, binary.count);
        }
        nextPart += binary.count;
      }
      handle(message);
    }
  }

  const host = Object.freeze({ invoke, stream, send, postRaw, on, once, off, IpcError, services: {} });
  Object.defineProperty(window, "host", { value: host, writable: false, enumerable: true, configurable: false });
  /** The frames that have spoken through this page, by number; relayed only when the window allows frames. */
  const frameNumbers = new Map();
  const frameWindows = new Map();
  let nextFrame = 1;
  if (framed) {
    window.addEventListener("message", (e) => {
      const data = e.data;
      if (e.source === topWindow && data !== null && typeof data === "object"
        && typeof data.__ipcFrameDelivery === "string") {
        receive(data.__ipcFrameDelivery);
      }
    });
    return;
  }
  if (config.frames) {
    window.addEventListener("message", (e) => {
      const data = e.data;
      if (e.source === null || e.source === window || data === null || typeof data !== "object"
        || typeof data.__ipcFrame !== "string") {
        return;
      }
      let number = frameNumbers.get(e.source);
      if (number === undefined) {
        number = nextFrame++;
        frameNumbers.set(e.source, number);
      }
      frameWindows.set(number, { source: e.source, origin: e.origin });
      postEnvelope(stringify({ type: "frame", frame: number, origin: e.origin, envelope: data.__ipcFrame }));
    });
  }
  bridge.connect(receive);
  // Says hello until welcomed: a welcome evaluated while a navigation commits can be lost, and without a secret the
  // page could never call. Each retry waits twice as long, up to 2 s.
  const hello = stringify({ type: "hello", nonce, origin: pageOrigin });
  const sayHello = (wait) => {
    if (secret === null) {
      post(hello);
      const timer = setTimeout(() => sayHello(Math.min(wait * 2, 2000)), wait);
      // Under Node (front-end unit tests), a retry alone must not keep the process alive.
      if (timer !== null && typeof timer === "object" && typeof timer.unref === "function") {
        timer.unref();
      }
    }
  };
  sayHello(250);
})
