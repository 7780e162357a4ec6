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
    // A stream's handler gives its items as a list, a generator or an async generator.
    watch: (count) => Array.from({ length: count }, (_, n) => ({ title: `#${n}`, done: false, dueDate: null })),
    async *watchIds(count) {
      for (let n = 0; n < count; n++) yield n;
    },
    async import(todos) {
      let count = 0;
      for await (const todo of todos) count += todo.done ? 1 : 0;
      return count;
    },
  },
});
mock.emit("kinds.changed", [{ title: "milk", done: false, dueDate: null }]);
const first: string | undefined = mock.calls[0]?.channel;
export { first };
