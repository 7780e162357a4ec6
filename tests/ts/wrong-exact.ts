// Must NOT type-check: exact integers are bigint (tests/tests/typescript.rs expects the errors on lines 6, 8 and 10).
import { fixture } from "./generated/ipc.js";

export async function wrong(): Promise<number> {
  // A number where `echoExact(n: bigint)` wants a bigint.
  await fixture.echoExact(7);
  // A number in a struct's exact field.
  await fixture.exactExtremes(1n, 2n, { name: "a", balance: 3 });
  // The answer is a bigint, not a number.
  return fixture.echoExact(7n);
}
