// The page's logic against the generated typed mocks: no app, no WebView, no Rust. The handlers are typed by the
// service (`add` takes a string and answers a Note), so a mock that drifts from the service fails `npm run typecheck`.
import { beforeEach, describe, expect, it } from "vitest";
import { installMock, MockError, type Mock } from "./generated/ipc.mock.js";
import type { Note } from "./generated/ipc.js";
import { Board, explain, type View } from "./board.js";

/** A stand-in host keeping notes as the Rust service does, pushing `notes.changed` after each change. */
function host(): Mock {
  const notes: Note[] = [{ id: 1, text: "Buy milk" }];
  const mock: Mock = installMock({
    notes: {
      list: () => notes,
      add: (text) => {
        if (notes.some((note) => note.text === text)) {
          throw new MockError("HANDLER", "duplicate", { reason: "duplicate", text });
        }
        const note = { id: notes.length + 1, text };
        notes.push(note);
        mock.emit("notes.changed", [...notes]);
        return note;
      },
      remove: (id) => {
        const at = notes.findIndex((note) => note.id === id);
        if (at === -1) {
          throw new MockError("HANDLER", "not found", { reason: "not_found", id });
        }
        notes.splice(at, 1);
        mock.emit("notes.changed", [...notes]);
      },
    },
  });
  return mock;
}

let mock: Mock;
let views: View[];
let board: Board;

beforeEach(() => {
  mock = host();
  views = [];
  board = new Board((view) => views.push(structuredClone(view)));
});

describe("Board", () => {
  it("shows the notes the host has once started", async () => {
    await board.start();
    expect(views).toEqual([{ notes: [{ id: 1, text: "Buy milk" }], status: "", failed: false }]);
    expect(mock.calls).toEqual([{ channel: "notes.list", args: {} }]);
  });

  it("shows a note added once the host pushes the change", async () => {
    await board.start();
    expect(await board.add("Call Ada")).toBe(true);
    expect(board.view.notes.map((note) => note.text)).toEqual(["Buy milk", "Call Ada"]);
    expect(board.view).toMatchObject({ status: 'added "Call Ada"', failed: false });
    expect(mock.calls.at(-1)).toEqual({ channel: "notes.add", args: { text: "Call Ada" } });
  });

  it("follows changes made elsewhere (another window or tab)", async () => {
    await board.start();
    mock.emit("notes.changed", []);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(board.view.notes).toEqual([]);
  });

  it("says why the host refused a duplicate, by the service's reason", async () => {
    await board.start();
    expect(await board.add("Buy milk")).toBe(false);
    expect(board.view).toMatchObject({ status: '"Buy milk" is already a note', failed: true });
  });

  it("refuses an empty note in the page, by the service's own validation rule, before any call", async () => {
    await board.start();
    expect(await board.add("")).toBe(false);
    expect(board.view.status).toBe("a note needs 1 to 200 characters");
    expect(mock.calls.map((call) => call.channel)).toEqual(["notes.list"]);
  });

  it("shows a note removed once the host pushes the change", async () => {
    await board.start();
    await board.remove(1);
    expect(board.view).toMatchObject({ notes: [], status: "removed", failed: false });
    expect(mock.calls.at(-1)).toEqual({ channel: "notes.remove", args: { id: 1 } });
  });

  it("says which note is gone when removing fails", async () => {
    await board.start();
    await board.remove(7);
    expect(board.view).toMatchObject({ status: "note 7 is gone", failed: true });
  });
});

describe("explain", () => {
  it("names the kind and message of a failure the service gives no reason for", async () => {
    installMock({
      notes: {
        list: () => {
          throw new MockError("BUSY", "too many calls in flight");
        },
      },
    });
    await board.start();
    expect(board.view).toMatchObject({ status: "BUSY: too many calls in flight", failed: true });
  });

  it("gives the text of an error that is not the host's", () => {
    expect(explain(new Error("boom"))).toBe("Error: boom");
  });
});
