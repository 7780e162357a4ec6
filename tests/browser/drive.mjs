// Drives headless Chromium against an app in browser mode (run by tests/e2e/browser.rs, which passes the URL the app
// printed). Prints `ok <test>` or `fail <test>: <why>` per check, and `need <action>` when Rust must act, then waits
// for `done` on stdin. Uses the system's Chromium (Debian's `chromium` package): playwright-core downloads no browser.
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const url = process.argv[2];
// The same hub serving a built front end under the default Content-Security-Policy.
const builtUrl = process.argv[3];
const origin = new URL(url).origin;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Rust side to do `action` and waits until it has. */
async function need(action) {
  console.log(`need ${action}`);
  const { value, done } = await lines.next();
  if (done || value !== "done") throw new Error(`Rust did not do ${action}: ${value}`);
}

let failed = 0;
async function check(name, body) {
  try {
    await body();
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`fail ${name}: ${String(e && e.stack ? e.stack : e).replaceAll("\n", " | ")}`);
  }
}

function expect(actual, expected, what) {
  const [a, b] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== b) throw new Error(`${what}: expected ${b}, got ${a}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // As root on a CI machine: no sandbox, no GPU, and nothing that reaches the network on its own.
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});
try {
  const context = await browser.newContext();
  /** Opens a tab at the app's URL and waits until it is a window of the app (a first call answered). */
  const openTab = async () => {
    const page = await context.newPage();
    page.on("console", (m) => { if (m.type() === "error") console.error(`tab console: ${m.text()}`); });
    const response = await page.goto(url);
    expect(response.status(), 200, "the app's URL");
    await page.waitForFunction(() => window.__ready === true && typeof host.services.board.list === "function");
    // Once a call is answered, the tab's socket is attached as a window: broadcasts from now on reach it.
    await page.evaluate(() => host.services.board.list());
    await page.evaluate(() => {
      window.__notes = [];
      host.on("board.note", (note) => window.__notes.push(note));
    });
    return page;
  };
  const a = await openTab();
  const b = await openTab();

  await check("a_call_from_a_tab_is_answered_from_the_apps_state", async () => {
    expect(await a.evaluate(() => host.services.board.add("from tab A")), ["from tab A"], "the answer");
    expect(await b.evaluate(() => host.services.board.list()), ["from tab A"], "the state another tab sees");
  });

  await check("a_broadcast_reaches_every_tab", async () => {
    await b.waitForFunction(() => window.__changes.some((items) => items.includes("from tab A")));
    await a.waitForFunction(() => window.__changes.some((items) => items.includes("from tab A")));
  });

  await check("a_change_made_in_the_desktop_window_reaches_the_tabs", async () => {
    await need("desktop-add");
    for (const tab of [a, b]) {
      await tab.waitForFunction(() => window.__changes.some((items) => items.includes("from the desktop")));
    }
    expect(await a.evaluate(() => host.services.board.list()), ["from tab A", "from the desktop"], "the list");
  });

  await check("a_push_from_rust_reaches_the_tabs", async () => {
    await need("push");
    for (const tab of [a, b]) {
      await tab.waitForFunction(() => window.__notes.includes("from Rust"));
    }
  });

  await check("cancelling_a_call_drops_its_handler", async () => {
    const outcome = await a.evaluate(async () => {
      const before = await host.services.board.dropped();
      const abort = new AbortController();
      const call = host.services.board.wait(10000, { signal: abort.signal }).then(
        () => "answered", (e) => `${e.kind} ${e.code}`);
      setTimeout(() => abort.abort(), 200);
      const kind = await call;
      // The host drops the handler's future at its next await: the count moves soon after.
      for (let i = 0; i < 100 && (await host.services.board.dropped()) === before; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return { kind, dropped: (await host.services.board.dropped()) - before };
    });
    expect(outcome, { kind: "CANCELLED 7013", dropped: 1 }, "the cancelled call");
  });

  await check("a_call_the_capabilities_forbid_is_refused", async () => {
    const error = await a.evaluate(() => host.services.board.reset().then(() => null, (e) => [e.kind, e.code]));
    expect(error, ["FORBIDDEN", 7008], "the refusal");
    expect(await a.evaluate(() => host.services.board.list()).then((l) => l.length), 2, "the list is untouched");
  });

  await check("the_hubs_limits_apply_to_a_tab", async () => {
    // The app allows 8 calls in flight per window: a ninth at once is refused BUSY without running.
    const outcomes = await a.evaluate(() => Promise.all(Array.from({ length: 9 }, () =>
      host.services.board.wait(500).then(() => "answered", (e) => e.kind))));
    expect(outcomes.filter((o) => o === "answered").length, 8, "calls answered");
    expect(outcomes.filter((o) => o === "BUSY").length, 1, "calls refused BUSY");
  });

  await check("a_window_less_message_reaches_rust", async () => {
    await a.evaluate(() => host.send("board.typing", { who: "A" }));
    await a.waitForFunction(async () => (await host.services.board.typed()).length > 0);
    expect(await a.evaluate(() => host.services.board.typed()), ['{"who":"A"}'], "what Rust received");
  });

  await check("binary_data_travels_as_bytes_both_ways", async () => {
    const got = await a.evaluate(async () => {
      const bytes = await host.services.board.bytes(300);
      const sum = await host.services.board.sum(new Uint8Array([1, 2, 3, 250]));
      return { isBytes: bytes instanceof Uint8Array, length: bytes.length, last: bytes[299], sum };
    });
    expect(got, { isBytes: true, length: 300, last: 299 % 256, sum: 256 }, "the bytes");
  });

  await check("a_reloaded_tab_keeps_working", async () => {
    await a.reload();
    await a.waitForFunction(() => window.__ready === true);
    expect(await a.evaluate(() => host.services.board.list()).then((l) => l.length), 2, "the list after reload");
  });

  await check("the_app_is_not_served_without_the_token", async () => {
    // A fresh context has no cookie: only the URL with the token opens the app.
    const stranger = await browser.newContext();
    const page = await stranger.newPage();
    const response = await page.goto(`${origin}/`);
    expect(response.status(), 403, "the page without the token");
    const script = await page.goto(`${origin}/__ipc/runtime.js`);
    expect(script.status(), 403, "the runtime without the token");
    await stranger.close();
  });

  await check("a_socket_without_the_token_is_refused", async () => {
    const socketUrl = `${origin.replace("http:", "ws:")}/__ipc/socket`;
    const outcomes = await a.evaluate((base) => Promise.all([base, `${base}?ipc=${"0".repeat(32)}`].map((u) =>
      new Promise((resolve) => {
        const socket = new WebSocket(u);
        socket.onopen = () => { socket.close(); resolve("opened"); };
        socket.onerror = () => resolve("refused");
      }))), socketUrl);
    expect(outcomes, ["refused", "refused"], "sockets without the token, from the app's own origin");
  });

  await check("a_socket_from_another_origin_is_refused", async () => {
    // A page of another origin (opaque here) that knows even the token cannot open the socket.
    const token = new URL(url).searchParams.get("ipc");
    const page = await context.newPage();
    await page.goto("about:blank");
    const outcome = await page.evaluate((u) => new Promise((resolve) => {
      const socket = new WebSocket(u);
      socket.onopen = () => { socket.close(); resolve("opened"); };
      socket.onerror = () => resolve("refused");
    }), `${origin.replace("http:", "ws:")}/__ipc/socket?ipc=${token}`);
    expect(outcome, "refused", "a socket opened from about:blank");
    await page.close();
  });

  await check("the_runtime_works_under_the_default_content_security_policy", async () => {
    const page = await context.newPage();
    const blocked = [];
    page.on("console", (m) => { if (m.text().includes("Content Security Policy")) blocked.push(m.text()); });
    expect((await page.goto(builtUrl)).status(), 200, "the built front end");
    // Its module script ran (it installs `__assets`), after the runtime, whose socket the policy lets open.
    await page.waitForFunction(() => typeof window.__assets === "object" && typeof host === "object");
    expect(await page.evaluate(() => host.services.board.list()).then((l) => l.length), 2, "a call from it");
    expect(blocked, [], "what the policy blocked");
    await page.close();
  });

  await check("closing_a_tab_leaves_the_others_working", async () => {
    await b.close();
    expect(await a.evaluate(() => host.services.board.list()).then((l) => l.length), 2, "the other tab's call");
  });
} finally {
  await browser.close();
}
process.exit(failed === 0 ? 0 : 1);
