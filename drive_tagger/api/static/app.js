// The web page's behaviour: the API key kept in this browser's localStorage, HTML fragments the
// server renders fetched with it and put in place, and the JSON API for what a person changes
// (corrections.js: renames and moves; jobs.js: refreshes and their jobs; server.js: the
// requests). Every view is recorded in the address bar (address.js), so links, Back, Forward and
// reload work. No build step.
"use strict";

const KEY = "drive_tagger.key";
const WORKSPACE = "drive_tagger.workspace";
const $ = (selector) => document.querySelector(selector);
// restoring: the restore in progress (an object per restore), or false.
const state = { workspace: null, view: null, filter: null, document: null, restoring: false };
let viewTicket = 0; // the list asked for last: an answer for an earlier one is dropped
let documentTicket = 0;
function hint(target, text) {
  target.replaceChildren(Object.assign(document.createElement("p"), { className: "hint", textContent: text }));
}

// Records what is shown in the address bar: a new history entry for each view a person opens,
// nothing while an address is being restored (Back, Forward, a reload, a shared link).
function remember(replace = false) {
  if (state.restoring) return;
  const address = addressOf({ ...state, tab: currentTab() }, pageSize());
  if (address === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", address);
}

function pageSize() {
  return Number(document.body.dataset.pageSize);
}

// An error where the person was looking, in place of what could not be shown.
function problem(target, text) {
  target.replaceChildren(Object.assign(document.createElement("p"), { className: "problem", role: "alert", textContent: text }));
}

// The status line; with an action, a button after the message (an Undo right where it is said).
function say(message, isError = false, action = null) {
  const status = $("#status");
  status.textContent = message;
  status.classList.toggle("error", isError);
  if (action) {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "link", textContent: action.label });
    button.addEventListener(
      "click",
      reportingErrors(() => {
        button.disabled = true; // once: a second click would act on what the first already did
        return action.run();
      }),
    );
    status.append(" ", button);
  }
}

// Marks when something the person asked for has been painted (read by benchmarks/ui_speed.py).
function painted(name) {
  requestAnimationFrame(() => setTimeout(() => performance.mark(`drive_tagger:${name}`), 0));
}

// -- the key and the workspace --

function clearWorkspaceViews() {
  for (const id of ["#sidebar", "#pane-changes", "#detail"]) $(id).replaceChildren();
  hint($("#pane-documents"), "Choose a filter on the left to see its documents, or search.");
  $("#map").replaceChildren();
  $("#map").removeAttribute("data-workspace");
  $("#detail").hidden = true;
  state.view = state.filter = state.document = null;
  showScope();
}

function askForKey(message = "") {
  clearWorkspaceViews();
  $("#workspace").replaceChildren();
  $("#app").hidden = $("#controls").hidden = true;
  $("#key-form").hidden = false;
  $("#key-message").textContent = message;
  $("#key").value = "";
  $("#key").focus();
}

async function start() {
  if (!localStorage.getItem(KEY)) return askForKey();
  $("#key-form").hidden = true;
  $("#app").hidden = $("#controls").hidden = false;
  // The last workspace's sidebar is asked for together with the key's workspaces (one round trip
  // instead of two); it is shown only if the key may still use that workspace.
  const stored = localStorage.getItem(WORKSPACE);
  const early = stored ? sidebarHtml(stored).catch(() => null) : Promise.resolve(null);
  const { workspaces } = await (await call("GET", "/v1/workspaces")).json();
  const names = workspaces.map((w) => w.workspace);
  $("#workspace").replaceChildren(...names.map((name) => new Option(name, name)));
  if (!names.length) {
    clearWorkspaceViews();
    $("#sidebar").textContent = "This key may use no workspace.";
    return;
  }
  const address = parseAddress(new URL(location.href), pageSize());
  const chosen = names.includes(address?.workspace) ? address.workspace : names.includes(stored) ? stored : names[0];
  await openWorkspace(chosen, chosen === stored ? await early : null, { remembered: false });
  if (address?.workspace && !names.includes(address.workspace)) {
    say(`This key may not use workspace “${address.workspace}”; showing ${chosen}.`, true);
  }
  if (address?.workspace === chosen) await restore(address);
  else remember(true);
}

// Shows what an address names (a reload, a shared link, Back or Forward), as if opened by hand.
// Each part of the address (workspace, list, document, tab) is restored on its own, so one that
// cannot be shown (a filter gone since the link was made) leaves the others standing. A newer
// restore (Back pressed again meanwhile) makes an older one stop where it is.
async function restore(address) {
  if (!address) return;
  const mine = {};
  state.restoring = mine;
  const current = () => state.restoring === mine;
  const part = (work) => work().catch((error) => error instanceof Refused || say(error.message, true));
  try {
    if (address.workspace !== state.workspace) {
      if (![...$("#workspace").options].some((o) => o.value === address.workspace)) {
        return say(`This key may not use workspace “${address.workspace}”.`, true);
      }
      await openWorkspace(address.workspace);
      if (!current()) return;
    }
    if (address.unknown) say(`The address ${address.unknown} names no view of this page; showing what it could.`, true);
    if (address.view?.kind === "search") $("#query").value = address.view.q;
    await part(() => (address.view ? openView(address.view) : Promise.resolve(showNothing())));
    if (!current()) return;
    if (address.document !== null) await part(() => openDocument(address.document));
    else hideDocument();
    if (!current()) return;
    await part(() => openTab(address.tab));
  } finally {
    if (current()) state.restoring = false;
  }
  if (!state.restoring) remember(true);
}

function showNothing() {
  state.view = state.filter = null;
  hint($("#pane-documents"), "Choose a filter on the left to see its documents, or search.");
  showScope();
  markActive();
}

async function openWorkspace(name, sidebar = null, { remembered = true } = {}) {
  clearWorkspaceViews();
  if (state.workspace !== name) say(""); // what was said (and its Undo) was about the other workspace
  state.workspace = name;
  localStorage.setItem(WORKSPACE, name);
  $("#workspace").value = name;
  await loadSidebar(sidebar);
  painted("sidebar");
  followActiveJobs(name).catch((error) => error instanceof Refused || say(error.message, true)); // a reload picks them up
  const tab = currentTab();
  if (tab !== "documents") await openTab(tab);
  if (remembered) remember();
}

function sidebarHtml(workspace) {
  return fragment(`/ui/workspaces/${encodeURIComponent(workspace)}/sidebar`);
}

async function loadSidebar(html = null) {
  put($("#sidebar"), html ?? (await sidebarHtml(state.workspace)));
  markActive();
}

// -- documents: a filter, the untagged, search results --

function viewPath(view) {
  if (view.kind === "filter") return pagePath(`/filters/${view.id}?offset=${view.offset}`);
  if (view.kind === "untagged") return pagePath(`/untagged?offset=${view.offset}`);
  const within = view.filter === null ? "" : `&filter=${view.filter}`;
  return pagePath(`/search?q=${encodeURIComponent(view.q)}${within}`);
}

async function openView(view) {
  const ticket = ++viewTicket;
  state.view = view;
  clearSelection();
  if (currentTab() !== "documents") await openTab("documents");
  $("#pane-documents").setAttribute("aria-busy", "true");
  try {
    const html = await fragment(viewPath(view));
    if (ticket !== viewTicket) return; // the person asked for another list meanwhile
    put($("#pane-documents"), html);
  } catch (error) {
    if (error instanceof Refused || ticket !== viewTicket) throw new Refused(error.message);
    state.view = state.filter = null; // what was shown before is not left on screen as if current
    problem($("#pane-documents"), error.message);
    showScope();
    markActive();
    throw new Refused(error.message);
  } finally {
    $("#pane-documents").removeAttribute("aria-busy");
  }
  const head = $("#pane-documents [data-view=filter]");
  if (view.kind === "filter" && head) state.filter = { id: Number(head.dataset.filter), name: head.dataset.name };
  if (view.kind === "untagged") state.filter = null;
  const within = $("#pane-documents [data-view=search][data-within]");
  if (view.kind === "search" && within) {
    state.filter = { id: Number(within.dataset.within), name: within.dataset.withinName };
    $("#in-filter").checked = true;
  }
  showScope();
  markActive();
  remember();
  painted("documents");
}

function markActive() {
  for (const entry of document.querySelectorAll("#sidebar .filter")) {
    const view = state.view;
    const active =
      (view?.kind === "filter" && entry.dataset.filter === String(view.id)) ||
      (view?.kind === "untagged" && entry.dataset.action === "open-untagged");
    entry.classList.toggle("active", Boolean(active));
  }
}

function showScope() {
  $("#scope").hidden = !state.filter;
  $("#scope-name").textContent = state.filter ? state.filter.name : "";
}

async function search(event) {
  event.preventDefault();
  const q = $("#query").value.trim();
  if (!q) return say("Type what to look for: a few words in your own words.", true);
  const filter = state.filter && $("#in-filter").checked ? state.filter.id : null;
  say("Searching…");
  try {
    await openView({ kind: "search", q, filter });
  } finally {
    say("");
  }
}

async function openDocument(id) {
  const ticket = ++documentTicket;
  const html = await fragment(pagePath(`/document?id=${encodeURIComponent(id)}`));
  if (ticket !== documentTicket) return;
  put($("#detail"), html);
  state.document = id;
  $("#detail").hidden = false;
  $("#detail [data-action=close-document]")?.focus(); // the keyboard follows what opened
  remember();
}

function hideDocument() {
  documentTicket++;
  $("#detail").hidden = true;
  state.document = null;
}

function closeDocument() {
  const id = state.document;
  hideDocument();
  remember();
  const row = id === null ? null : document.querySelector(`#pane-documents .doc[data-document="${CSS.escape(id)}"] .title`);
  (row && !$("#pane-documents").hidden ? row : $(".tabs [aria-selected=true]")).focus(); // the keyboard goes back where it was
}

// -- tabs: documents, the map, the last refresh --

function currentTab() {
  return $(".tabs [aria-selected=true]").dataset.tab;
}

async function openTab(name) {
  for (const tab of document.querySelectorAll(".tabs [data-tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    $(`#pane-${tab.dataset.tab}`).hidden = tab.dataset.tab !== name;
  }
  showSelection(); // what is ticked belongs to the list or to the map
  if (name === "map") await drawMap();
  if (name === "changes") await show($("#pane-changes"), pagePath("/changes"));
  remember();
}

// -- wiring --

const actions = {
  "open-filter": (el) => openView({ kind: "filter", id: Number(el.dataset.filter), offset: 0 }),
  "open-untagged": () => openView({ kind: "untagged", offset: 0 }),
  page: async (el) => {
    await openView({ ...state.view, offset: Number(el.dataset.offset) });
    $(".main").scrollTop = 0; // a new page starts at its top
    $("#pane-documents .doc .title")?.focus();
  },
  "open-document": (el) => openDocument(el.dataset.document),
  "close-document": closeDocument,
  rename: startRename,
  "cancel-rename": (el) => {
    $("#pane-documents [data-role=filter-name]").textContent = el.dataset.name;
  },
  refresh,
  tab: (el) => openTab(el.dataset.tab),
  "forget-key": () => {
    localStorage.removeItem(KEY);
    localStorage.removeItem(WORKSPACE);
    askForKey();
  },
};

function reportingErrors(work) {
  return (...args) =>
    Promise.resolve(work(...args)).catch((error) => {
      if (!(error instanceof Refused)) say(error.message, true);
    });
}

// A page brought back from the browser's back-forward cache may show a drive whose key was
// forgotten since: it is loaded again instead.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) location.reload();
});

document.addEventListener("DOMContentLoaded", () => {
  document.addEventListener(
    "click",
    reportingErrors((event) => {
      const target = event.target.closest("[data-action]");
      if (!target || !actions[target.dataset.action]) return;
      event.preventDefault();
      return actions[target.dataset.action](target);
    }),
  );
  document.addEventListener(
    "submit",
    reportingErrors((event) => {
      const role = event.target.dataset.role;
      if (role !== "rename" && role !== "move") return;
      event.preventDefault();
      return role === "rename" ? rename(event.target) : move(event.target);
    }),
  );
  $("#search").addEventListener("submit", reportingErrors(search));
  $("#pane-documents").addEventListener("click", onPick);
  $("#selection").addEventListener("submit", reportingErrors(moveSelected));
  $("#make-filter").addEventListener("click", reportingErrors(makeFilterOfSelected));
  $("#clear-selection").addEventListener("click", clearSelection);
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", reportingErrors(() => restore(parseAddress(new URL(location.href), pageSize()))));
  $("#workspace").addEventListener("change", reportingErrors((event) => openWorkspace(event.target.value)));
  $("#key-form").addEventListener(
    "submit",
    reportingErrors((event) => {
      event.preventDefault();
      localStorage.setItem(KEY, $("#key").value.trim());
      localStorage.removeItem(WORKSPACE);
      say("");
      return start();
    }),
  );
  reportingErrors(start)();
});
