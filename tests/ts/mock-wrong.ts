// Must be rejected by tsc (tests/tests/mocks.rs checks the lines).
import { installMock } from "./generated/mocked/ipc.mock";

const mock = installMock({
  fixture: {
    add: (a: number, b: number) => `${a + b}`,
  },
  kinds: {
    todo: (todo) => ({ title: todo.title }),
    watch: () => [1, 2],
  },
});
// a wrong payload for the event
mock.emit("kinds.changed", [{ name: "milk" }]);
