// Must type-check under `tsc --strict`: every method of the test services, called with the right types, and the
// results and errors used as their declared types (tests/tests/typescript.rs).
import { fixture, host, IpcError, kinds, services } from "./generated/ipc.js";
import type {
  Account, ExactExtremes, FixtureErrors, KindsErrors, MathError, Shape, StoreError, Todo,
} from "./generated/ipc.js";

export async function everyFixtureMethod(): Promise<string[]> {
  const sum: number = await fixture.add(2, 3);
  const echoed: string = await fixture.echoLater("hi", 20);
  const quotient: number = await fixture.divide(1, 2);
  await fixture.refuse();
  const nothing: void = await fixture.touch();
  const exploded: string = await fixture.explode();
  const thread: string = await fixture.threadName();
  const big: number = await fixture.echoU64(9007199254740991);
  const registered: string = await fixture.register("ada", 36, null, ["math"]);
  // Exact integers are bigint both ways, in arguments, answers and struct fields.
  const exact: bigint = await fixture.echoExact(2n ** 64n - 1n);
  const account: Account = { name: "a", balance: -(2n ** 127n) };
  const extremes: ExactExtremes = await fixture.exactExtremes(exact, -(2n ** 63n), account);
  const balance: bigint = extremes.account.balance + extremes.max + extremes.min;
  return [String(sum), echoed, String(quotient), String(nothing), exploded, thread, String(big), registered,
    String(balance)];
}

export async function everyKindsMethod(): Promise<unknown[]> {
  await kinds.nothing();
  const text: string = await kinds.primitives("s", true, -8, -16, -32, 8, 16, 32, 1.5, 2.25);
  const maybe: string | null = await kinds.optional(1);
  const given: string | null = await kinds.optional(1, "a");
  const [length, total, joined]: [number, number, string] = await kinds.collections([1, 2], { a: 1 }, ["x", 7]);
  const json = await kinds.anyJson({ nested: [1, { deep: null }], s: "é" });
  const todo: Todo = await kinds.todo({ title: "milk", done: false, dueDate: null });
  const shape: Shape = { kind: "circle", radius: 2 };
  const area: number = await kinds.area(shape);
  const byId: string = await kinds.lookup(7);
  const byName: string = await kinds.lookup("seven");
  const page = await kinds.page({ number: 2, lang: "en" });
  const found: Todo = await kinds.find(1);
  const deleted: void = await kinds.delete(1);
  const foundAliased: Todo = await kinds.findAliased(1);
  const deletedAliased: void = await kinds.deleteAliased(1);
  const counted: number = await kinds.countLater(1);
  const [cow, boxed, shared]: [string, string, string] = await kinds.ownedText("a", "b", "c");
  const caller: string = await kinds.caller();
  const greeted: string = await kinds.callerRenamed("hi");
  const renamed: string = await kinds.renamed();
  return [text, maybe, given, length, total, joined, json, todo, area, byId, byName, page.number, found, deleted, foundAliased, deletedAliased, counted, cow, boxed, shared, caller, greeted, renamed];
}

/** Errors are typed per method through the `...Errors` maps. */
export async function typedErrors(): Promise<string> {
  try {
    await services.fixture.divide(1, 0);
    return "no error";
  } catch (e) {
    if (e instanceof IpcError && e.kind === "HANDLER") {
      const error = e as IpcError<FixtureErrors["divide"]>;
      const reason: string | undefined = error.data?.reason;
      const code: number = error.code;
      return `${code}: ${reason}`;
    }
    throw e;
  }
}

export function errorTypes(storeError: KindsErrors["find"], mathError: MathError): string {
  const detail: StoreError = storeError;
  // A `Result` alias types its error as the alias's error type, not `never`.
  const aliased: KindsErrors["findAliased"] = detail;
  const later: KindsErrors["countLater"] = aliased;
  return `${detail.code} ${detail.detail} ${later.code} ${mathError.reason}`;
}

/** The injected global and the raw `invoke` are typed too. */
export async function globals(): Promise<unknown> {
  const viaWindow: number = await window.host.services.fixture.add(1, 1);
  const raw: unknown = await host.invoke("fixture.add", { a: 1, b: 2 }, { timeout: 500 });
  return [viaWindow, raw];
}

/** Events: window lifecycle payloads are typed; other channels give `unknown`. */
export function events(): () => void {
  const offResize = host.on("window:resize", ({ width, height }) => console.log(width * height));
  const offMove = host.once("window:move", (position) => console.log(position.x + position.y));
  const listener = (payload: unknown) => console.log(payload);
  host.on("editor.note", listener);
  host.off("editor.note", listener);
  // Declared with `Bindings::event::<Vec<Todo>>("todos.changed")`: the payload is typed.
  host.on("todos.changed", (todos) => console.log(todos.map((todo) => todo.title.length)));
  host.send("editor.typing", { active: true });
  window.host.send("editor.saved");
  // Declared in the service with `#[ipc(event)]`: a listener on its client, and its channel typed for `host.on`.
  const offChanged: () => void = kinds.on.changed((todos) => console.log(todos.map((todo) => todo.title.length)));
  const offRemoved = services.kinds.on.removed((id) => console.log(id.toFixed()));
  window.host.services.kinds.on.updated((todo: Todo) => console.log(todo.done));
  host.on("kinds.changed", (todos) => console.log(todos.length));
  host.once("kinds.removed", (id) => console.log(id + 1));
  return () => {
    offResize();
    offMove();
    offChanged();
    offRemoved();
  };
}

/** Every generated method takes the call's options last. */
export async function withOptions(): Promise<number> {
  const controller = new AbortController();
  const sum: number = await fixture.add(1, 2, { timeout: 500, signal: controller.signal });
  const maybe: string | null = await kinds.optional(1, undefined, { timeout: 100 });
  return sum + (maybe === null ? 0 : 1);
}

/**
 * A streaming method is read with `for await` or `forEach`, its items typed; `cancel` and the stream options are typed
 * too.
 */
export async function streams(): Promise<string[]> {
  const titles: string[] = [];
  for await (const todo of kinds.watch(3, { window: 8 })) {
    const title: string = todo.title;
    titles.push(title);
  }
  const ids = kinds.watchIds(2, { signal: new AbortController().signal, timeout: 1000 });
  try {
    for await (const id of ids) {
      const n: number = id;
      titles.push(String(n));
    }
  } catch (e) {
    if (e instanceof IpcError && e.kind === "HANDLER") {
      const error = e as IpcError<KindsErrors["watchIds"]>;
      titles.push(JSON.stringify(error.data));
    }
  }
  const next: IteratorResult<Todo, undefined> = await kinds.watch(1).next();
  kinds.watch(1).cancel();
  const read: Promise<void> = kinds.watch(2).forEach((todo) => titles.push(todo.title));
  await read;
  const raw = host.stream("kinds.watch", { count: 1 });
  for await (const value of raw) {
    titles.push(String(value));
  }
  async function* todos(): AsyncGenerator<Todo> {
    yield { title: "milk", done: false, dueDate: null };
  }
  const imported: number = await kinds.import(todos());
  const fromStream: number = await kinds.import(new ReadableStream<Todo>());
  titles.push(String(imported + fromStream));
  return next.done ? titles : [...titles, next.value.title];
}
