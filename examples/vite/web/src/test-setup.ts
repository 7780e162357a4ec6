// Runs before each test file, in Node.
import { webcrypto } from "node:crypto";
import { installMock } from "./generated/ipc.mock.js";

// The generated client's runtime makes its nonces with the Web Crypto API, a global in browsers and from Node 19 on;
// Node 18 (Debian 12's) has it only as a module.
if (globalThis.crypto === undefined) {
  Object.defineProperty(globalThis, "crypto", { value: webcrypto, configurable: true });
}

// Installed before any test file imports the generated client, so the client's runtime greets the mock (not the
// stand-in for a missing transport) when it loads; each test then installs its own handlers, which replace these.
installMock({});
