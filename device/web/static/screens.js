// Hushlight's page, the other screens: the week, sounds, journal and status (app.js has the rest).
"use strict";

// -- the week ---------------------------------------------------------------------------

function timeCell(day, kind, value) {
  const cell = document.createElement("td");
  const pair = document.createElement("div");
  pair.className = "pair";
  const input = document.createElement("input");
  input.type = "time";
  input.id = `${kind}-${day}`;
  input.setAttribute("aria-label", `${day} ${kind} time`);
  const off = document.createElement("input");
  off.type = "checkbox";
  off.id = `${kind}-${day}-off`;
  const label = document.createElement("label");
  label.className = "inline";
  label.append(off, "off");
  input.value = value === "off" ? "" : value;
  off.checked = value === "off";
  input.addEventListener("change", () => {
    if (input.value) {
      off.checked = false;
      send(`${kind}/${day}/set`, input.value);
    }
  });
  off.addEventListener("change", () => {
    if (off.checked) send(`${kind}/${day}/set`, "off");
    else if (input.value) send(`${kind}/${day}/set`, input.value);
  });
  pair.append(input, label);
  cell.append(pair);
  return cell;
}

function renderWeek() {
  const body = $("days");
  if (!week.days) return;
  if (body.contains(document.activeElement)) return; // do not move what the user is editing
  body.replaceChildren(
    ...week.days.map((d) => {
      const row = document.createElement("tr");
      const name = document.createElement("th");
      name.scope = "row";
      name.textContent = d.day[0].toUpperCase() + d.day.slice(1, 3);
      row.append(name, timeCell(d.day, "sleep", d.sleep), timeCell(d.day, "wake", d.wake));
      return row;
    })
  );
  const minutes = $("session-minutes");
  minutes.min = week.min_session_minutes;
  minutes.max = week.max_session_minutes;
  setValue(minutes, week.session_minutes);
  setValue($("ends-before"), week.ends_before_minutes);
  setValue($("sunrise-minutes"), week.sunrise_minutes);
  renderCalendar();
}
$("session-minutes").addEventListener("change", (e) => send("session_minutes/set", e.target.value));
$("ends-before").addEventListener("change", (e) => send("ends_before/set", e.target.value));
$("sunrise-minutes").addEventListener("change", (e) => send("sunrise_minutes/set", e.target.value));

function isoDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function renderCalendar() {
  const grid = $("calendar");
  const month = calendarMonth;
  $("cal-month").textContent = month.toLocaleDateString([], { month: "long", year: "numeric" });
  const cells = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].map((d) => {
    const head = document.createElement("div");
    head.className = "dow";
    head.textContent = d;
    return head;
  });
  const lead = (month.getDay() + 6) % 7;
  for (let i = 0; i < lead; i++) cells.push(document.createElement("div"));
  const days = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
  const chosen = new Set(week.dates_off || []);
  const fixed = new Set(week.config_dates_off || []);
  for (let day = 1; day <= days; day++) {
    const date = isoDate(new Date(month.getFullYear(), month.getMonth(), day));
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = day;
    button.dataset.date = date;
    button.setAttribute("aria-pressed", String(chosen.has(date) || fixed.has(date)));
    if (chosen.has(date)) button.className = "off";
    if (fixed.has(date)) {
      button.className = "fixed";
      button.disabled = true;
      button.title = "set in the config file";
    }
    button.addEventListener("click", () => {
      const next = new Set(week.dates_off || []);
      if (next.has(date)) next.delete(date);
      else next.add(date);
      week.dates_off = [...next].sort();
      renderCalendar();
      send("dates_off/set", week.dates_off);
    });
    cells.push(button);
  }
  grid.replaceChildren(...cells);
}
$("cal-prev").addEventListener("click", () => {
  calendarMonth.setMonth(calendarMonth.getMonth() - 1);
  renderCalendar();
});
$("cal-next").addEventListener("click", () => {
  calendarMonth.setMonth(calendarMonth.getMonth() + 1);
  renderCalendar();
});

// -- sounds -----------------------------------------------------------------------------

function button(text, onClick, pressed, label) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (label) b.setAttribute("aria-label", label);
  if (pressed !== undefined) b.setAttribute("aria-pressed", String(pressed));
  b.addEventListener("click", onClick);
  return b;
}

async function loadSounds() {
  const data = await fetched("/api/sounds");
  if (!data) return;
  $("upload-limit").textContent = data.max_upload_mb;
  $("sound-list").replaceChildren(
    ...data.sounds.map((s) => {
      const item = document.createElement("li");
      item.dataset.name = s.name;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = s.name;
      item.append(name);
      const badges = [s.builtin ? "built-in" : "yours", s.broken ? "unreadable" : "", s.pinned ? "pinned" : "", s.never ? "never" : ""];
      badges.filter(Boolean).forEach((b) => {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = b;
        item.append(badge);
      });
      const row = document.createElement("div");
      row.className = "row";
      if (s.playable) {
        row.append(
          button("Preview 15 s", () => send("preview/set", s.name), undefined, `Preview ${s.name} for 15 s`),
          button("Pin", () => send("pin/set", s.pinned ? "" : s.name), s.pinned, `Pin ${s.name}`),
          button("Never", () => send("never/set", { trigger: s.name, never: !s.never }), s.never, `Never play ${s.name}`)
        );
      }
      if (!s.builtin) row.append(button("Remove", () => removeSound(s.name), undefined, `Remove ${s.name}`));
      item.append(row);
      return item;
    })
  );
}

async function removeSound(name) {
  if (!confirm(`Remove the recording ${name}?`)) return;
  try {
    await api("/api/sounds/remove", { name });
    notice(`${name} removed`);
  } catch (error) {
    notice(error.message);
  }
}

$("upload").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  const limit = Number($("upload-limit").textContent) * 1e6;
  if (file.size > limit) return notice(`${file.name} is over the limit of ${limit / 1e6} MB`);
  notice(`Uploading ${file.name}…`);
  try {
    const data = await api("/api/sounds/upload", file, { "Content-Type": "application/octet-stream", "X-Filename": encodeURIComponent(file.name) });
    notice(`${data.name} added: it is checked and listed in a moment`);
    $("upload-file").value = "";
  } catch (error) {
    notice(error.message);
  }
});

// -- journal ----------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function chart(id, label, draw) {
  const root = svg("svg", { viewBox: "0 0 320 140", role: "img", "aria-label": label });
  draw(root);
  $(id).replaceChildren(root);
}

function drawTriggers(rows) {
  chart("chart-triggers", "Good and bad nights per sound", (root) => {
    if (!rows.length) return root.append(svg("text", { x: 10, y: 70 }, "No rated nights yet"));
    const most = Math.max(1, ...rows.map((r) => r.good + r.bad));
    const height = Math.min(22, 115 / rows.length);
    root.append(svg("rect", { x: 100, y: 128, width: 10, height: 10, fill: "#d9894a" }), svg("text", { x: 114, y: 137 }, "slept well"));
    root.append(svg("rect", { x: 190, y: 128, width: 10, height: 10, fill: "#6b4a34" }), svg("text", { x: 204, y: 137 }, "slept badly"));
    rows.forEach((r, i) => {
      const y = 5 + i * height;
      root.append(svg("text", { x: 0, y: y + height * 0.7 }, r.name));
      root.append(svg("rect", { x: 100, y, width: (200 * r.good) / most, height: height - 4, fill: "#d9894a" }));
      root.append(svg("rect", { x: 100 + (200 * r.good) / most, y, width: (200 * r.bad) / most, height: height - 4, fill: "#6b4a34" }));
    });
  });
}

function drawPoints(id, label, points, low, high, format, band) {
  chart(id, label, (root) => {
    if (!points.length) return root.append(svg("text", { x: 10, y: 70 }, "No nights yet"));
    const min = Math.min(low, ...points.map((p) => p.v));
    const max = Math.max(high, ...points.map((p) => p.v));
    const y = (v) => 125 - ((v - min) / Math.max(1e-9, max - min)) * 115;
    const x = (i) => 40 + (i * 270) / Math.max(1, points.length - 1);
    if (band) root.append(svg("rect", { x: 40, y: y(band[1]), width: 270, height: y(band[0]) - y(band[1]), fill: "#2e2419" }));
    root.append(svg("text", { x: 0, y: y(max) + 4 }, format(max)), svg("text", { x: 0, y: y(min) }, format(min)));
    points.forEach((p, i) => root.append(svg("circle", { cx: x(i), cy: y(p.v), r: 4, fill: "#d9894a" }, undefined)));
  });
}

function hhmm(minutes) {
  const m = Math.round(minutes) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

async function loadJournal() {
  const data = await fetched("/api/journal");
  if (!data) return;
  const s = data.summary;
  $("summary").textContent = data.problem ||
    (s.nights ? `${s.nights} ${s.nights === 1 ? "night" : "nights"} with a session, ${s.rated} rated. ${s.bedtime_mean ? `Bedtime about ${s.bedtime_mean}. ` : ""}${s.advice || ""}` : "No nights yet.");
  const rated = data.nights.some((n) => n.night === data.rating_night && n.rating);
  $("rate-card").hidden = rated;
  $("rate-title").textContent = `How did you sleep the night of ${new Date(data.rating_night).toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" })}?`;
  $("nights").replaceChildren(
    ...data.nights.map((n) => {
      const row = document.createElement("tr");
      const main = n.sessions[0] || {};
      [n.night, n.trigger || "–", main.actual_min != null ? `${main.actual_min} min` : "–"].forEach((text) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      });
      row.append(ratingCell(n, data));
      return row;
    })
  );
  const charts = data.charts;
  drawTriggers(charts.triggers);
  const bedtimes = charts.bedtimes.map((b) => ({ v: b.minutes }));
  drawPoints("chart-bedtimes", "Session start per night", bedtimes, 1260, 1380, hhmm);
  const temperatures = charts.temperatures.map((t) => ({ v: t.c }));
  drawPoints("chart-temperatures", "Room temperature at session start", temperatures, charts.comfort[0], charts.comfort[1], (v) => `${v.toFixed(0)}°`, charts.comfort);
}

// A night the morning went by unrated (within the nights the device still takes) gets its own buttons.
function ratingCell(n, data) {
  const cell = document.createElement("td");
  const rateable = !n.rating && n.night >= data.rate_from && n.night <= data.rating_night;
  if (!rateable) {
    cell.textContent = n.rating || "not rated";
    return cell;
  }
  for (const [rating, label] of [["good", "Good"], ["bad", "Bad"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.night = n.night;
    button.dataset.rating = rating;
    button.setAttribute("aria-label", `Rate the night of ${n.night} ${rating}`);
    button.addEventListener("click", () => rateNight(n.night, rating));
    cell.append(button);
  }
  return cell;
}

async function rateNight(night, rating) {
  await send("rate_night/set", { night, rating });
  await lookAgain(() => [...document.querySelectorAll("#nights button")].every((b) => b.dataset.night !== night));
}

async function rate(rating) {
  await send("rate/set", rating);
  $("rate-card").hidden = true;
  await lookAgain(() => $("rate-card").hidden);
}

// The rating is on the card before it is acknowledged, a moment later: look again a few times, then stop.
async function lookAgain(done) {
  for (let i = 0; i < 5; i++) {
    await new Promise((wait) => setTimeout(wait, 800));
    await loadJournal();
    if (done()) break;
  }
}
$("rate-good").addEventListener("click", () => rate("good"));
$("rate-bad").addEventListener("click", () => rate("bad"));

// -- status -----------------------------------------------------------------------------

async function loadStatus() {
  const data = await fetched("/api/status");
  if (!data) return;
  const hub = data.hub.enabled ? `${data.hub.connected ? "connected to" : "not connected to"} ${data.hub.broker}` : "off";
  const faults = Object.entries(data.faults).map(([k, v]) => `${k}: ${v}`).join("; ") || "none";
  const items = [
    ["Hub", hub],
    ["Sensors found", data.sensors.found.join(", ") || `none yet (looking for ${data.sensors.temperature} / ${data.sensors.light})`],
    ["Reading", data.sensors.reading.map((k) => k.replace("_c", "").replace("_hpa", "").replace("_", " ")).join(", ") || "nothing"],
    ["Lamp", data.lamp_backend],
    ["Faults", faults],
    ["Version", `hushlight ${data.version} (${data.device})`],
  ];
  $("status-list").replaceChildren(...items.flatMap(([k, v]) => [Object.assign(document.createElement("dt"), { textContent: k }), Object.assign(document.createElement("dd"), { textContent: v })]));
  $("warnings").replaceChildren(
    ...(data.warnings.length ? data.warnings : [{ at: "", level: "", message: "none" }]).map((w) =>
      Object.assign(document.createElement("li"), { textContent: `${w.at} ${w.level} ${w.message}`.trim() })
    )
  );
}

start();
