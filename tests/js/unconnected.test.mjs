// The generated module imported where no transport and no mock exist (a test runner, a page opened without the app):
// the import works, and every call fails at once with CHANNEL_SEND instead of waiting. Run by tests/tests/mocks.rs.
import { test } from "node:test";
import assert from "node:assert/strict";

const { fixture, IpcError } = await import(`${process.env.IPC_MOCKED_DIR}/ipc.js`);

test("without a transport, a call fails at once with CHANNEL_SEND", async () => {
  await assert.rejects(fixture.add(1, 2), (e) => e instanceof IpcError && e.kind === "CHANNEL_SEND"
    && e.message.includes("install a mock"));
});

test("a mock installed after the client was imported answers its calls", async () => {
  const { installMock } = await import(`${process.env.IPC_MOCKED_DIR}/ipc.mock.js`);
  installMock({ fixture: { add: (a, b) => a + b } });
  assert.equal(await fixture.add(2, 3), 5);
});
