// Must NOT type-check (tests/tests/typescript.rs expects errors on lines 5 and 9).
import { host } from "./generated/ipc.js";

export const offResize = host.on("window:resize", (size) => {
  console.log(size.x);
});

export const offTodos = host.on("todos.changed", (todos) => {
  console.log(todos[0].colour);
});
