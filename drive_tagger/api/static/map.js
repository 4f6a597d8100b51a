// The map tab: the layout the last refresh stored (GET .../map), drawn on a canvas with no
// library. A colour per top-level filter and shades of it for its sub-filters; filter names
// placed where they do not overlap (largest filters first, the way datamapplot labels its maps);
// hover shows a document's id, a click opens it, dragging a box ticks the documents inside for
// the bulk bar (corrections.js). Drawn again each time the tab opens, so names and moves are current.
"use strict";

const MAP_HEIGHTS = [320, 720]; // the canvas fills the window below its top, within these
const MAP_PAD = 28;
const UNTAGGED_INK = "#b8bec7";
const map = { points: null, screen: null, grid: null, cell: 24, picked: [], hover: -1 };

// A hue per top-level filter, spread around the wheel; its sub-filters as lighter and darker shades.
function filterColours(filters) {
  const tops = filters.filter((f) => f.parent === null);
  const colours = new Map();
  tops.forEach((top, i) => {
    const hue = Math.round((i * 360) / Math.max(tops.length, 1) + 15) % 360;
    colours.set(top.id, `hsl(${hue} 62% 44%)`);
    const subs = filters.filter((f) => f.parent === top.id);
    subs.forEach((sub, j) => colours.set(sub.id, `hsl(${hue} 58% ${30 + (40 * (j + 1)) / (subs.length + 1)}%)`));
  });
  return colours;
}

async function drawMap() {
  const holder = $("#map");
  const workspace = state.workspace;
  holder.textContent = "Drawing the map…";
  const data = await (await call("GET", pagePath("/map"))).json();
  if (state.workspace !== workspace) return;
  renderMap(holder, data);
  holder.dataset.workspace = workspace;
  showSelection(); // a new map has nothing ticked
  painted("map");
}

// The points as the server packs them (services/atlas.py): little-endian arrays in base64.
function unpack(text, Type) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Type(bytes.buffer);
}

function renderMap(holder, data) {
  const { filters } = data;
  const points = {
    xy: unpack(data.points.xy, Float32Array),
    filter: unpack(data.points.filter, Int32Array),
    leaf: unpack(data.points.leaf, Int32Array),
    id: data.points.id,
  };
  const colours = filterColours(filters);
  const legend = document.createElement("ul");
  legend.className = "legend";
  for (const f of filters.filter((f) => f.parent === null)) {
    const item = Object.assign(document.createElement("button"), { type: "button", className: "link" });
    item.dataset.action = "open-filter";
    item.dataset.filter = String(f.id);
    const swatch = Object.assign(document.createElement("span"), { className: "swatch" });
    swatch.style.background = colours.get(f.id);
    item.append(swatch, `${f.name} (${f.documents.toLocaleString()})`);
    const entry = document.createElement("li");
    entry.append(item);
    legend.append(entry);
  }
  const canvas = document.createElement("canvas");
  const count = points.id.length;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Map of ${count.toLocaleString()} documents in ${legend.children.length} filters`);
  canvas.dataset.points = String(count);
  const tip = Object.assign(document.createElement("p"), { className: "map-tip", hidden: true });
  const note = document.createElement("p");
  note.className = "hint";
  note.textContent = count
    ? `Each dot is a document, near those like it. Click one to open it; drag a box to select documents.` +
      (data.not_on_map ? ` ${data.not_on_map.toLocaleString()} arrived since the last refresh and join the map at the next.` : "")
    : "No map yet: Refresh filters lays one out once documents are in.";
  const stage = Object.assign(document.createElement("div"), { className: "map-stage" });
  stage.append(canvas, tip);
  holder.replaceChildren(note, legend, stage);
  Object.assign(map, { points, picked: [], hover: -1 });
  layOut(canvas, points, filters, colours);
  wireCanvas(canvas, tip);
}

// Screen coordinates for every point, the points drawn, then the labels.
function layOut(canvas, points, filters, colours) {
  const width = canvas.parentElement.clientWidth || 800;
  const room = window.innerHeight - canvas.parentElement.getBoundingClientRect().top - 16;
  const height = Math.round(Math.max(MAP_HEIGHTS[0], Math.min(MAP_HEIGHTS[1], room)));
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const n = points.id.length;
  const [minX, maxX, minY, maxY] = extent(points.xy);
  const scale = Math.min((width - 2 * MAP_PAD) / (maxX - minX || 1), (height - 2 * MAP_PAD) / (maxY - minY || 1));
  const left = (width - scale * (maxX - minX)) / 2;
  const top = (height - scale * (maxY - minY)) / 2;
  const toScreen = (x, y) => [left + (x - minX) * scale, top + (maxY - y) * scale];
  map.screen = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) [map.screen[2 * i], map.screen[2 * i + 1]] = toScreen(points.xy[2 * i], points.xy[2 * i + 1]);
  map.grid = new Map();
  for (let i = 0; i < n; i++) {
    const key = gridKey(Math.floor(map.screen[2 * i] / map.cell), Math.floor(map.screen[2 * i + 1] / map.cell));
    if (!map.grid.has(key)) map.grid.set(key, []);
    map.grid.get(key).push(i);
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  const radius = n < 500 ? 4 : n < 5000 ? 2.6 : n < 30000 ? 1.6 : 1.1;
  context.globalAlpha = 0.85;
  for (let i = 0; i < n; i++) {
    const leaf = points.leaf[i];
    context.fillStyle = leaf >= 0 ? colours.get(leaf) || colours.get(points.filter[i]) || UNTAGGED_INK : UNTAGGED_INK;
    if (radius < 2) {
      context.fillRect(map.screen[2 * i] - radius, map.screen[2 * i + 1] - radius, 2 * radius, 2 * radius);
    } else {
      context.beginPath();
      context.arc(map.screen[2 * i], map.screen[2 * i + 1], radius, 0, 2 * Math.PI);
      context.fill();
    }
  }
  context.globalAlpha = 1;
  placeLabels(context, filters, toScreen);
  map.draw = () => layOut(canvas, points, filters, colours);
}

// [min x, max x, min y, max y] of x, y pairs.
function extent(xy) {
  const found = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < xy.length; i += 2) {
    found[0] = Math.min(found[0], xy[i]);
    found[1] = Math.max(found[1], xy[i]);
    found[2] = Math.min(found[2], xy[i + 1]);
    found[3] = Math.max(found[3], xy[i + 1]);
  }
  return xy.length ? found : [0, 1, 0, 1];
}

function gridKey(gx, gy) {
  return gx * 65536 + gy;
}

// Top-level names first, largest first, then sub-filter names where they still fit: each tried at
// its members' middle and a few places around it, drawn only where it overlaps no name placed.
function placeLabels(context, filters, toScreen) {
  const placed = [];
  const order = [...filters].filter((f) => f.label).sort((a, b) => (a.parent !== null) - (b.parent !== null) || b.documents - a.documents);
  for (const f of order) {
    const top = f.parent === null;
    context.font = top ? "600 14px system-ui, sans-serif" : "12px system-ui, sans-serif";
    const width = context.measureText(f.name).width + 8;
    const height = top ? 18 : 15;
    const [x, y] = toScreen(f.label[0], f.label[1]);
    const tries = [[0, 0], [0, -height], [0, height], [-width / 2, 0], [width / 2, 0], [0, -2 * height], [0, 2 * height]];
    for (const [dx, dy] of tries) {
      const box = [x + dx - width / 2, y + dy - height / 2, width, height];
      if (placed.some((other) => overlaps(box, other))) continue;
      placed.push(box);
      context.lineWidth = 4;
      context.strokeStyle = "rgba(255,255,255,0.92)";
      context.fillStyle = top ? "#1d2430" : "#3c4654";
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.strokeText(f.name, x + dx, y + dy);
      context.fillText(f.name, x + dx, y + dy);
      break;
    }
  }
  map.labels = placed.length;
}

function overlaps(a, b) {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

// The point nearest (x, y) on screen within `reach` pixels, or -1.
function mapPointNear(x, y, reach = 8) {
  let best = -1;
  let bestDistance = reach * reach;
  const cx = Math.floor(x / map.cell);
  const cy = Math.floor(y / map.cell);
  for (let gx = cx - 1; gx <= cx + 1; gx++) {
    for (let gy = cy - 1; gy <= cy + 1; gy++) {
      for (const i of map.grid?.get(gridKey(gx, gy)) || []) {
        const d = (map.screen[2 * i] - x) ** 2 + (map.screen[2 * i + 1] - y) ** 2;
        if (d <= bestDistance) [best, bestDistance] = [i, d];
      }
    }
  }
  return best;
}

// Where point i is drawn, relative to the canvas (the browser tests click it).
function mapScreenPoint(i) {
  return { x: map.screen[2 * i], y: map.screen[2 * i + 1], id: map.points.id[i] };
}

function wireCanvas(canvas, tip) {
  let dragFrom = null;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  canvas.addEventListener("pointermove", (event) => {
    const [x, y] = at(event);
    if (dragFrom) return drawBox(canvas, dragFrom, [x, y]);
    const i = mapPointNear(x, y);
    canvas.style.cursor = i >= 0 ? "pointer" : "crosshair";
    tip.hidden = i < 0;
    if (i >= 0) {
      tip.textContent = map.points.id[i];
      Object.assign(tip.style, { left: `${x + 12}px`, top: `${y + 12}px` });
    }
  });
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault(); // no text selection or native drag while a box is drawn
    canvas.setPointerCapture(event.pointerId); // the box ends where the pointer is let go, even outside
    dragFrom = at(event);
  });
  canvas.addEventListener("pointerup", (event) => {
    const from = dragFrom;
    dragFrom = null;
    const to = at(event);
    if (!from) return;
    if (Math.abs(to[0] - from[0]) + Math.abs(to[1] - from[1]) < 5) {
      const i = mapPointNear(...to);
      if (i >= 0) reportingErrors(openDocument)(map.points.id[i]);
      return;
    }
    const [x0, x1] = [Math.min(from[0], to[0]), Math.max(from[0], to[0])];
    const [y0, y1] = [Math.min(from[1], to[1]), Math.max(from[1], to[1])];
    map.picked = [];
    for (let i = 0; i < map.points.id.length; i++) {
      const [x, y] = [map.screen[2 * i], map.screen[2 * i + 1]];
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) map.picked.push(map.points.id[i]);
    }
    map.draw();
    if (map.picked.length) drawBox(canvas, from, to, false);
    showSelection();
  });
}

function drawBox(canvas, from, to, redraw = true) {
  if (redraw) map.draw();
  const context = canvas.getContext("2d");
  context.strokeStyle = "#1f5bbf";
  context.setLineDash([5, 4]);
  context.lineWidth = 1.5;
  context.strokeRect(from[0], from[1], to[0] - from[0], to[1] - from[1]);
  context.setLineDash([]);
}

// A resized window gets its map laid out again at the new width (once the resizing pauses).
let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    if (!$("#pane-map").hidden && map.draw) map.draw();
  }, 150);
});
