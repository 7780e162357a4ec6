// Runs each case of IPC_CASES (a JSON file: [{method, params, args}], `args` the call's JSON text) through the
// generated module in IPC_MIRRORED_DIR, answered by the generated mock, and prints one JSON line per case: the
// arguments as the client sends them, whether the call reached the mock, and the error it failed with. Run by tests/tests/validation_mirror.rs.
import { readFileSync } from "node:fs";

const dir = process.env.IPC_MIRRORED_DIR;
const cases = JSON.parse(readFileSync(process.env.IPC_CASES, "utf8"));
const { installMock } = await import(`${dir}/ipc.mock.js`);
const reached = () => true;
const mock = installMock({
  mirrored: { text: reached, numbers: reached, lists: reached, hostOnly: reached },
});
const { mirrored } = await import(`${dir}/ipc.js`);

for (const { method, params, args } of cases) {
  const values = JSON.parse(args);
  // As the generated method builds its arguments (an absent one is left out); the host is sent this text.
  const sent = JSON.stringify(Object.fromEntries(params.map((name) => [name, values[name]])));
  const before = mock.calls.length;
  let error = null;
  try {
    await mirrored[method](...params.map((name) => values[name]));
  } catch (e) {
    error = { code: e.code, kind: e.kind, message: e.message, data: e.data };
  }
  console.log(JSON.stringify({ sent, reached: mock.calls.length > before, error }));
}
