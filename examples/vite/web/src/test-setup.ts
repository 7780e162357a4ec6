// Installed before any test file imports the generated client, so the client's runtime greets the mock (not the
// "no transport" stand-in) when it loads; each test then installs its own handlers, which replace these.
import { installMock } from "./generated/ipc.mock.js";

installMock({});
