// The page: the DOM around `Board`. Calls go through the generated client, which the app's WebView (or browser mode's
// socket) connects to the Rust service; no framework, no hand-written glue.
import "./style.css";
import { Board, type View } from "./board.js";

const form = document.getElementById("form") as HTMLFormElement;
const input = document.getElementById("text") as HTMLInputElement;
const status = document.getElementById("status") as HTMLParagraphElement;
const list = document.getElementById("notes") as HTMLUListElement;

function render(view: View): void {
  status.textContent = view.status;
  status.classList.toggle("error", view.failed);
  list.replaceChildren(
    ...view.notes.map((note) => {
      const item = document.createElement("li");
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = note.text;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.addEventListener("click", () => void board.remove(note.id));
      item.append(text, remove);
      return item;
    }),
  );
}

const board = new Board(render);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await board.add(input.value)) {
    input.value = "";
  }
  input.focus();
});

void board.start().then(() => {
  // For the app's self-driving run: the notes are loaded and changes are followed.
  document.body.dataset.ready = "yes";
});
