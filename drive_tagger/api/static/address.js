// The address of every view of the page, so a link can be shared and Back, Forward and reload work:
//   /w/{workspace}                         the workspace
//   /w/{workspace}/f/{filter}?page={n}     a filter's documents (page n)
//   /w/{workspace}/untagged?page={n}       the documents no filter holds
//   /w/{workspace}/search?q={text}&in={f}  a search, in the workspace or in filter f
//   …/d/{document}                         a document open beside any of them
//   …?tab=map | ?tab=changes               the map or the last refresh's tab
// A document whose whole id is "." or ".." cannot be a path segment (a browser resolves it away),
// so it travels as ?doc= instead. Pure functions of a URL; app.js applies and records them.
"use strict";

const ADDRESS_TABS = ["documents", "map", "changes"];

function addressSegment(text) {
  return encodeURIComponent(text);
}

// The address of what is shown: { workspace, view, document, tab } and the page size lists use.
function addressOf({ workspace, view, document: doc, tab }, pageSize) {
  if (!workspace) return "/";
  let path = `/w/${addressSegment(workspace)}`;
  const query = new URLSearchParams();
  if (view?.kind === "filter") path += `/f/${view.id}`;
  if (view?.kind === "untagged") path += "/untagged";
  if (view?.kind === "search") {
    path += "/search";
    query.set("q", view.q);
    if (view.filter !== null && view.filter !== undefined) query.set("in", String(view.filter));
  }
  if (view && view.kind !== "search" && view.offset > 0) query.set("page", String(Math.floor(view.offset / pageSize) + 1));
  if (doc !== null && doc !== undefined) {
    if (doc === "." || doc === "..") query.set("doc", doc);
    else path += `/d/${addressSegment(doc)}`;
  }
  if (tab && tab !== "documents") query.set("tab", tab);
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

function decodedSegment(text) {
  try {
    return decodeURIComponent(text);
  } catch (_) {
    return null; // a malformed %-escape
  }
}

// What an address shows, or null when it is not one of the page's (the page's own root "/").
// Parts it does not know are reported in `unknown`, and the rest of the address still applies.
function parseAddress(url, pageSize) {
  const parts = url.pathname.split("/").slice(1);
  if (parts[0] !== "w" || !parts[1]) return null;
  const query = url.searchParams;
  const tab = query.get("tab");
  const address = {
    workspace: decodedSegment(parts[1]),
    view: null,
    document: null,
    tab: ADDRESS_TABS.includes(tab) ? tab : "documents",
    unknown: null,
  };
  const page = Number(query.get("page") || "1");
  const offset = Number.isSafeInteger(page) && page > 1 ? (page - 1) * pageSize : 0;
  let at = 2;
  if (parts[at] === "f" && /^\d{1,15}$/.test(parts[at + 1] || "")) {
    address.view = { kind: "filter", id: Number(parts[at + 1]), offset };
    at += 2;
  } else if (parts[at] === "untagged") {
    address.view = { kind: "untagged", offset };
    at += 1;
  } else if (parts[at] === "search" && (query.get("q") || "").trim()) {
    const within = query.get("in") || "";
    address.view = { kind: "search", q: query.get("q").trim(), filter: /^\d{1,15}$/.test(within) ? Number(within) : null };
    at += 1;
  }
  let unreadable = address.workspace === null;
  if (parts[at] === "d" && parts.length > at + 1 && parts[at + 1]) {
    address.document = decodedSegment(parts.slice(at + 1).join("/"));
    unreadable ||= address.document === null;
    at = parts.length;
  } else if (query.get("doc")) {
    address.document = query.get("doc");
  }
  if (unreadable || parts.slice(at).some(Boolean)) address.unknown = url.pathname;
  return address;
}
