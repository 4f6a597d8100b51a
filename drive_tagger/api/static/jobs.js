// The page's background work: queue a refresh and follow its job to the end, stage by stage with
// counts, and, when a workspace opens (a reload, a shared link), pick up whatever of its jobs is
// still queued or running, so nobody is left with a button that waits without saying for what.
"use strict";

const FINISHED = ["succeeded", "failed", "cancelled", "aborted"];
const POLL_MS = 1000;
const FOLLOWED = ["refresh", "embed_pending"];
// What each stage a worker reports is doing, in the order a refresh goes through them.
const STAGES = {
  embedding: "embedding new documents",
  further_windows: "embedding the rest of long documents",
  loading: "loading the vectors",
  clustering: "clustering",
  assigning: "placing documents in filters",
  keywords: "finding each filter's keywords",
  naming: "naming the filters",
  mapping: "laying out the map",
  writing: "writing the new filters",
};
const REFRESH_STAGES = ["further_windows", "loading", "clustering", "assigning", "keywords", "naming", "mapping", "writing"];
let following = null; // the workspace whose jobs are being followed
const watching = new Set(); // the jobs a loop polls now: each is polled by one loop only

function jobPath(workspace, id) {
  return `/v1/workspaces/${encodeURIComponent(workspace)}/jobs/${encodeURIComponent(id)}`;
}

// What the person reads while a job waits or runs.
function progressText(job) {
  const what = job.task_name === "refresh" ? "Refresh" : "Embedding";
  if (job.status === "todo") return `${what} queued (job ${job.id}); waiting for a worker…`;
  if (!job.stage) return `${what} (job ${job.id}) starting…`;
  let text = STAGES[job.stage] || job.stage;
  if (job.done !== null && job.total) text += `: ${job.done.toLocaleString()} of ${job.total.toLocaleString()}`;
  else if (job.total) text += `, ${job.total.toLocaleString()} documents`;
  const step = REFRESH_STAGES.indexOf(job.stage);
  const of = job.task_name === "refresh" && step >= 0 ? ` · step ${step + 1} of ${REFRESH_STAGES.length}` : "";
  return `${what} (job ${job.id}): ${text}${of}…`;
}

// Follows one job until it ends: its progress in the status line; a finished refresh's filters,
// list and changes put in place. Returns false when the person left the workspace meanwhile, and
// null when another loop already follows that job.
async function followJob(workspace, id) {
  if (watching.has(id)) return null;
  watching.add(id);
  const button = $("#refresh");
  button.disabled = true;
  try {
    for (;;) {
      const job = await (await call("GET", jobPath(workspace, id))).json();
      if (state.workspace !== workspace) return false;
      if (job.status === "succeeded") return job.task_name === "refresh" ? showRefreshed() : true;
      if (FINISHED.includes(job.status)) {
        throw new Error(`The ${job.task_name.replace("_", " ")} job ${id} ${job.status}: ${job.error || "no error was kept"}`);
      }
      say(progressText(job));
      await pause();
    }
  } finally {
    watching.delete(id);
    if (state.workspace === workspace) button.disabled = false;
  }
}

function pause() {
  return new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

async function showRefreshed() {
  await loadSidebar();
  if (state.view) {
    await openView(state.view).catch(() => {
      state.view = state.filter = null;
      hint($("#pane-documents"), "That filter is gone after the refresh; choose another.");
    });
  }
  await openTab("changes");
  say("Refreshed: the new filters are in place.");
  return true;
}

// Follows the workspace's queued and running jobs, one after another, until none is left (an
// embedding job queues a refresh when it ends; that one is followed too).
async function followActiveJobs(workspace) {
  if (following === workspace) return;
  following = workspace;
  try {
    for (;;) {
      const { jobs } = await (await call("GET", `/v1/workspaces/${encodeURIComponent(workspace)}/jobs?limit=10`)).json();
      const active = jobs.filter((j) => FOLLOWED.includes(j.task_name) && !FINISHED.includes(j.status));
      if (!active.length || state.workspace !== workspace) return;
      const next = active.find((j) => j.status === "doing") || active[active.length - 1];
      const followed = await followJob(workspace, next.id);
      if (followed === null) await pause(); // another loop has it: look again in a moment
      else if (!followed) return;
    }
  } finally {
    if (following === workspace) following = null;
  }
}

async function refresh() {
  const workspace = state.workspace;
  $("#refresh").disabled = true;
  let queued;
  try {
    queued = await (await call("POST", apiPath("/refresh"))).json();
  } finally {
    $("#refresh").disabled = false;
  }
  if ((await followJob(workspace, queued.job_id)) !== false) await followActiveJobs(workspace);
}
