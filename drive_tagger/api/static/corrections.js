// What a person changes: a filter's name (renamed in place, pinned), a document's filter (moved
// from its panel), and many documents at once: tick documents in a list (shift-click ticks the
// range from the last one ticked) or box them on the map, then move them to a filter (or out of
// every one) or make a new filter of them, with an Undo right in the status line. Moves and
// renames show at once; a new filter, and the undo of one, are applied by a refresh the page
// follows to its end (jobs.js).
"use strict";
// -- one filter, one document --

function startRename() {
  const heading = $("#pane-documents [data-role=filter-name]");
  if (!heading || heading.querySelector("form")) return;
  const form = document.createElement("form");
  form.dataset.role = "rename";
  const input = Object.assign(document.createElement("input"), { value: heading.textContent, maxLength: 80 });
  input.setAttribute("aria-label", "New name");
  const save = Object.assign(document.createElement("button"), { type: "submit", textContent: "Save" });
  const cancel = Object.assign(document.createElement("button"), { type: "button", textContent: "Cancel" });
  cancel.dataset.action = "cancel-rename";
  cancel.dataset.name = heading.textContent;
  form.append(input, save, cancel);
  heading.replaceChildren(form);
  input.select();
}

async function rename(form) {
  const head = form.closest("[data-view=filter]");
  const id = head.dataset.filter;
  const name = form.querySelector("input").value;
  if (!name.trim()) return say("Type the new name, or press Escape to keep this one.", true);
  const renamed = await (await call("PATCH", apiPath(`/filters/${encodeURIComponent(id)}`), { name })).json();
  head.querySelector("[data-role=filter-name]").textContent = renamed.name;
  head.dataset.name = renamed.name;
  for (const entry of document.querySelectorAll(`#sidebar .filter[data-filter="${CSS.escape(id)}"] .name`)) {
    entry.textContent = renamed.name;
  }
  state.filter = { id: Number(id), name: renamed.name };
  showScope();
  say(`Renamed to “${renamed.name}”; refreshes keep this name.`);
}

async function move(form) {
  const id = form.dataset.document;
  const choice = form.querySelector("select");
  if (!choice.value) return say("Choose the filter to move it to.", true);
  const filter = choice.value === "out" ? null : Number(choice.value);
  await call("POST", apiPath("/moves"), { documents: [id], filter });
  say(filter === null ? "Moved out of every filter." : `Moved to “${choice.selectedOptions[0].textContent.replace(/^— /, "")}”.`);
  await Promise.all([loadSidebar(), openDocument(id), state.view ? openView(state.view) : null]);
}

// -- many documents at once --

let lastPicked = null;

function pickBoxes() {
  return [...document.querySelectorAll("#pane-documents .pick")];
}

// The documents ticked in the list, or on the map when it is the tab shown (map.js).
function pickedDocuments() {
  if (currentTab() === "map") return [...map.picked];
  return [...new Set(pickBoxes().filter((box) => box.checked).map((box) => box.dataset.document))];
}

function onPick(event) {
  const box = event.target.closest?.("#pane-documents .pick");
  if (!box) return;
  const boxes = pickBoxes();
  if (event.shiftKey && lastPicked && lastPicked !== box && boxes.includes(lastPicked)) {
    const [from, to] = [boxes.indexOf(lastPicked), boxes.indexOf(box)].sort((a, b) => a - b);
    for (const other of boxes.slice(from, to + 1)) other.checked = box.checked;
  }
  lastPicked = box;
  showSelection();
}

// The bar of what can be done with the ticked documents, shown while any is ticked.
function showSelection() {
  const chosen = pickedDocuments();
  $("#selection").hidden = chosen.length === 0;
  if (!chosen.length) return;
  $("#selection-count").textContent = `${chosen.length.toLocaleString()} selected`;
  const target = $("#selection-target");
  const kept = target.value;
  const filters = [...document.querySelectorAll("#sidebar .filter[data-filter]")].map((entry) => {
    const prefix = entry.classList.contains("sub") ? "— " : "";
    return new Option(prefix + entry.querySelector(".name").textContent, entry.dataset.filter);
  });
  const prompt = new Option("choose a filter…", "");
  prompt.disabled = true;
  target.replaceChildren(prompt, ...filters, new Option("Out of every filter", "out"));
  target.value = [...target.options].some((o) => o.value === kept && kept) ? kept : "";
}

function clearSelection() {
  for (const box of pickBoxes()) box.checked = false;
  lastPicked = null;
  if (map.picked.length) {
    map.picked = [];
    map.draw?.();
  }
  $("#selection").hidden = true;
  $("#selection-name").value = "";
}

// The bar's buttons are disabled while its request runs: a double click makes one correction.
async function inFlight(work) {
  const buttons = [...document.querySelectorAll("#selection button")];
  if (buttons.some((b) => b.disabled)) return;
  for (const b of buttons) b.disabled = true;
  try {
    return await work();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

async function moveSelected(event) {
  event.preventDefault();
  return inFlight(() => moveThem());
}

async function moveThem() {
  const documents = pickedDocuments();
  if (!documents.length) return say("Tick the documents to move first.", true);
  const choice = $("#selection-target");
  if (!choice.value) return say("Choose the filter to move them to.", true);
  const filter = choice.value === "out" ? null : Number(choice.value);
  const where = filter === null ? "out of every filter" : `to “${choice.selectedOptions[0].textContent.replace(/^— /, "")}”`;
  const { correction } = await (await call("POST", apiPath("/moves"), { documents, filter })).json();
  await showCorrected(`Moved ${countOf(documents)} ${where}.`, correction);
}

async function makeFilterOfSelected() {
  return inFlight(() => makeFilter());
}

async function makeFilter() {
  const documents = pickedDocuments();
  if (!documents.length) return say("Tick the documents to make a filter of first.", true);
  const name = $("#selection-name").value.trim();
  if (!name) return say("Name the new filter first.", true);
  const workspace = state.workspace;
  const made = await (await call("POST", apiPath("/filters"), { name, documents })).json();
  clearSelection();
  if (made.job_id !== null && !(await followJob(workspace, made.job_id))) return;
  await showCorrected(`Made “${name}” of ${countOf(documents)}; documents like them join it.`, made.correction);
}

function countOf(documents) {
  return documents.length === 1 ? "1 document" : `${documents.length.toLocaleString()} documents`;
}

// The lists as they are now, and the message with its Undo.
async function showCorrected(message, correction) {
  clearSelection();
  await Promise.all([loadSidebar(), state.view ? openView(state.view) : null]);
  if (currentTab() === "map") await drawMap();
  say(message, false, { label: "Undo", run: () => undoCorrection(correction) }); // say() disables it once clicked
}

async function undoCorrection(correction) {
  const workspace = state.workspace;
  const undone = await (await call("POST", apiPath(`/corrections/${encodeURIComponent(correction)}/undo`))).json();
  if (undone.job_id !== null && !(await followJob(workspace, undone.job_id))) return;
  await Promise.all([loadSidebar(), state.view ? openView(state.view).catch(() => showNothing()) : null]);
  if (currentTab() === "map") await drawMap();
  say("Undone: the documents are back where they were.");
}
