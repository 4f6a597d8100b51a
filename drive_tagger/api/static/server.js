// The page's requests to its server: `call` (the key attached; a refused key asks for another),
// `fragment` (only this page's own HTML parts) and `put`. Only `put` turns an answer into markup,
// and only what `fragment` accepted: an HTML part of the page that the server rendered (and
// escaped). Everything else taken from data goes in as text.
"use strict";

// The routes that answer a part of the page as HTML (never a JSON route, never the map).
const FRAGMENT = /^\/ui\/workspaces\/[^/]+\/(sidebar|filters\/\d+|untagged|search|document|changes)$/;

class Refused extends Error {} // already told to the person where it happened

// -- talking to the server --

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${localStorage.getItem(KEY) || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    localStorage.removeItem(KEY);
    askForKey("That key is not known here.");
    throw new Refused();
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const error = await response.json();
      detail = typeof error.detail === "string" ? error.detail : error.detail.map((d) => d.msg).join("; ");
    } catch (_) {}
    throw new Error(detail);
  }
  return response;
}

const pagePath = (path) => `/ui/workspaces/${encodeURIComponent(state.workspace)}${path}`;
const apiPath = (path) => `/v1/workspaces/${encodeURIComponent(state.workspace)}${path}`;

// The HTML of a part of the page. The path must be one of FRAGMENT's routes once the browser has
// resolved it, and the answer must come from one as text/html; anything else is refused unread.
async function fragment(path) {
  const asked = new URL(path, location.origin);
  if (asked.origin !== location.origin || !FRAGMENT.test(asked.pathname)) {
    throw new Error(`Refused to show ${asked.pathname}: it is not a part of this page.`);
  }
  const response = await call("GET", asked.pathname + asked.search);
  const answered = new URL(response.url);
  const type = (response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();
  if (answered.origin !== location.origin || !FRAGMENT.test(answered.pathname) || type !== "text/html") {
    throw new Error(`Refused to show ${answered.pathname}: the answer is not a part of this page.`);
  }
  return response.text();
}

// The one place markup from the server enters the page: a checked fragment, escaped by its template.
function put(target, html) {
  target.innerHTML = html;
}

async function show(target, path) {
  put(target, await fragment(path));
}

