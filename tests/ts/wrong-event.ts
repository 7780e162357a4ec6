// Must NOT type-check: a resize event has width and height, not x (tests/tests/typescript.rs expects the error on line 5).
import { host } from "./generated/ipc.js";

export const off = host.on("window:resize", (size) => {
  console.log(size.x);
});
