// Fast unit tests of the renderer runtime's logic in Node, with a fake `window.ipc`. Run by tests/tests/runtime_js.rs,
// which passes the path of the runtime script exactly as ipc-core renders it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const script = readFileSync(process.env.IPC_RUNTIME_JS, "utf8");

/** A fresh page: the runtime installed on a fake window that records what it posts. */
function page() {
  const posted = [];
  const errors = [];
  const window = { ipc: { postMessage: (text) => posted.push(JSON.parse(text)) } };
  const context = vm.createContext({
    window,
    console: { error: (...args) => errors.push(args.join(" ")) },
    setTimeout,
    clearTimeout,
    TextEncoder,
    Promise,
  });
  vm.runInContext(script, context);
  return { host: window.host, posted, errors };
}

test("invoke posts an envelope and resolves with the answer's data", async () => {
  const { host, posted } = page();
  const call = host.invoke("todos.add", { title: "milk" });
  assert.deepEqual(posted, [{ type: "invoke", id: 1, channel: "todos.add", args: { title: "milk" } }]);
  host.__receive({ type: "answer", id: 1, success: true, data: { id: 7 }, error: null });
  assert.deepEqual(await call, { id: 7 });
});

test("a failed answer rejects with an IpcError carrying code, kind and data", async () => {
  const { host } = page();
  const call = host.invoke("todos.add", {});
  host.__receive({ type: "answer", id: 1, success: false, data: null,
    error: { code: 7009, kind: "HANDLER", message: "no", data: { why: "full" } } });
  await assert.rejects(call, (e) => e instanceof host.IpcError && e.code === 7009 && e.kind === "HANDLER"
    && e.message === "no" && e.data.why === "full");
});

test("answers for unknown ids are ignored and a refused request is logged", () => {
  const { host, errors } = page();
  host.__receive({ type: "answer", id: 99, success: true, data: 1, error: null });
  host.__receive({ type: "answer", id: null, success: false, data: null,
    error: { code: 7005, kind: "INVALID_REQUEST", message: "request is not valid JSON", data: null } });
  assert.deepEqual(errors, ["host: a request was refused: request is not valid JSON"]);
});

test("a timeout rejects with TIMEOUT and a late answer is dropped", async () => {
  const { host } = page();
  const call = host.invoke("slow.call", {}, { timeout: 10 });
  await assert.rejects(call, (e) => e.kind === "TIMEOUT" && e.code === 7011);
  host.__receive({ type: "answer", id: 1, success: true, data: "late", error: null });
});

test("unsafe integers and BigInts are refused before sending", async () => {
  const { host, posted } = page();
  await assert.rejects(host.invoke("ids.get", { id: 2 ** 53 }), (e) => e.kind === "SERIALIZATION"
    && e.message.includes("`id` is 9007199254740992"));
  await assert.rejects(host.invoke("ids.get", { id: 5n }), (e) => e.kind === "SERIALIZATION"
    && e.message.includes("`id` is a BigInt (5n)"));
  assert.throws(() => host.send("ids.seen", { id: 2 ** 60 }), (e) => e.kind === "SERIALIZATION");
  assert.deepEqual(posted, []);
});

test("send posts a one-way message with a null payload by default", () => {
  const { host, posted } = page();
  host.send("editor.typing", { active: true });
  host.send("editor.saved");
  assert.deepEqual(posted, [
    { type: "send", channel: "editor.typing", payload: { active: true } },
    { type: "send", channel: "editor.saved", payload: null },
  ]);
});

test("on, once and off deliver pushed events as promised", () => {
  const { host } = page();
  const seen = [];
  const unsubscribe = host.on("todos.changed", (p) => seen.push(["on", p]));
  host.once("todos.changed", (p) => seen.push(["once", p]));
  const removed = (p) => seen.push(["off", p]);
  host.on("todos.changed", removed);
  host.off("todos.changed", removed);
  host.__receive({ type: "event", channel: "todos.changed", payload: 1 });
  unsubscribe();
  host.__receive({ type: "event", channel: "todos.changed", payload: 2 });
  assert.deepEqual(seen, [["on", 1], ["once", 1]]);
});

test("a throwing listener does not stop the others", () => {
  const { host, errors } = page();
  const seen = [];
  host.on("x", () => { throw new Error("boom"); });
  host.on("x", (p) => seen.push(p));
  host.__receive({ type: "event", channel: "x", payload: 3 });
  assert.deepEqual(seen, [3]);
  assert.equal(errors.length, 1);
});

test("installing the runtime twice keeps the first", () => {
  const { host } = page();
  const window = { ipc: { postMessage() {} }, host };
  vm.runInContext(script, vm.createContext({ window, console, setTimeout, clearTimeout, TextEncoder, Promise }));
  assert.equal(window.host, host);
});

test("aborting a call rejects with CANCELLED and tells the host", async () => {
  const { host, posted } = page();
  const controller = new AbortController();
  const call = host.invoke("slow.call", {}, { signal: controller.signal });
  controller.abort();
  await assert.rejects(call, (e) => e.kind === "CANCELLED" && e.code === 7013);
  assert.deepEqual(posted[1], { type: "cancel", id: 1 });
  host.__receive({ type: "answer", id: 1, success: true, data: "late", error: null });
});

test("a timeout tells the host too, and an already aborted signal sends nothing", async () => {
  const { host, posted } = page();
  await assert.rejects(host.invoke("slow.call", {}, { timeout: 5 }), (e) => e.kind === "TIMEOUT");
  assert.deepEqual(posted[1], { type: "cancel", id: 1 });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(host.invoke("slow.call", {}, { signal: controller.signal }), (e) => e.kind === "CANCELLED");
  assert.equal(posted.length, 2);
});

test("generated methods pass their options through", async () => {
  const { host, posted } = page();
  host.services.demo = { slow(n, __options) { return host.invoke("demo.slow", { n }, __options); } };
  const controller = new AbortController();
  const call = host.services.demo.slow(1, { signal: controller.signal });
  controller.abort();
  await assert.rejects(call, (e) => e.kind === "CANCELLED");
  assert.deepEqual(posted.map((m) => m.type), ["invoke", "cancel"]);
});
