// Must NOT type-check: `add` takes numbers (tests/tests/typescript.rs expects the error on line 6).
import { fixture } from "./generated/ipc.js";

export async function wrong(): Promise<number> {
  // The next line passes a string where `add(a: number, b: number)` wants a number.
  return fixture.add("2", 3);
}
