// SPDX-License-Identifier: Apache-2.0
// The xvsd console: fetches /status.json every second and redraws the VIPs, services and
// backends. Rates (packets/s, bytes/s, new flows/s) are the difference between this snapshot
// and the previous one over the time between them, so they appear from the second snapshot.
"use strict";

const POLL_MS = 1000;
let previous = null;   // {taken_ms, stats: Map(id -> stats)}
let snapshots = 0;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function si(value, unit) {
  const prefixes = ["", "k", "M", "G", "T", "P"];
  let i = 0;
  while (Math.abs(value) >= 1000 && i < prefixes.length - 1) { value /= 1000; i++; }
  const digits = i === 0 && Number.isInteger(value) ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${prefixes[i]}${unit}`;
}

function duration(ms) {
  let s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400); s %= 86400;
  const h = Math.floor(s / 3600); s %= 3600;
  const m = Math.floor(s / 60); s %= 60;
  return (d ? `${d}d ` : "") + (d || h ? `${h}h ` : "") + (d || h || m ? `${m}m ` : "") + `${s}s`;
}

// Per-second rates of one object's counters, or null before its second snapshot (or after
// a counter went backwards: the object was recreated).
function rates(id, stats, takenMs, seen) {
  seen.set(id, stats);
  if (!previous) return null;
  const before = previous.stats.get(id);
  const seconds = (takenMs - previous.taken_ms) / 1000;
  if (!before || seconds <= 0) return null;
  const r = {};
  for (const k of ["packets", "bytes", "flows"]) {
    if (stats[k] < before[k]) return null;
    r[k] = (stats[k] - before[k]) / seconds;
  }
  return r;
}

function rateCells(r) {
  // data-value carries the number itself, for tests and scrapers of the page.
  const cell = (kind, unit) => {
    const attrs = { class: `num rate rate-${kind}` };
    if (r) attrs["data-value"] = r[kind];
    return el("td", attrs, r ? si(r[kind], unit) : "…");
  };
  return [cell("packets", "pkt/s"), cell("bytes", "B/s"), cell("flows", "flows/s")];
}

// The state, and for how long it has held when the daemon says since when.
function rateSummary(r) {
  return r ? `${si(r.packets, "pkt/s")} · ${si(r.bytes, "B/s")} · ${si(r.flows, "flows/s")}` : "";
}

function stateBadge(state, sinceMs, takenMs) {
  const badge = el("span", { class: `state state-${state}` }, state);
  if (!sinceMs || !takenMs) return badge;
  return el("span", {}, badge, el("span", { class: "since" }, ` ${duration(takenMs - sinceMs)}`));
}

function backendState(b) {
  if (b.administratively_disabled) return "disabled";
  return b.healthy ? "up" : "down";
}

function checksText(checks) {
  const span = el("span", { class: "checks" });
  for (const c of checks) {
    const text = c.ok ? `${c.type} ok ${(c.duration_us / 1000).toFixed(1)} ms`
                      : `${c.type} ${c.detail || "failed"}`;
    const cls = c.ok ? "check-ok" : "check-failed";
    span.append(el("span", { class: cls, title: c.target }, text), " ");
  }
  return span;
}

function headRow() {
  return el("tr", {},
    el("th", {}, "name"), el("th", {}, "address"), el("th", {}, "state"), el("th", {}, "checks"),
    el("th", { class: "num" }, "conns"), el("th", { class: "num" }, "packets/s"),
    el("th", { class: "num" }, "bytes/s"), el("th", { class: "num" }, "new flows/s"));
}

function renderVip(vip, takenMs, seen) {
  const table = el("table", {}, el("thead", {}, headRow()));
  const body = el("tbody");
  for (const svc of vip.services) {
    const healthy = svc.backends.filter(b => b.healthy).length;
    body.append(el("tr", { class: "service", "data-service": svc.key },
      el("td", { title: svc.description }, svc.name),
      el("td", {}, svc.key),
      el("td", {}, stateBadge(svc.healthy ? "up" : "down", svc.since_ms, takenMs)),
      el("td", {}, `${healthy} of ${svc.backends.length} healthy, need ${svc.need}`),
      el("td", { class: "num" }, svc.metrics.current ?? ""),
      ...rateCells(rates(`s ${svc.key}`, svc.stats, takenMs, seen))));
    for (const b of svc.backends) {
      const state = backendState(b);
      body.append(el("tr", { class: "backend", "data-backend": b.address, "data-state": state },
        el("td", {}, b.address),
        el("td", { title: "health checks go to this NAT address" }, `nat ${b.nat}`),
        el("td", {}, stateBadge(state, b.since_ms, takenMs)),
        el("td", {}, checksText(b.checks)),
        el("td", { class: "num" }, b.active_connections),
        ...rateCells(rates(`b ${svc.key} ${b.address}`, b.stats, takenMs, seen))));
    }
  }
  table.append(body);
  const state = vip.healthy ? "up" : "down";
  const summary = rateSummary(rates(`v ${vip.address}`, vip.stats, takenMs, seen));
  return el("section", { class: "vip", "data-vip": vip.address, "data-state": state },
    el("h2", {}, vip.address, stateBadge(state, vip.since_ms, takenMs),
       el("span", { class: "vip-rates" }, summary)),
    table);
}

function render(st) {
  const seen = new Map();
  document.getElementById("config").textContent = st.config.file || "–";
  document.getElementById("generation").textContent = st.config.generation;
  document.getElementById("uptime").textContent = duration(st.taken_ms - st.started_ms);
  document.getElementById("interfaces").textContent = st.interfaces.join(", ") || "–";
  document.getElementById("latency").textContent = `${st.info.latency_ns} ns`;
  document.getElementById("traffic").textContent =
    rateSummary(rates("global", st.info.stats, st.taken_ms, seen)) || "…";
  const err = document.getElementById("reload-error");
  err.hidden = !st.config.last_reload_error;
  err.textContent = st.config.last_reload_error
    ? `last reload rejected: ${st.config.last_reload_error}` : "";
  const vips = st.vips.map(v => renderVip(v, st.taken_ms, seen));
  document.getElementById("vips").replaceChildren(...vips);
  previous = { taken_ms: st.taken_ms, stats: seen };
}

async function poll() {
  const conn = document.getElementById("connection");
  try {
    const res = await fetch("status.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    render(await res.json());
    snapshots++;
    conn.className = "state-live";
    conn.textContent = `live · ${new Date().toLocaleTimeString()}`;
    conn.dataset.snapshots = snapshots;
  } catch (e) {
    conn.className = "state-pending";
    conn.textContent = `no data: ${e.message}`;
  }
  setTimeout(poll, POLL_MS);
}

poll();
