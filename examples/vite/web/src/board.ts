// The front end's logic, apart from the DOM so it can be unit-tested against the generated mocks: the notes as the
// host last told them, a status line, and what to say when the host refuses a change.
import { IpcError, notes, type Note, type NoteError } from "./generated/ipc.js";

/** What the page shows. */
export interface View {
  notes: Note[];
  status: string;
  /** Whether `status` reports a failure. */
  failed: boolean;
}

/** The notes as the host last told them; `render` runs after every change of what the page shows. */
export class Board {
  readonly view: View = { notes: [], status: "", failed: false };

  constructor(private readonly render: (view: View) => void) {}

  /** Loads the notes and follows every change the host pushes (ours, and other windows' and tabs'). */
  async start(): Promise<() => void> {
    const off = notes.on.changed((list) => this.show({ notes: list }));
    try {
      this.show({ notes: await notes.list() });
    } catch (error) {
      this.show({ status: explain(error), failed: true });
    }
    return off;
  }

  /** Adds a note; the list itself arrives with the `changed` push. Resolves whether the host took it. */
  async add(text: string): Promise<boolean> {
    try {
      const note = await notes.add(text);
      this.show({ status: `added "${note.text}"`, failed: false });
      return true;
    } catch (error) {
      this.show({ status: explain(error), failed: true });
      return false;
    }
  }

  /** Removes a note. */
  async remove(id: number): Promise<void> {
    try {
      await notes.remove(id);
      this.show({ status: "removed", failed: false });
    } catch (error) {
      this.show({ status: explain(error), failed: true });
    }
  }

  private show(change: Partial<View>): void {
    Object.assign(this.view, change);
    this.render(this.view);
  }
}

/** A sentence for a failed call: the service's own reasons by name, other kinds of failure by their kind. */
export function explain(error: unknown): string {
  if (!(error instanceof IpcError)) {
    return String(error);
  }
  if (error.kind === "HANDLER" && error.data !== null) {
    const refusal = error.data as NoteError;
    switch (refusal.reason) {
      case "duplicate":
        return `"${refusal.text}" is already a note`;
      case "not_found":
        return `note ${refusal.id} is gone`;
    }
  }
  if (error.kind === "VALIDATION") {
    return "a note needs 1 to 200 characters";
  }
  return `${error.kind}: ${error.message}`;
}
