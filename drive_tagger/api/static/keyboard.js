// The page's keys: Escape cancels a rename, closes the open document or clears the documents
// ticked, in that order; the arrow keys move
// through the filters in the sidebar, the documents of a list and the tabs (Home and End to the
// first and last), the way a person reading with the keyboard expects. app.js listens with onKey.
"use strict";

// Where the arrow keys move, by the element that has the focus.
const KEY_LISTS = [
  { within: "#sidebar", items: "#sidebar .filter", keys: ["ArrowUp", "ArrowDown"] },
  { within: "#pane-documents", items: "#pane-documents .doc .title", keys: ["ArrowUp", "ArrowDown"] },
  { within: ".tabs", items: ".tabs [role=tab]", keys: ["ArrowLeft", "ArrowRight"], activate: true },
];

function onKey(event) {
  if (event.key === "Escape" && event.target.matches?.("#query, #selection-name")) return; // the box's own Escape
  if (event.key === "Escape") return onEscape();
  const focused = document.activeElement;
  if (!focused || focused.matches("input, select, textarea") || event.altKey || event.ctrlKey || event.metaKey) return;
  for (const list of KEY_LISTS) {
    const items = [...document.querySelectorAll(list.items)];
    const at = items.indexOf(focused);
    if (at < 0) continue;
    const next = nextIndex(event.key, at, items.length, list.keys);
    if (next === null) return;
    event.preventDefault();
    items[next].focus();
    if (list.activate) items[next].click();
    return;
  }
}

function nextIndex(key, at, count, [back, forward]) {
  if (key === back) return Math.max(0, at - 1);
  if (key === forward) return Math.min(count - 1, at + 1);
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return null;
}

function onEscape() {
  const cancel = document.querySelector("#pane-documents [data-action=cancel-rename]");
  if (cancel) {
    actions["cancel-rename"](cancel);
    return document.querySelector("#pane-documents [data-action=rename]")?.focus();
  }
  if (!document.querySelector("#detail").hidden) return closeDocument();
  if (!document.querySelector("#selection").hidden) clearSelection();
}
