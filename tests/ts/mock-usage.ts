// Type-checked by tests/tests/mocks.rs: handlers typed by each method, pushes typed by each event.
import { installMock, MockError } from "./generated/mocked/ipc.mock";

const mock = installMock({
  fixture: {
    add: (a: number, b: number) => a + b,
    divide: async (dividend, divisor) => {
      if (divisor === 0) throw new MockError("HANDLER", "division by zero");
      return dividend / divisor;
    },
  },
  kinds: {
    todo: (todo) => ({ ...todo, done: true }),
    find: (id) => ({ title: `#${id}`, done: false, dueDate: null }),
  },
});
mock.emit("kinds.changed", [{ title: "milk", done: false, dueDate: null }]);
const first: string | undefined = mock.calls[0]?.channel;
export { first };
