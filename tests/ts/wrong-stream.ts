// Must NOT type-check (tests/tests/typescript.rs): a stream is not a promise, and its items are typed.
import { kinds } from "./generated/ipc.js";

export async function wrongStream(): Promise<void> {
  const all: unknown = await kinds.watch(1).then((todos) => todos);
  for await (const todo of kinds.watch(1)) {
    const n: number = todo.title;
  }
  await kinds.import([{ title: "a", done: false, dueDate: null }]);
  await kinds.watch(1).forEach((todo: number) => todo);
}
