// Fast unit tests of the renderer runtime's logic in Node. Run by tests/tests/runtime_js.rs, which renders the runtime
// exactly as ipc-core does, with a test bridge: `post` calls `window.__post(text)` and `connect` keeps the runtime's
// `receive` as `window.__deliver`. IPC_RUNTIME_JS accepts requests up to 16 MiB; IPC_RUNTIME_JS_SMALL only up to
// IPC_RUNTIME_JS_SMALL_LIMIT bytes. IPC_CLIENT_JS is the generated client of the test services, run after a runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import vm from "node:vm";

const RUNTIME = readFileSync(process.env.IPC_RUNTIME_JS, "utf8");
const SMALL_RUNTIME = readFileSync(process.env.IPC_RUNTIME_JS_SMALL, "utf8");
const FRAMES_RUNTIME = readFileSync(process.env.IPC_RUNTIME_JS_FRAMES, "utf8");
const SMALL_LIMIT = Number(process.env.IPC_RUNTIME_JS_SMALL_LIMIT);
const CLIENT = readFileSync(process.env.IPC_CLIENT_JS, "utf8");

const ORIGIN = "app://localhost";
const SECRET = "9a1e0c7b5d3f42e8a6b1c0d9e8f7a6b5";
const OTHER_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const READY = `${SECRET}:{"type":"ready"}`;

/**
 * A fresh page: the runtime installed on a fake window whose transport records every text the runtime posts. Values
 * a page script would build (a Map, a Date) must come from the page's own realm: `evaluate` runs code there.
 */
function page({ runtime = RUNTIME, client = "" } = {}) {
  // Each envelope of a batch is recorded as if posted alone; `messages` holds what the transport was handed.
  const posted = [];
  const messages = [];
  const errors = [];
  const window = {
    __post: (text) => {
      messages.push(text);
      posted.push(...unbatched(text));
    },
  };
  const context = vm.createContext({
    window,
    location: { origin: ORIGIN },
    crypto: webcrypto,
    TextEncoder,
    TextDecoder,
    ReadableStream,
    setTimeout,
    clearTimeout,
    console: { error: (...args) => errors.push(args.join(" ")) },
  });
  vm.runInContext(runtime, context);
  vm.runInContext(client, context);
  const hello = JSON.parse(posted[0]);
  return {
    host: window.host,
    window,
    posted,
    messages,
    errors,
    /** Lets the page's current turn end: small envelopes posted in it leave in one batch at its end. */
    turn: () => new Promise((resolve) => setImmediate(resolve)),
    hello,
    /** Runs `source` in the page's realm and returns its value. */
    evaluate: (source) => vm.runInContext(source, context),
    /** Hands the runtime one delivery, as text, the way the host sends it. */
    deliverText: (text) => window.__deliver(text),
    /**
     * Hands the runtime a binary frame (see ipc_core::protocol) of `text` and `parts` (arrays of byte values), built
     * in the page's realm as a transport's fetch would.
     */
    deliverFrame(text, parts) {
      const bytes = [...new TextEncoder().encode(text)];
      const length = (n) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
      const all = [...length(bytes.length), ...bytes, ...parts.flatMap((part) => [...length(part.length), ...part])];
      window.__deliver(vm.runInContext(`new Uint8Array(${JSON.stringify(all)}).buffer`, context));
    },
    /** Hands the runtime a delivery of `messages` addressed to `secret` (null: no page, as a welcome is). */
    deliver(secret, messages) {
      this.deliverText(JSON.stringify({ page: secret, messages }));
    },
    /** The host's answer to the hello: a welcome carrying `nonce` and the page's `secret`. */
    welcome(secret = SECRET, nonce = hello.nonce) {
      this.deliver(null, [{ type: "welcome", nonce, page: secret }]);
    },
    /** The envelopes posted after the hello and the ready, each checked to start with SECRET, parsed. */
    envelopes() {
      assert.deepEqual(posted.slice(0, 2).map((text) => text.startsWith("{") ? "hello" : text), ["hello", READY]);
      return posted.slice(2).map((text) => {
        assert.ok(text.startsWith(`${SECRET}:`), `posted under the page's secret: ${text}`);
        return JSON.parse(text.slice(SECRET.length + 1));
      });
    },
  };
}

/**
 * The messages a posted text stands for: `<secret>:[a,b]` (a batch) is `<secret>:a` and `<secret>:b`, each envelope's
 * text exactly as the runtime wrote it; any other text is itself.
 */
function unbatched(text) {
  const colon = typeof text === "string" ? text.indexOf(":") : -1;
  if (colon < 0 || text[colon + 1] !== "[") {
    return [text];
  }
  const prefix = text.slice(0, colon + 1);
  const out = [];
  let depth = 0;
  let start = colon + 2;
  let inString = false;
  for (let i = colon + 2; i < text.length - 1; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(prefix + text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(prefix + text.slice(start, text.length - 1));
  return out;
}

/** A page that has received its welcome (secret SECRET). */
function welcomed(options) {
  const p = page(options);
  p.welcome();
  return p;
}

const ok = (id, data) => ({ type: "answer", id, success: true, data, error: null });
const failed = (id, error) => ({ type: "answer", id, success: false, data: null, error });
const event = (channel, payload) => ({ type: "event", channel, payload });

/** A placeholder key as the host makes one per message. */
const KEY = "$ipc:00112233445566778899aabbccddeeff";

/** `value` rebuilt in this realm, to compare it with `deepEqual` (which compares prototypes too). */
const plain = (value) => JSON.parse(JSON.stringify(value));

// --- The handshake ---

test("the runtime posts a hello with a fresh 32-hex nonce and the page's origin when installed", () => {
  const first = page();
  const second = page();
  assert.equal(first.posted.length, 1);
  assert.deepEqual(Object.keys(first.hello), ["type", "nonce", "origin"]);
  assert.equal(first.hello.type, "hello");
  assert.match(first.hello.nonce, /^[0-9a-f]{32}$/);
  assert.equal(first.hello.origin, ORIGIN);
  assert.notEqual(first.hello.nonce, second.hello.nonce);
});

test("nothing but the hello is posted before the welcome", async () => {
  const { host, posted } = page();
  host.invoke("todos.add", { title: "milk" });
  host.send("editor.typing", { active: true });
  host.postRaw('{"type":"cancel","id":1}');
  await assert.rejects(host.invoke("slow.call", {}, { timeout: 1 }), (e) => e.kind === "TIMEOUT");
  assert.equal(posted.length, 1);
});

test("the hello is said again with the same nonce until a welcome arrives, and not after", async () => {
  const p = page();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const hellos = () => p.posted.filter((text) => text.startsWith("{")).map((text) => JSON.parse(text));
  assert.equal(hellos().length, 2);
  assert.equal(hellos()[1].nonce, p.hello.nonce);
  p.welcome();
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(hellos().length, 2, "no hello after the welcome");
});

test("messages queued before the welcome are posted in order right after the ready", async () => {
  const p = page();
  p.host.invoke("todos.add", { title: "milk" });
  p.host.send("editor.saved");
  p.host.postRaw('{"type":"cancel","id":1}');
  p.welcome();
  await p.turn();
  assert.deepEqual(p.posted.slice(1), [
    READY,
    `${SECRET}:{"type":"invoke","id":1,"channel":"todos.add","args":{"title":"milk"}}`,
    `${SECRET}:{"type":"send","channel":"editor.saved","payload":null}`,
    `${SECRET}:{"type":"cancel","id":1}`,
  ]);
});

test("a welcome carrying another nonce is ignored and the calls stay queued", async () => {
  const p = page();
  p.host.invoke("todos.list");
  p.welcome(OTHER_SECRET, "0123456789abcdef0123456789abcdef");
  p.deliver(OTHER_SECRET, [{ type: "welcome", nonce: p.hello.nonce, page: OTHER_SECRET }]);
  await p.turn();
  assert.equal(p.posted.length, 1);
  p.welcome();
  await p.turn();
  assert.deepEqual(p.envelopes(), [{ type: "invoke", id: 1, channel: "todos.list", args: {} }]);
});

test("a second welcome does not change the page's secret", async () => {
  const p = welcomed();
  p.welcome(OTHER_SECRET);
  const call = p.host.invoke("todos.list");
  await p.turn();
  assert.equal(p.posted.length, 3);
  assert.deepEqual(p.envelopes(), [{ type: "invoke", id: 1, channel: "todos.list", args: {} }]);
  p.deliver(OTHER_SECRET, [ok(1, "theirs")]);
  p.deliver(SECRET, [ok(1, "ours")]);
  assert.equal(await call, "ours");
});

test("a delivery for another page, or for no page, settles nothing and dispatches nothing", async () => {
  const p = welcomed();
  const seen = [];
  p.host.on("todos.changed", (payload) => seen.push(payload));
  p.host.on("host:unclaimed", (message) => seen.push(message.id));
  const call = p.host.invoke("todos.list");
  p.deliver(OTHER_SECRET, [ok(1, "theirs"), event("todos.changed", "theirs")]);
  p.deliver(null, [ok(1, "nobody's"), event("todos.changed", "nobody's")]);
  assert.deepEqual(seen, []);
  p.deliver(SECRET, [ok(1, "ours")]);
  assert.equal(await call, "ours");
});

test("deliveries before the welcome are dropped", () => {
  const p = page();
  const seen = [];
  p.host.on("todos.changed", (payload) => seen.push(payload));
  p.deliver(SECRET, [event("todos.changed", "early")]);
  p.welcome();
  p.deliver(SECRET, [event("todos.changed", "on time")]);
  assert.deepEqual(seen, ["on time"]);
});

test("a delivery that is not JSON, or has no list of messages, is dropped", () => {
  const p = welcomed();
  const seen = [];
  p.host.on("x", (payload) => seen.push(payload));
  p.deliverText("not json");
  p.deliverText("null");
  p.deliverText(JSON.stringify({ page: SECRET, messages: event("x", 1) }));
  p.deliver(SECRET, [event("x", 2)]);
  assert.deepEqual(seen, [2]);
});

test("a declared event's listener on the service client receives its pushes until it is removed", () => {
  const p = welcomed({ client: CLIENT });
  const seen = [];
  const remove = p.host.services.kinds.on.changed((todos) => seen.push(["changed", todos]));
  p.host.services.kinds.on.removed((id) => seen.push(["removed", id]));
  p.deliver(SECRET, [event("kinds.changed", [{ title: "milk" }]), event("kinds.removed", 3)]);
  remove();
  p.deliver(SECRET, [event("kinds.changed", []), event("kinds.removed", 4)]);
  assert.deepEqual(plain(seen), [["changed", [{ title: "milk" }]], ["removed", 3], ["removed", 4]]);
  assert.equal(typeof remove, "function");
  assert.ok(Object.isFrozen(p.host.services.kinds.on));
});

// --- Calls and answers ---

test("invoke posts an envelope under the page's secret and resolves with the answer's data", async () => {
  const p = welcomed();
  const call = p.host.invoke("todos.add", { title: "milk" });
  await p.turn();
  assert.equal(p.posted[2], `${SECRET}:{"type":"invoke","id":1,"channel":"todos.add","args":{"title":"milk"}}`);
  p.deliver(SECRET, [ok(1, { id: 7 })]);
  assert.deepEqual(plain(await call), { id: 7 });
});

test("a failed answer rejects with an IpcError carrying code, kind, message and data", async () => {
  const p = welcomed();
  const call = p.host.invoke("todos.add", {});
  p.deliver(SECRET, [failed(1, { code: 7009, kind: "HANDLER", message: "no", data: { why: "full" } })]);
  await assert.rejects(call, (e) => e instanceof p.host.IpcError && e.name === "IpcError" && e.code === 7009
    && e.kind === "HANDLER" && e.message === "no" && e.data.why === "full");
});

test("a refused request (id null) is logged and reaches host:unclaimed listeners", () => {
  const p = welcomed();
  const unclaimed = [];
  p.host.on("host:unclaimed", (message) => unclaimed.push(plain(message)));
  const refused = failed(null,
    { code: 7005, kind: "INVALID_REQUEST", message: "request is not valid JSON", data: null });
  p.deliver(SECRET, [refused]);
  assert.deepEqual(p.errors, ["host: a request was refused: request is not valid JSON"]);
  assert.deepEqual(unclaimed, [refused]);
});

test("postRaw posts its text verbatim under the secret, and an answer no call waits for reaches host:unclaimed", async () => {
  const p = welcomed();
  const unclaimed = [];
  p.host.on("host:unclaimed", (message) => unclaimed.push(plain(message)));
  p.host.postRaw('{"type":"invoke", "id":900,"channel":"todos.list"}');
  await p.turn();
  assert.equal(p.posted[2], `${SECRET}:{"type":"invoke", "id":900,"channel":"todos.list"}`);
  p.deliver(SECRET, [ok(900, ["milk"])]);
  assert.deepEqual(unclaimed, [ok(900, ["milk"])]);
  assert.deepEqual(p.errors, []);
});

test("a timeout rejects with TIMEOUT and the late answer settles nothing", async () => {
  const p = welcomed();
  const unclaimed = [];
  p.host.on("host:unclaimed", (message) => unclaimed.push(message.id));
  const call = p.host.invoke("slow.call", {}, { timeout: 10 });
  await assert.rejects(call, (e) => e.kind === "TIMEOUT" && e.code === 7011
    && e.message === "`slow.call` did not answer within 10 ms");
  p.deliver(SECRET, [ok(1, "late")]);
  assert.deepEqual(unclaimed, [1]);
});

test("aborting a call rejects with CANCELLED and tells the host", async () => {
  const p = welcomed();
  const controller = new AbortController();
  const call = p.host.invoke("slow.call", {}, { signal: controller.signal });
  controller.abort();
  await assert.rejects(call, (e) => e.kind === "CANCELLED" && e.code === 7013);
  await p.turn();
  assert.deepEqual(p.envelopes()[1], { type: "cancel", id: 1 });
});

test("a timeout tells the host too, and an already aborted signal sends nothing", async () => {
  const p = welcomed();
  await assert.rejects(p.host.invoke("slow.call", {}, { timeout: 5 }), (e) => e.kind === "TIMEOUT");
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(p.host.invoke("slow.call", {}, { signal: controller.signal }), (e) => e.kind === "CANCELLED");
  assert.deepEqual(p.envelopes().map((m) => [m.type, m.id]), [["invoke", 1], ["cancel", 1]]);
});

test("generated methods pass their options through", async () => {
  const p = welcomed();
  const { host } = p;
  host.services.demo = { slow(n, __options) { return host.invoke("demo.slow", { n }, __options); } };
  const controller = new AbortController();
  const call = host.services.demo.slow(1, { signal: controller.signal });
  controller.abort();
  await assert.rejects(call, (e) => e.kind === "CANCELLED");
  await p.turn();
  assert.deepEqual(p.envelopes().map((m) => m.type), ["invoke", "cancel"]);
});

test("a transport that cannot post rejects the call with CHANNEL_SEND", async () => {
  const p = welcomed();
  p.window.__post = () => { throw new Error("the page is closing"); };
  await assert.rejects(p.host.invoke("todos.list"), (e) => e.kind === "CHANNEL_SEND" && e.code === 7000
    && e.message === "could not send `todos.list`: the page is closing");
});

// --- Batches: the envelopes of one turn leave as one message ---

test("the calls and messages of one turn leave as one batch at its end, in order; a lone one leaves alone", async () => {
  const p = welcomed();
  p.host.invoke("todos.add", { title: "milk" });
  p.host.send("editor.typing", { active: true });
  p.host.invoke("todos.list");
  assert.equal(p.messages.length, 2, "nothing leaves before the turn ends");
  await p.turn();
  assert.deepEqual(p.messages.slice(2), [`${SECRET}:[`
    + '{"type":"invoke","id":1,"channel":"todos.add","args":{"title":"milk"}},'
    + '{"type":"send","channel":"editor.typing","payload":{"active":true}},'
    + '{"type":"invoke","id":2,"channel":"todos.list","args":{}}]']);
  p.host.invoke("todos.list");
  await p.turn();
  assert.equal(p.messages.at(-1), `${SECRET}:{"type":"invoke","id":3,"channel":"todos.list","args":{}}`);
});

test("a binary frame or a large envelope leaves at once, after the batch waiting before it", async () => {
  const p = welcomed();
  p.host.invoke("todos.add", { title: "first" });
  p.host.invoke("files.save", p.evaluate("({ data: new Uint8Array([1]) })"));
  p.host.invoke("todos.add", { title: "x".repeat(5000) });
  p.host.invoke("todos.add", { title: "last" });
  await p.turn();
  const sent = p.messages.slice(2);
  assert.equal(sent.length, 4);
  assert.equal(sent[0], `${SECRET}:{"type":"invoke","id":1,"channel":"todos.add","args":{"title":"first"}}`);
  assert.equal(JSON.parse(splitPosted(sent[1]).text.slice(SECRET.length + 1)).id, 2);
  assert.equal(JSON.parse(sent[2].slice(SECRET.length + 1)).id, 3);
  assert.equal(JSON.parse(sent[3].slice(SECRET.length + 1)).id, 4);
});

test("a turn's envelopes are split into batches of at most 64 Ki characters", async () => {
  const p = welcomed();
  for (let i = 0; i < 40; i++) {
    p.host.invoke("todos.add", { title: String(i).padEnd(3000, ".") });
  }
  await p.turn();
  const sent = p.messages.slice(2);
  assert.ok(sent.length >= 2, `${sent.length} messages`);
  for (const text of sent) {
    assert.ok(text.length <= SECRET.length + 1 + 65536, `${text.length} characters`);
  }
  assert.deepEqual(p.envelopes().map((m) => m.id), Array.from({ length: 40 }, (_, i) => i + 1), "every call, in order");
});

test("a transport that fails at the end of the turn rejects every call of the batch with CHANNEL_SEND", async () => {
  const p = welcomed();
  p.window.__post = () => { throw new Error("the page is closing"); };
  const first = p.host.invoke("todos.list");
  p.host.send("editor.saved");
  const second = p.host.invoke("todos.add", { title: "milk" });
  await assert.rejects(first, (e) => e.kind === "CHANNEL_SEND" && e.message === "could not send `todos.list`: the page is closing");
  await assert.rejects(second, (e) => e.kind === "CHANNEL_SEND" && e.message.startsWith("could not send `todos.add`"));
  assert.deepEqual(p.errors, ["host: a message could not be sent Error: the page is closing"]);
});

test("a delivery already read (a JSON expression the transport evaluated) is judged like its text", async () => {
  const p = welcomed();
  const seen = [];
  p.host.on("x", (payload) => seen.push(payload));
  p.host.on("host:unclaimed", (message) => seen.push(message.id));
  const call = p.host.invoke("todos.list");
  // What `deliver({...})` hands over: the value, built in the page's realm.
  const value = (secret, messages) => p.evaluate(`(${JSON.stringify({ page: secret, messages })})`);
  p.window.__deliver(value(OTHER_SECRET, [ok(1, "theirs"), event("x", "theirs")]));
  p.window.__deliver(value(null, [ok(1, "nobody's"), event("x", "nobody's")]));
  p.window.__deliver(p.evaluate(`({ page: "${SECRET}", messages: { 0: 1 } })`));
  p.window.__deliver(p.evaluate("[1, 2]"));
  assert.deepEqual(seen, []);
  p.window.__deliver(value(SECRET, [event("x", { kept: [1, "é\u2028"] }), ok(1, "ours")]));
  assert.equal(await call, "ours");
  assert.deepEqual(JSON.parse(JSON.stringify(seen)), [{ kept: [1, "é\u2028"] }]);
});

test("a delivered answer or event keeps a __proto__ key as data and leaves Object.prototype alone", async () => {
  const p = welcomed();
  const payloads = [];
  p.host.on("x", (payload) => payloads.push(payload));
  const call = p.host.invoke("todos.get");
  p.deliverText(`{"page":"${SECRET}","messages":[`
    + '{"type":"event","channel":"x","payload":{"__proto__":{"polluted":true},"kept":1}},'
    + '{"type":"answer","id":1,"success":true,"data":{"__proto__":{"admin":true}},"error":null}]}');
  const data = await call;
  for (const value of [payloads[0], data]) {
    assert.ok(Object.prototype.hasOwnProperty.call(value, "__proto__"));
    assert.equal(Object.getPrototypeOf(value), p.evaluate("Object.prototype"));
  }
  assert.equal(payloads[0].polluted, undefined);
  assert.equal(payloads[0].kept, 1);
  assert.equal(data.admin, undefined);
  assert.equal(p.evaluate("({}).polluted === undefined && ({}).admin === undefined"), true);
});

// --- What a request may carry ---

test("unsafe integers are refused before sending, with advice the host keeps: a BigInt or a decimal string", async () => {
  const p = welcomed();
  await assert.rejects(p.host.invoke("ids.get", { id: 2 ** 53 }), (e) => e.kind === "SERIALIZATION"
    && e.code === 7003 && e.message === "could not serialize the arguments of `ids.get`: `id` is 9007199254740992, "
      + "beyond ±9007199254740991, the range JSON numbers carry exactly; pass a BigInt to an exact integer of the "
      + "host (typed bigint)");
  assert.throws(() => p.host.send("ids.seen", { id: 2 ** 60 }), (e) => e instanceof p.host.IpcError
    && e.kind === "SERIALIZATION" && e.message.endsWith("send its decimal string to an exact integer of the host "
      + "(ipc_core::Exact)"));
  assert.throws(() => p.host.send("ids.seen", { id: 5n }), (e) => e instanceof p.host.IpcError
    && e.kind === "SERIALIZATION" && e.message === "could not serialize the payload of `ids.seen`: `id` is a BigInt "
      + "(5n), which travels only in a call's arguments; send its decimal string to an exact integer of the host "
      + "(ipc_core::Exact)");
  assert.deepEqual(p.envelopes(), []);
});

test("BigInt arguments travel as text, each a placeholder of its decimal digits under a fresh key", async () => {
  const p = welcomed();
  p.host.invoke("ids.put", { max: 2n ** 64n - 1n, min: -(2n ** 63n), list: [0n, 7], plain: 1 });
  await p.turn();
  assert.equal(typeof p.posted[2], "string", "no binary part: the request is text");
  const [envelope] = p.envelopes();
  const key = envelope.binary.key;
  assert.match(key, /^\$ipc:[0-9a-f]{32}$/);
  assert.deepEqual(envelope, { type: "invoke", id: 1, channel: "ids.put", binary: { key, count: 0 },
    args: { max: { [key]: "18446744073709551615" }, min: { [key]: "-9223372036854775808" },
      list: [{ [key]: "0" }, 7], plain: 1 } });
});

test("BigInt and binary arguments share the call's key; the count is of binary parts only", () => {
  const p = welcomed();
  p.host.invoke("files.save", p.evaluate("({ size: 3n, data: new Uint8Array([1]) })"));
  const { text, parts } = splitPosted(p.posted[2]);
  const envelope = JSON.parse(text.slice(SECRET.length + 1));
  const key = envelope.binary.key;
  assert.deepEqual(envelope.binary, { key, count: 1 });
  assert.deepEqual(envelope.args, { size: { [key]: "3" }, data: { [key]: 0 } });
  assert.deepEqual(parts, [[1]]);
});

test("exact integers in answers and pushes become BigInts, in text deliveries too", async () => {
  const p = welcomed();
  const seen = [];
  p.host.on("ids.changed", (payload) => seen.push(payload));
  const call = p.host.invoke("ids.get");
  p.deliver(SECRET, [
    { type: "answer", id: 1, success: true, error: null, binary: { key: KEY, count: 0 },
      data: { max: { [KEY]: "18446744073709551615" }, min: { [KEY]: "-9223372036854775808" }, small: 5 } },
    { type: "event", channel: "ids.changed", binary: { key: KEY, count: 0 },
      payload: [{ [KEY]: "340282366920938463463374607431768211455" }, { [KEY]: "0" }] },
  ]);
  const data = await call;
  assert.equal(data.max, 18446744073709551615n);
  assert.equal(data.min, -9223372036854775808n);
  assert.equal(data.small, 5);
  assert.deepEqual([...seen[0]], [2n ** 128n - 1n, 0n]);
});

test("exact integers in a failed answer's error data become BigInts", async () => {
  const p = welcomed();
  const call = p.host.invoke("ids.take");
  p.deliver(SECRET, [{ type: "answer", id: 1, success: false, data: null, binary: { key: KEY, count: 0 },
    error: { code: 7009, kind: "HANDLER", message: "short", data: { missing: { [KEY]: "18446744073709551615" } } } }]);
  await assert.rejects(call, (e) => e.kind === "HANDLER" && e.data.missing === 18446744073709551615n);
});

test("placeholders of malformed digits, or under another key, stay data", () => {
  const p = welcomed();
  const seen = [];
  p.host.on("ids.changed", (payload) => seen.push(payload));
  const malformed = ["0x10", " 1", "01", "", "-", "1e3", "1n"];
  p.deliver(SECRET, [{ type: "event", channel: "ids.changed", binary: { key: KEY, count: 0 },
    payload: { malformed: malformed.map((digits) => ({ [KEY]: digits })), other: { "$ipc:ffff": "1" } } }]);
  const [payload] = seen;
  assert.deepEqual([...payload.malformed.map((p) => p[KEY])], malformed);
  assert.deepEqual(plain(payload.other), { "$ipc:ffff": "1" });
  const unannounced = [];
  p.host.on("ids.plain", (payload) => unannounced.push(payload));
  p.deliver(SECRET, [{ type: "event", channel: "ids.plain", payload: { [KEY]: "1" } }]);
  assert.deepEqual(plain(unannounced), [{ [KEY]: "1" }], "no key announced: nothing is a placeholder");
});

// Each value JSON would change, built in the page's realm, and the path the error names.
const REFUSED = [
  ["a Map", "({ items: [1, 2, new Map()] })", "`items[2]` is a Map"],
  ["a Set", "({ tags: new Set([1]) })", "`tags` is a Set"],
  ["a WeakMap", "({ cache: { of: new WeakMap() } })", "`cache.of` is a WeakMap"],
  ["an Int16Array", "({ file: { samples: new Int16Array(2) } })", "`file.samples` is an Int16Array; binary data travels as a Uint8Array"],
  ["a DataView", "({ view: new DataView(new ArrayBuffer(4)) })", "`view` is a DataView; binary data travels as a Uint8Array"],
  ["a function", "({ when: { at: () => 1 } })", "`when.at` is a function"],
  ["a symbol", "({ list: [Symbol('s')] })", "`list[0]` is a symbol"],
  ["undefined inside an array", "({ items: [1, undefined] })", "`items[1]` is undefined"],
  ["NaN", "({ when: { at: NaN } })", "`when.at` is NaN"],
  ["Infinity", "({ scores: [[1, -Infinity]] })", "`scores[0][1]` is -Infinity"],
];

for (const [kind, args, problem] of REFUSED) {
  test(`${kind} in the arguments is refused with SERIALIZATION, naming its path`, async () => {
    const p = welcomed();
    await assert.rejects(p.host.invoke("a.b", p.evaluate(args)), (e) => e instanceof p.host.IpcError
      && e.kind === "SERIALIZATION" && e.code === 7003
      && e.message.startsWith(`could not serialize the arguments of \`a.b\`: ${problem}`));
    assert.deepEqual(p.envelopes(), []);
  });
}

test("send throws an IpcError for a payload JSON would change, naming the path", () => {
  const p = welcomed();
  assert.throws(() => p.host.send("a.b", p.evaluate("({ items: [new Set()] })")), (e) => e instanceof p.host.IpcError
    && e.kind === "SERIALIZATION" && e.message.includes("`items[0]` is a Set"));
  assert.throws(() => p.host.send("a.b", p.evaluate("({ file: new Uint8Array(1) })")),
    (e) => e.message.includes("`file` is a Uint8Array, binary data, which travels only in the arguments of a call"));
  assert.throws(() => p.host.send("a.b", NaN), (e) => e.message.includes("`(the value)` is NaN"));
  assert.deepEqual(p.envelopes(), []);
});

test("an undefined property is left out and a Date travels as its JSON text", async () => {
  const p = welcomed();
  p.host.invoke("a.b", p.evaluate("({ note: undefined, when: new Date(0) })"));
  p.host.invoke("a.c");
  await p.turn();
  assert.deepEqual(p.envelopes().map((m) => m.args), [{ when: "1970-01-01T00:00:00.000Z" }, {}]);
});

test("a request larger in UTF-8 than the host accepts is refused in the page with PAYLOAD_TOO_LARGE", async () => {
  const p = welcomed({ runtime: SMALL_RUNTIME });
  // "é" is one UTF-16 unit but two UTF-8 bytes: only bytes are counted.
  const request = (id, text) => `{"type":"invoke","id":${id},"channel":"a.b","args":{"s":"${text}"}}`;
  const bytes = (text) => new TextEncoder().encode(text).length;
  const fill = (id, extra) => {
    const room = SMALL_LIMIT - bytes(request(id, ""));
    return "é".repeat(Math.floor(room / 2)) + "x".repeat(room % 2) + extra;
  };
  assert.equal(bytes(request(1, fill(1, ""))), SMALL_LIMIT);
  p.host.invoke("a.b", { s: fill(1, "") });
  await assert.rejects(p.host.invoke("a.b", { s: fill(2, "x") }), (e) => e.kind === "PAYLOAD_TOO_LARGE"
    && e.code === 7012
    && e.message === `the request for \`a.b\` is ${SMALL_LIMIT + 1} bytes, `
      + `more than the ${SMALL_LIMIT} the host accepts`);
  assert.throws(() => p.host.send("a.b", "é".repeat(SMALL_LIMIT)), (e) => e.kind === "PAYLOAD_TOO_LARGE");
  assert.deepEqual(p.envelopes().map((m) => m.id), [1]);
});

// --- One-way messages and events ---

test("send posts a one-way message with a null payload by default", async () => {
  const p = welcomed();
  p.host.send("editor.typing", { active: true });
  p.host.send("editor.saved");
  await p.turn();
  assert.deepEqual(p.envelopes(), [
    { type: "send", channel: "editor.typing", payload: { active: true } },
    { type: "send", channel: "editor.saved", payload: null },
  ]);
});

test("on, once and off deliver pushed events as promised", () => {
  const p = welcomed();
  const seen = [];
  const unsubscribe = p.host.on("todos.changed", (payload) => seen.push(["on", payload]));
  p.host.once("todos.changed", (payload) => seen.push(["once", payload]));
  const removed = (payload) => seen.push(["off", payload]);
  p.host.on("todos.changed", removed);
  p.host.off("todos.changed", removed);
  p.deliver(SECRET, [event("todos.changed", 1)]);
  unsubscribe();
  p.deliver(SECRET, [event("todos.changed", 2)]);
  assert.deepEqual(seen, [["on", 1], ["once", 1]]);
});

test("a throwing listener does not stop the others", () => {
  const p = welcomed();
  const seen = [];
  p.host.on("x", () => { throw new Error("boom"); });
  p.host.on("x", (payload) => seen.push(payload));
  p.deliver(SECRET, [event("x", 3)]);
  assert.deepEqual(seen, [3]);
  assert.equal(p.errors.length, 1);
  assert.match(p.errors[0], /^host: a listener of `x` threw/);
});

// --- What the page's own scripts can reach ---

test("installing the runtime twice keeps the first and posts no second hello", () => {
  const p = page();
  const { host } = p;
  const deliver = p.window.__deliver;
  p.evaluate(RUNTIME);
  assert.equal(p.window.host, host);
  assert.equal(p.window.__deliver, deliver);
  assert.equal(p.posted.length, 1);
});

test("host is frozen: a page script cannot replace its methods", () => {
  const p = page();
  const { invoke } = p.host;
  assert.ok(Object.isFrozen(p.host));
  assert.throws(() => { p.host.invoke = () => {}; }, TypeError);
  p.evaluate("window.host.invoke = function () {}; window.host = {};");
  assert.equal(p.window.host.invoke, invoke);
});

// Installed after the runtime, as a page script would: each patched global notes, as JSON, every value it is handed.
const PATCH_GLOBALS = `(() => {
  const seen = [];
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;
  const iterator = Array.prototype[Symbol.iterator];
  const OriginalString = String;
  const note = (value) => {
    try { seen.push(stringify(value) + ""); } catch (e) { seen.push(typeof value); }
  };
  Array.prototype[Symbol.iterator] = function () { note(this); return iterator.call(this); };
  Array.isArray = function (value) { note(value); return isArray(value); };
  JSON.parse = function (text, reviver) { note(text); return parse(text, reviver); };
  String = function (value) { note(value); return OriginalString(value); };
  // The patches are live for the page's own code.
  Array.isArray(["probe"]); String("probe"); JSON.parse('"probe"'); for (const x of ["probe"]) {}
  return seen;
})()`;

test("patched globals never see a welcome meant for another nonce, nor the page's own secret", () => {
  const p = page();
  const seen = p.evaluate(PATCH_GLOBALS);
  assert.equal(seen.length, 4);
  p.host.invoke("todos.list");
  p.welcome(OTHER_SECRET, "0123456789abcdef0123456789abcdef");
  assert.equal(p.posted.length, 1);
  p.welcome();
  assert.equal(p.posted[1], READY);
  assert.deepEqual(plain(seen).filter((text) => text.includes(OTHER_SECRET) || text.includes(SECRET)), []);
});

test("patched globals never see the messages of a delivery for another page", () => {
  const p = welcomed();
  const seen = p.evaluate(PATCH_GLOBALS);
  const payloads = [];
  p.host.on("x", (payload) => payloads.push(payload));
  p.deliver(OTHER_SECRET, [event("x", "meant for another page"), ok(1, "meant for another page")]);
  assert.deepEqual(payloads, []);
  assert.deepEqual(plain(seen).filter((text) => text.includes("another page") || text.includes(OTHER_SECRET)), []);
});

/** A fake window whose `message` listeners can be fired by hand, as frames and pages post to each other. */
function messaging(extra = {}) {
  const listeners = [];
  const window = {
    __post: () => {},
    addEventListener: (type, listener) => { if (type === "message") listeners.push(listener); },
    ...extra,
  };
  window.fire = (event) => listeners.forEach((listener) => listener(event));
  return window;
}

function runIn(window, runtime) {
  const context = vm.createContext({
    window, location: { origin: ORIGIN }, crypto: webcrypto, TextEncoder, setTimeout, clearTimeout,
    console: { error: () => {} },
  });
  vm.runInContext(runtime, context);
  return context;
}

test("a page of a window that allows frames relays a frame's message with the browser's origin, and its answer back", async () => {
  const posted = [];
  const window = messaging({ __post: (text) => posted.push(text) });
  window.top = window;
  runIn(window, FRAMES_RUNTIME);
  const hello = JSON.parse(posted[0]);
  window.__deliver(JSON.stringify({ page: null, messages: [{ type: "welcome", nonce: hello.nonce, page: SECRET }] }));
  const toFrame = [];
  const frame = { postMessage: (data, origin) => toFrame.push([data, origin]) };
  const envelope = '{"type":"invoke","id":1,"channel":"probe.touch","args":{}}';
  window.fire({ source: frame, origin: "https://widget.example", data: { __ipcFrame: envelope } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(JSON.parse(posted.at(-1).slice(SECRET.length + 1)),
    { type: "frame", frame: 1, origin: "https://widget.example", envelope });
  const answer = { type: "answer", id: 1, success: true, data: 1, error: null };
  window.__deliver(JSON.stringify({ page: SECRET, messages: [{ type: "frame", frame: 1, message: answer }] }));
  assert.deepEqual(plain(toFrame), [[{ __ipcFrameDelivery: JSON.stringify({ page: "frame", messages: [answer] }) },
    "https://widget.example"]]);
});

test("a page of a window without frame rules relays nothing", () => {
  const posted = [];
  const window = messaging({ __post: (text) => posted.push(text) });
  window.top = window;
  runIn(window, RUNTIME);
  window.fire({ source: {}, origin: "https://widget.example", data: { __ipcFrame: "{}" } });
  assert.equal(posted.length, 1, "only the hello");
});

test("a frame speaks through its page, without a hello, and takes deliveries only from its page", async () => {
  const toTop = [];
  const top = { postMessage: (data, origin) => toTop.push([data, origin]) };
  const window = messaging({ top });
  const context = runIn(window, FRAMES_RUNTIME);
  const call = context.window.host.invoke("probe.touch", {});
  assert.deepEqual(plain(toTop), [[{ __ipcFrame: '{"type":"invoke","id":1,"channel":"probe.touch","args":{}}' }, "*"]]);
  const answer = (data) => JSON.stringify({ page: "frame", messages: [{ type: "answer", id: 1, success: true, data, error: null }] });
  window.fire({ source: {}, data: { __ipcFrameDelivery: answer("from a sibling frame") } });
  window.fire({ source: top, data: { __ipcFrameDelivery: answer(7) } });
  assert.equal(await call, 7);
});

test("a frame refuses binary arguments, saying frames cannot send them", async () => {
  const toTop = [];
  const window = messaging({ top: { postMessage: (data) => toTop.push(data) } });
  const context = runIn(window, FRAMES_RUNTIME);
  const bytes = vm.runInContext("new Uint8Array(2)", context);
  await assert.rejects(context.window.host.invoke("files.save", { data: bytes }),
    (e) => e.kind === "SERIALIZATION" && e.message.includes("`data` is binary data, which a frame cannot send"));
  assert.deepEqual(toTop, [], "nothing posted");
});

test("a frame sends BigInt arguments: placeholders need no binary part", () => {
  const toTop = [];
  const window = messaging({ top: { postMessage: (data) => toTop.push(data) } });
  const context = runIn(window, FRAMES_RUNTIME);
  context.window.host.invoke("ids.put", { id: 2n ** 64n - 1n });
  const envelope = JSON.parse(toTop[0].__ipcFrame);
  const key = envelope.binary.key;
  assert.deepEqual(envelope.binary, { key, count: 0 });
  assert.deepEqual(envelope.args, { id: { [key]: "18446744073709551615" } });
});

test("a binary frame's parts replace their placeholders as Uint8Array views, message by message", () => {
  const p = welcomed();
  const seen = [];
  p.host.on("files.chunk", (payload) => seen.push(payload));
  const text = JSON.stringify({ page: SECRET, messages: [
    { type: "event", channel: "files.chunk", payload: { name: "a", data: { [KEY]: 0 }, more: [{ [KEY]: 1 }] },
      binary: { key: KEY, count: 2 } },
    { type: "event", channel: "files.chunk", payload: "no parts" },
    { type: "event", channel: "files.chunk", payload: { [KEY]: 0 }, binary: { key: KEY, count: 1 } },
  ] });
  p.deliverFrame(text, [[1, 2, 3], [], [250]]);
  assert.equal(seen.length, 3);
  const [first, second, third] = seen;
  assert.equal(first.name, "a");
  assert.equal(Object.prototype.toString.call(first.data), "[object Uint8Array]");
  assert.deepEqual([...first.data], [1, 2, 3]);
  assert.deepEqual([...first.more[0]], []);
  assert.equal(second, "no parts");
  assert.deepEqual([...third], [250], "the third message's placeholder 0 is the delivery's third part");
});

test("a delivery's text with its parts beside it (a fetched part) reads as its frame would", () => {
  const p = welcomed();
  const seen = [];
  p.host.on("files.chunk", (payload) => seen.push(payload));
  const text = JSON.stringify({ page: SECRET, messages: [
    { type: "event", channel: "files.chunk", payload: { data: { [KEY]: 0 } }, binary: { key: KEY, count: 1 } },
  ] });
  const part = p.evaluate("new Uint8Array([4, 5, 6])");
  p.window.__deliver(text, p.evaluate("(part) => [part]")(part));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].data, part, "the part itself, not a copy");
  // Parts beside text for another page, or beside a value already read, do nothing.
  p.window.__deliver(text.replace(SECRET, OTHER_SECRET), [part]);
  p.window.__deliver(JSON.parse(text), [part]);
  assert.equal(seen.length, 2, "a value already read is taken as it is, its placeholder left as data");
  assert.deepEqual(JSON.parse(JSON.stringify(seen[1])), { data: { [KEY]: 0 } });
});

test("objects that only look like placeholders stay data, and a __proto__ key beside parts stays a key", () => {
  const p = welcomed();
  const seen = [];
  p.host.on("files.chunk", (payload) => seen.push(payload));
  const text = `{"page":"${SECRET}","messages":[{"type":"event","channel":"files.chunk","binary":{"key":"${KEY}","count":1},`
    + `"payload":{"wrongKey":{"$ipc:ffff":0},"outOfRange":{"${KEY}":1},"notIndex":{"${KEY}":"0x1"},`
    + `"twoKeys":{"${KEY}":0,"x":1},"__proto__":{"polluted":true},"part":{"${KEY}":0}}}]}`;
  p.deliverFrame(text, [[7]]);
  const [payload] = seen;
  assert.deepEqual(payload.wrongKey, p.evaluate('({"$ipc:ffff":0})'));
  assert.equal(payload.outOfRange[KEY], 1);
  assert.equal(payload.notIndex[KEY], "0x1");
  assert.equal(payload.twoKeys.x, 1);
  assert.deepEqual([...payload.part], [7]);
  assert.ok(Object.prototype.hasOwnProperty.call(payload, "__proto__"));
  assert.equal(p.evaluate("({}).polluted"), undefined);
});

test("a malformed binary frame is dropped whole, with an error in the console", () => {
  const p = welcomed();
  const seen = [];
  p.host.on("files.chunk", (payload) => seen.push(payload));
  const text = JSON.stringify({ page: SECRET, messages: [event("files.chunk", 1)] });
  const buffer = (bytes) => p.evaluate(`new Uint8Array(${JSON.stringify(bytes)}).buffer`);
  p.window.__deliver(buffer([200, 0, 0, 0, 123])); // the text claims more bytes than the frame has
  p.window.__deliver(buffer([2, 0]));
  const whole = [...new TextEncoder().encode(text)];
  p.window.__deliver(buffer([whole.length, 0, 0, 0, ...whole, 9, 0, 0, 0, 1])); // a part cut short
  assert.deepEqual(seen, []);
  assert.equal(p.errors.filter((e) => e.includes("malformed binary delivery")).length, 3);
});

/** Splits a frame the runtime posted: `{ text, parts }` with parts as arrays of byte values. */
function splitPosted(frame) {
  assert.equal(Object.prototype.toString.call(frame), "[object ArrayBuffer]", "a binary frame");
  const view = new DataView(frame);
  const textLength = view.getUint32(0, true);
  const text = new TextDecoder().decode(new Uint8Array(frame, 4, textLength));
  const parts = [];
  for (let at = 4 + textLength; at < frame.byteLength;) {
    const length = view.getUint32(at, true);
    parts.push([...new Uint8Array(frame, at + 4, length)]);
    at += 4 + length;
  }
  return { text, parts };
}

test("binary arguments travel beside the JSON in one frame, each a placeholder under a fresh key", async () => {
  const p = welcomed();
  p.host.invoke("files.save", p.evaluate(
    "({ name: 'a', data: new Uint8Array([1, 2, 3]).subarray(1), more: [new Uint8Array([9]).buffer, new Uint8Array(0)] })"));
  const { text, parts } = splitPosted(p.posted[2]);
  assert.ok(text.startsWith(`${SECRET}:`));
  const envelope = JSON.parse(text.slice(SECRET.length + 1));
  const key = envelope.binary.key;
  assert.match(key, /^\$ipc:[0-9a-f]{32}$/);
  assert.deepEqual(envelope, { type: "invoke", id: 1, channel: "files.save", binary: { key, count: 3 },
    args: { name: "a", data: { [key]: 0 }, more: [{ [key]: 1 }, { [key]: 2 }] } });
  assert.deepEqual(parts, [[2, 3], [9], []], "a view's own bytes, an ArrayBuffer whole, an empty array");
  p.host.invoke("files.save", p.evaluate("({ data: new Uint8Array(1) })"));
  assert.notEqual(JSON.parse(splitPosted(p.posted[3]).text.slice(SECRET.length + 1)).binary.key, key);
  p.host.invoke("files.plain", { n: 1 });
  await p.turn();
  assert.equal(typeof p.posted[4], "string", "a call without binary data is text");
});

test("a binary call made before the welcome waits, then goes as a frame under the secret", () => {
  const p = page();
  p.host.invoke("files.save", p.evaluate("({ data: new Uint8Array([5]) })"));
  assert.equal(p.posted.length, 1, "only the hello before the welcome");
  p.welcome();
  const { text, parts } = splitPosted(p.posted[2]);
  assert.ok(text.startsWith(`${SECRET}:{"type":"invoke"`));
  assert.deepEqual(parts, [[5]]);
});

test("binary data counts toward the request size limit", async () => {
  const p = welcomed({ runtime: SMALL_RUNTIME });
  await assert.rejects(p.host.invoke("files.save", p.evaluate(`({ data: new Uint8Array(${SMALL_LIMIT}) })`)),
    (e) => e.kind === "PAYLOAD_TOO_LARGE");
  assert.equal(p.posted.length, 2, "nothing posted after the hello and the ready");
});

test("a message with one binary part goes to a transport that takes parts as it is, with no frame built", async () => {
  const p = welcomed();
  const taken = [];
  p.window.__parts = (text, part) => { taken.push([text, part]); return true; };
  const view = p.evaluate("new Uint8Array([1, 2, 3, 4]).subarray(1, 3)");
  p.host.invoke("files.save", { data: view });
  assert.equal(taken.length, 1);
  const [text, part] = taken[0];
  assert.ok(part.buffer === view.buffer && part.byteOffset === 1 && part.length === 2,
    "the page's own bytes, not a copy in a frame");
  const envelope = JSON.parse(text.slice(SECRET.length + 1));
  assert.deepEqual(envelope.args, { data: { [envelope.binary.key]: 0 } });
  assert.equal(envelope.binary.count, 1);
  // Two parts, or a transport that declines, go as a frame.
  p.host.invoke("files.save", p.evaluate("({ a: new Uint8Array([1]), b: new Uint8Array([2]) })"));
  p.window.__parts = () => false;
  p.host.invoke("files.save", p.evaluate("({ data: new Uint8Array([5]) })"));
  await p.turn();
  assert.equal(taken.length, 1);
  const frames = p.messages.slice(2).map((message) => splitPosted(message));
  assert.deepEqual(frames.map((frame) => frame.parts), [[[1], [2]], [[5]]]);
});

test("a call made with a schema option carries it, so the host can tell a stale generated client", async () => {
  const p = welcomed();
  p.host.invoke("todos.add", { title: "milk" }, { schema: "0123456789abcdef" });
  p.host.invoke("todos.add", { title: "tea" });
  await p.turn();
  const [withSchema, without] = p.envelopes();
  assert.equal(withSchema.schema, "0123456789abcdef");
  assert.equal(without.schema, undefined);
});

test("a call breaking the rules of its generated client is refused with the host's VALIDATION error, unsent", async () => {
  const p = welcomed();
  const rules = [
    ["title", [["length", 2, 5, "text"], ["pattern", "^[a-z]+$"]]],
    ["tags", [["non_empty", "list"], ["length", null, 2, "list"]]],
    ["ratio", [["range", 1e-7, 10, null, null]]],
    ["count", [["range", -5, 10, 0, 255]]],
  ];
  const call = p.host.invoke("todos.add", { title: "😀😀😀😀😀😀", tags: [], ratio: 5e-8, count: 11 }, { rules });
  const violations = [
    { path: "title", rule: "length", message: "must be at most 5 long (is 6)" },
    { path: "title", rule: "pattern", message: "must match `^[a-z]+$`" },
    { path: "tags", rule: "non_empty", message: "must not be empty" },
    { path: "ratio", rule: "range", message: "must be at least 0.0000001 (is 0.00000005)" },
    { path: "count", rule: "range", message: "must be at most 10 (is 11)" },
  ];
  await assert.rejects(call, (e) => e instanceof p.host.IpcError && e.code === 7007 && e.kind === "VALIDATION"
    && e.message === "invalid arguments for `todos.add`: " + violations.map((v) => `${v.path}: ${v.message}`).join("; ")
    && assert.deepEqual(plain(e.data), { violations }) === undefined);
  assert.equal(p.posted.length, 2, "nothing posted after the hello and the ready");
});

test("values the host would not decode, absent or null arguments, and uncompilable patterns are left to the host", async () => {
  const p = welcomed();
  const rules = [
    ["name", [["length", 2, null, "text"]]],
    ["byte", [["range", 1, 10, 0, 255]]],
    ["note", [["non_empty", "text"]]],
    ["tag", [["pattern", "(?<"]]],
  ];
  for (const args of [
    { name: "\ud800", byte: 5 },
    { name: 5, byte: 5 },
    { name: "ok", byte: 300 },
    { name: "ok", byte: 1.5 },
    { name: "ok", byte: "0" },
    { name: "ok", byte: 5, note: null },
    { name: "ok", byte: 5, note: undefined },
    { name: "ok", byte: 5, tag: "a pattern JavaScript cannot compile" },
  ]) {
    p.host.invoke("todos.add", args, { rules });
  }
  await p.turn();
  assert.equal(p.envelopes().length, 8, "every call is sent");
});

// --- Streams (ipc_core::protocol, "Streams") ---

const item = (id, data) => ({ type: "item", id, data });
/** Whether an iterator result (from the page's realm) says the stream is over. */
const over = (result) => result.done === true && result.value === undefined;

test("a stream posts its call with credit for its window, then yields items in order and ends with the answer", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.count", { to: 3 }, { window: 8 });
  await p.turn();
  assert.deepEqual(p.envelopes(), [
    { type: "invoke", id: 1, channel: "feed.count", args: { to: 3 } },
    { type: "credit", id: 1, count: 8 },
  ]);
  p.deliver(SECRET, [item(1, "a"), item(1, "b")]);
  p.deliver(SECRET, [item(1, "c"), ok(1, null)]);
  const read = [];
  for await (const value of items) {
    read.push(value);
  }
  assert.deepEqual(read, ["a", "b", "c"]);
});

test("a stream gives credit back in batches of half its window as its reader takes items", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.count", {}, { window: 4 });
  p.deliver(SECRET, [1, 2, 3, 4].map((n) => item(1, n)));
  const credits = () => p.envelopes().filter((m) => m.type === "credit").map((m) => m.count);
  await p.turn();
  assert.deepEqual(credits(), [4], "nothing read, nothing given back");
  await items.next();
  await p.turn();
  assert.deepEqual(credits(), [4]);
  await items.next();
  await p.turn();
  assert.deepEqual(credits(), [4, 2], "half the window read");
  await items.next();
  await items.next();
  await p.turn();
  assert.deepEqual(credits(), [4, 2, 2]);
});

test("a stream gives credit back as soon as everything received has been read", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.big", {}, { window: 100 });
  p.deliver(SECRET, [item(1, "a"), item(1, "b"), item(1, "c")]);
  for (let i = 0; i < 3; i++) await items.next();
  const credits = p.envelopes().filter((m) => m.type === "credit").map((m) => m.count);
  assert.deepEqual(credits, [100, 3], "a host holding items back for their size must hear of every read");
});

test("forEach hands over the items already here, then each as it arrives, in order, and gives credit once a turn", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.count", {}, { window: 100 });
  p.deliver(SECRET, [item(1, "a"), item(1, "b")]);
  const read = [];
  const done = items.forEach((value) => read.push(value));
  assert.deepEqual(read, ["a", "b"], "the items already here, at once");
  p.deliver(SECRET, [item(1, "c"), item(1, "d"), item(1, "e")]);
  assert.deepEqual(read, ["a", "b", "c", "d", "e"], "each as it arrives, with no promise between");
  await p.turn();
  const credits = p.envelopes().filter((m) => m.type === "credit").map((m) => m.count);
  assert.deepEqual(credits, [100, 5], "one credit for the turn's reads");
  await assert.rejects(items.next(), (e) => e.name === "TypeError", "read one way at a time");
  p.deliver(SECRET, [ok(1, null)]);
  assert.equal(await done, undefined);
  assert.deepEqual(read, ["a", "b", "c", "d", "e"]);
});

test("forEach rejects with the stream's error after its items, and a throwing callback stops the stream", async () => {
  const p = welcomed();
  const failing = p.host.stream("feed.failing", {});
  const read = [];
  const done = failing.forEach((value) => read.push(value));
  p.deliver(SECRET, [item(1, 1), failed(1, { code: 7009, kind: "HANDLER", message: "boom", data: "boom" })]);
  await assert.rejects(done, (e) => e instanceof p.host.IpcError && e.kind === "HANDLER");
  assert.deepEqual(read, [1]);
  const endless = p.host.stream("feed.endless", {});
  const thrown = new Error("enough");
  const stopped = endless.forEach((value) => {
    if (value === 2) throw thrown;
  });
  p.deliver(SECRET, [item(2, 1), item(2, 2), item(2, 3)]);
  await assert.rejects(stopped, (e) => e === thrown);
  await p.turn();
  assert.deepEqual(p.envelopes().filter((m) => m.type === "cancel"), [{ type: "cancel", id: 2 }]);
  await assert.rejects(p.host.stream("feed.endless", {}).forEach(1), (e) => e.name === "TypeError");
});

test("cancel() ends a forEach read: its promise resolves and the host is told", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.endless", {});
  const done = items.forEach(() => {});
  items.cancel();
  assert.equal(await done, undefined);
  await p.turn();
  assert.deepEqual(p.envelopes().map((m) => m.type), ["invoke", "credit", "cancel"]);
});

test("items read after an error come first; the error is thrown after them, as an IpcError with the handler's data", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.failing", {});
  p.deliver(SECRET, [item(1, 1), item(1, 2), failed(1, { code: 7009, kind: "HANDLER", message: "boom", data: "boom" })]);
  const read = [];
  await assert.rejects(async () => {
    for await (const value of items) {
      read.push(value);
    }
  }, (e) => e instanceof p.host.IpcError && e.kind === "HANDLER" && e.data === "boom");
  assert.deepEqual(read, [1, 2]);
  assert.ok(over(await items.next()), "a stream ends once");
});

test("leaving the loop cancels the stream on the host, and its later items are dropped", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.endless", {});
  p.deliver(SECRET, [item(1, 0), item(1, 1)]);
  for await (const value of items) {
    assert.equal(value, 0);
    break;
  }
  assert.deepEqual(p.envelopes().slice(-1), [{ type: "cancel", id: 1 }]);
  const unclaimed = [];
  p.host.on("host:unclaimed", (message) => unclaimed.push(message));
  p.deliver(SECRET, [item(1, 2)]);
  assert.ok(over(await items.next()));
  assert.deepEqual(unclaimed, [], "an item for no stream is dropped quietly");
});

test("cancel() ends a waiting reader and tells the host once", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.endless", {});
  const waiting = items.next();
  items.cancel();
  items.cancel();
  assert.ok(over(await waiting));
  assert.deepEqual(p.envelopes().map((m) => m.type), ["invoke", "credit", "cancel"]);
});

test("aborting a stream throws CANCELLED from the loop and tells the host", async () => {
  const p = welcomed();
  const controller = new AbortController();
  const items = p.host.stream("feed.endless", {}, { signal: controller.signal });
  p.deliver(SECRET, [item(1, 0)]);
  controller.abort();
  await assert.rejects(items.next(), (e) => e.kind === "CANCELLED");
  assert.deepEqual(p.envelopes().map((m) => m.type), ["invoke", "credit", "cancel"]);
});

test("a stream started before the welcome posts its call and credit after it, in order", async () => {
  const p = page();
  const items = p.host.stream("feed.count", {}, { window: 2 });
  p.welcome();
  await p.turn();
  assert.deepEqual(p.envelopes().map((m) => m.type), ["invoke", "credit"]);
  p.deliver(SECRET, [ok(1, null)]);
  assert.ok(over(await items.next()));
});

test("binary items arrive as Uint8Array views of the delivery", async () => {
  const p = welcomed();
  const items = p.host.stream("feed.chunks", {});
  const text = JSON.stringify({ page: SECRET, messages: [
    { type: "item", id: 1, binary: { key: "$ipc:k", count: 1 }, data: { "$ipc:k": 0 } },
  ] });
  p.deliverFrame(text, [[7, 8, 9]]);
  const { value } = await items.next();
  assert.equal(value.constructor.name, "Uint8Array");
  assert.deepEqual([...value], [7, 8, 9]);
});

// --- Uploads (ipc_core::protocol, "Uploads") ---

const credit = (id, upload, count) => ({ type: "credit", id, upload, count });
/** Lets the runtime's pumps run. */
const settleDown = () => new Promise((resolve) => setTimeout(resolve, 0));

test("an async iterable argument becomes an upload: announced with the call, sent item by item for the host's credit", async () => {
  const p = welcomed();
  async function* numbers() {
    for (let n = 1; n <= 3; n++) yield n;
  }
  const call = p.host.invoke("sink.sum", { numbers: numbers() });
  await settleDown();
  assert.deepEqual(p.envelopes(), [
    { type: "invoke", id: 1, channel: "sink.sum", args: { numbers: { "$ipc:upload": 0 } }, uploads: 1 },
  ], "nothing is sent before the host gives credit");
  p.deliver(SECRET, [credit(1, 0, 2)]);
  await settleDown();
  assert.deepEqual(p.envelopes().slice(1), [
    { type: "chunk", id: 1, upload: 0, payload: 1 },
    { type: "chunk", id: 1, upload: 0, payload: 2 },
  ]);
  p.deliver(SECRET, [credit(1, 0, 5)]);
  await settleDown();
  assert.deepEqual(p.envelopes().slice(3), [
    { type: "chunk", id: 1, upload: 0, payload: 3 },
    { type: "end", id: 1, upload: 0 },
  ]);
  p.deliver(SECRET, [ok(1, 6)]);
  assert.equal(await call, 6);
});

test("BigInt upload items travel as text, each a placeholder under its chunk's own key", async () => {
  const p = welcomed();
  async function* ids() {
    yield 2n ** 64n - 1n;
    yield 7;
  }
  p.host.invoke("sink.ids", { ids: ids() });
  p.deliver(SECRET, [credit(1, 0, 4)]);
  await settleDown();
  const [, first, second] = p.envelopes();
  const key = first.binary.key;
  assert.match(key, /^\$ipc:[0-9a-f]{32}$/);
  assert.deepEqual(first, { type: "chunk", id: 1, upload: 0, payload: { [key]: "18446744073709551615" },
    binary: { key, count: 0 } });
  assert.deepEqual(second, { type: "chunk", id: 1, upload: 0, payload: 7 }, "an item without BigInt names no key");
});

test("a ReadableStream of bytes is an upload of binary chunks, each beside its JSON in a frame", async () => {
  const p = welcomed();
  const stream = p.evaluate(`new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1, 2])); c.close(); } })`);
  p.host.invoke("sink.store", { name: "a", chunks: stream });
  p.deliver(SECRET, [credit(1, 0, 4)]);
  await settleDown();
  await settleDown();
  const frame = p.posted[3];
  assert.ok(frame instanceof p.evaluate("ArrayBuffer"), "the chunk went as a binary frame");
  const bytes = new Uint8Array(frame);
  const length = bytes[0] | (bytes[1] << 8);
  const text = new TextDecoder().decode(bytes.subarray(4, 4 + length));
  const chunk = JSON.parse(text.slice(SECRET.length + 1));
  assert.equal(chunk.type, "chunk");
  assert.deepEqual([...bytes.subarray(4 + length + 4)], [1, 2]);
  assert.equal(p.posted.at(-1), `${SECRET}:{"type":"end","id":1,"upload":0}`);
});

test("a failing source cancels the call in the page and the host", async () => {
  const p = welcomed();
  async function* broken() {
    yield 1;
    throw new Error("disk gone");
  }
  const call = p.host.invoke("sink.sum", { numbers: broken() });
  p.deliver(SECRET, [credit(1, 0, 8)]);
  await assert.rejects(call, (e) => e.kind === "CANCELLED" && e.message.includes("upload `numbers` failed: disk gone"));
  assert.deepEqual(p.envelopes().map((m) => m.type), ["invoke", "chunk", "cancel"]);
});

test("an upload item JSON cannot carry stops the call with SERIALIZATION, naming its path", async () => {
  const p = welcomed();
  async function* bad() {
    yield 1;
    yield { n: 2 ** 60 };
  }
  const call = p.host.invoke("sink.sum", { numbers: bad() });
  p.deliver(SECRET, [credit(1, 0, 8)]);
  await assert.rejects(call, (e) => e.kind === "SERIALIZATION" && e.message.includes("numbers[1].n"));
});

test("once the call settles, the source is told to stop and nothing more is sent", async () => {
  const p = welcomed();
  let stopped = false;
  async function* endless() {
    try {
      for (let n = 0; ; n++) yield n;
    } finally {
      stopped = true;
    }
  }
  const call = p.host.invoke("sink.sum", { numbers: endless() });
  p.deliver(SECRET, [credit(1, 0, 1)]);
  await settleDown();
  p.deliver(SECRET, [failed(1, { code: 7009, kind: "HANDLER", message: "enough", data: null })]);
  await assert.rejects(call, (e) => e.kind === "HANDLER");
  p.deliver(SECRET, [credit(1, 0, 5)]);
  await settleDown();
  await settleDown();
  assert.ok(stopped, "the generator's finally ran");
  assert.deepEqual(p.envelopes().map((m) => m.type), ["invoke", "chunk"]);
});
