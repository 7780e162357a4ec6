// Must NOT type-check (tests/tests/typescript.rs expects errors on lines 5, 9, 13 and 17).
import { host, kinds } from "./generated/ipc.js";

export const offResize = host.on("window:resize", (size) => {
  console.log(size.x);
});

export const offTodos = host.on("todos.changed", (todos) => {
  console.log(todos[0].colour);
});

export const offRemoved = kinds.on.removed((id) => {
  console.log(id.length);
});

export const offChanged = kinds.on.changed((todos: string) => {
  console.log(todos);
});
