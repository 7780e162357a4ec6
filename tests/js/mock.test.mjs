// The generated module under Node's test runner, answered by the generated mock: the real runtime, no WebView.
// Run by tests/tests/mocks.rs, which writes the bindings of the test services to IPC_MOCKED_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";

const dir = process.env.IPC_MOCKED_DIR;
const { installMock, MockError } = await import(`${dir}/ipc.mock.js`);
const mock = installMock({
  fixture: {
    add: (a, b) => a + b,
    divide: (dividend, divisor) => {
      if (divisor === 0) throw new MockError("HANDLER", "division by zero", { reason: "zero" });
      return dividend / divisor;
    },
    echoLater: (text, delayMs) => new Promise((resolve) => setTimeout(() => resolve(text), delayMs)),
    register: () => { throw new MockError("VALIDATION", "1 rule broken", { violations: [] }); },
    touch: () => {},
    echoExact: (n) => n + 0n,
    exactExtremes: (max, min, account) => ({ max, min, account: { ...account, balance: -account.balance } }),
  },
  kinds: {
    // A stream's handler gives its items: a list, a generator, or an async generator.
    watch: (count) => Array.from({ length: count }, (_, n) => ({ title: `todo ${n}`, done: false, dueDate: null })),
    async import(todos) {
      let count = 0;
      for await (const todo of todos) count += todo.title.length;
      return count;
    },
    async *watchIds(count) {
      for (let n = 0; n < count; n++) {
        mockState.pulled = n + 1;
        yield n;
      }
      throw new MockError("HANDLER", "store error", { NotFound: "gone" });
    },
  },
});
var mockState = { pulled: 0 };
const { fixture, kinds, host, IpcError } = await import(`${dir}/ipc.js`);

test("a call is answered by its handler, which gets the arguments in order", async () => {
  assert.equal(await fixture.add(2, 3), 5);
  assert.deepEqual(mock.calls.at(-1), { channel: "fixture.add", args: { a: 2, b: 3 } });
  assert.equal(await fixture.touch(), null, "a handler returning nothing answers null");
});

test("a MockError fails the call with its kind, code and data", async () => {
  await assert.rejects(fixture.divide(1, 0), (e) => e instanceof IpcError && e.kind === "HANDLER" && e.code === 7009
    && e.message === "division by zero" && e.data.reason === "zero");
  await assert.rejects(fixture.register("a", 1, null, []), (e) => e.kind === "VALIDATION" && e.code === 7007);
});

test("exact integers reach handlers as BigInt values and come back as BigInt values", async () => {
  assert.equal(await fixture.echoExact(2n ** 64n - 1n), 2n ** 64n - 1n);
  const extremes = await fixture.exactExtremes(2n ** 64n - 1n, -(2n ** 63n), { name: "a", balance: 2n ** 127n - 1n });
  assert.deepEqual(extremes, { max: 2n ** 64n - 1n, min: -(2n ** 63n), account: { name: "a", balance: 1n - 2n ** 127n } });
});

test("a method without a handler fails with UNKNOWN_CHANNEL, naming what to add", async () => {
  await assert.rejects(fixture.explode(), (e) => e.kind === "UNKNOWN_CHANNEL"
    && e.message.includes("fixture.explode"));
});

test("the runtime's own timeout and cancellation work against the mock", async () => {
  const before = mock.cancelled.length;
  await assert.rejects(fixture.echoLater("late", 200, { timeout: 10 }), (e) => e.kind === "TIMEOUT");
  assert.equal(mock.cancelled.length, before + 1, "the mock was told the page gave up");
  assert.equal(await fixture.echoLater("soon", 1), "soon");
});

test("emit reaches a service's typed listener and host.on, until removed", async () => {
  const seen = [];
  const off = kinds.on.changed((todos) => seen.push(todos.length));
  host.on("kinds.changed", (todos) => seen.push(`on:${todos.length}`));
  mock.emit("kinds.changed", [{ title: "milk", done: false, dueDate: null }]);
  await new Promise((resolve) => setTimeout(resolve, 5));
  off();
  mock.emit("kinds.changed", []);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(seen, [1, "on:1", "on:0"]);
});

test("host.send is recorded once the turn ends", async () => {
  host.send("app.clicked", { x: 1 });
  await Promise.resolve();
  assert.deepEqual(mock.sent.at(-1), { channel: "app.clicked", payload: { x: 1 } });
});

test("a stream's handler gives items the page reads with for await, for its credit", async () => {
  const titles = [];
  for await (const todo of kinds.watch(3)) {
    titles.push(todo.title);
  }
  assert.deepEqual(titles, ["todo 0", "todo 1", "todo 2"]);
  const before = mock.cancelled.length;
  const ids = kinds.watchIds(1000, { window: 4 });
  assert.equal((await ids.next()).value, 0);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(mockState.pulled <= 6, `the mock pulled ${mockState.pulled} items for a window of 4`);
  ids.cancel();
  await Promise.resolve();
  assert.equal(mock.cancelled.length, before + 1, "the mock was told the stream stopped at the end of the turn");
});

test("an error thrown by a stream's handler ends the loop after its items", async () => {
  const read = [];
  await assert.rejects(async () => {
    for await (const id of kinds.watchIds(2)) read.push(id);
  }, (e) => e.kind === "HANDLER" && e.data.NotFound === "gone");
  assert.deepEqual(read, [0, 1]);
});

test("an upload reaches the mock's handler as an async iterable of the items the page sends", async () => {
  async function* todos() {
    for (const title of ["a", "bb", "ccc"]) yield { title, done: false, dueDate: null };
  }
  assert.equal(await kinds.import(todos()), 6);
});
