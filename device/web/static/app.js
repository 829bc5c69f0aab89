// Hushlight's page: no framework, no build step. The device sends its state as server-sent events;
// every control sends one command (the hub's command names) and shows what it asked for at once.
"use strict";

const $ = (id) => document.getElementById(id);
const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const SCREENS = ["tonight", "week", "sounds", "journal", "status"];
let state = {};
let week = {};
let me = {};
let stream = null;
let soundsKey = "";
let fadeEnds = 0; // when the lamp's fade ends, by this browser's clock
let calendarMonth = new Date();
calendarMonth.setDate(1);

// -- talking to the device -------------------------------------------------------------

async function api(path, body, headers) {
  const options = { credentials: "same-origin", headers: headers || {} };
  if (body !== undefined) {
    options.method = "POST";
    if (!(body instanceof Blob)) {
      options.headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    options.body = body;
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/api/signin/password") {
    signedOut();
  }
  if (!response.ok) {
    throw new Error(data.error || `the device answered ${response.status}`);
  }
  return data;
}

async function fetched(path) {
  try {
    return await api(path);
  } catch (error) {
    notice(error.message);
    return null;
  }
}

function notice(text) {
  $("notice").textContent = text || "";
}

async function send(command, payload) {
  try {
    await api("/api/command", { command, payload: payload === undefined ? "" : payload });
    notice("");
  } catch (error) {
    notice(error.message);
  }
}

// -- signing in ------------------------------------------------------------------------

async function start() {
  me = await api("/api/me").catch(() => ({}));
  if (me.device) $("device-name").textContent = me.device;
  if (me.signed_in) signedIn();
  else signedOut();
}

function signedOut() {
  if (stream) stream.close();
  stream = null;
  $("tabs").hidden = true;
  SCREENS.forEach((s) => ($(s).hidden = true));
  $("signin").hidden = false;
  $("signin-password").hidden = !me.password;
  $("signin-wait").textContent = me.simulated ? "Simulation: press l in the terminal panel for a long press." : "";
}

function signedIn() {
  $("signin").hidden = true;
  $("tabs").hidden = false;
  connect();
  route();
}

$("signin-button").addEventListener("click", async () => {
  const button = $("signin-button");
  button.disabled = true;
  $("signin-wait").textContent = "Now press and hold the bedside button (within 60 s)…";
  try {
    await api("/api/signin/button", {});
    $("signin-wait").textContent = "";
    signedIn();
  } catch (error) {
    $("signin-wait").textContent = error.message;
  } finally {
    button.disabled = false;
  }
});

$("signin-password").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("/api/signin/password", { password: $("password").value });
    $("password").value = "";
    $("signin-wait").textContent = "";
    signedIn();
  } catch (error) {
    $("signin-wait").textContent = error.message;
  }
});

$("signout").addEventListener("click", async () => {
  await api("/api/signout", {}).catch(() => {});
  me.signed_in = false;
  signedOut();
});

// -- live state ------------------------------------------------------------------------

function connect() {
  if (stream) return;
  stream = new EventSource("/api/stream");
  stream.onmessage = (message) => {
    const data = JSON.parse(message.data);
    state = data.state;
    week = data.week;
    fadeEnds = Date.now() + 1000 * (state.lamp.fade_remaining || 0);
    render();
  };
  stream.onerror = () => notice("Reconnecting to the device…");
  stream.onopen = () => notice("");
}

function route() {
  if ($("tabs").hidden) return;
  notice("");
  const screen = SCREENS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "tonight";
  SCREENS.forEach((s) => ($(s).hidden = s !== screen));
  document.querySelectorAll("#tabs a").forEach((a) => {
    if (a.dataset.screen === screen) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  if (screen === "journal") loadJournal();
  if (screen === "status") loadStatus();
  if (screen === "sounds") loadSounds();
}
window.addEventListener("hashchange", route);

function setValue(element, value) {
  if (document.activeElement !== element) element.value = value;
}

function clock(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  return when.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false });
}

function render() {
  renderTonight();
  renderWeek();
  const key = JSON.stringify([state.triggers, state.broken_triggers, state.settings.trigger, state.settings.never]);
  if (key !== soundsKey && !$("sounds").hidden) loadSounds();
  soundsKey = key;
}

function renderTonight() {
  const routine = state.routine || {};
  const session = state.session || {};
  const lamp = state.lamp || {};
  const settings = state.settings || {};
  $("next-winddown").textContent = routine.next_winddown
    ? `Starts ${clock(routine.next_winddown)}`
    : routine.enabled ? "No wind-down planned" : "The routine is off";
  $("next-sleep").textContent = routine.next_sleep ? `Sleep at ${clock(routine.next_sleep)}` : "";
  $("skip-tonight").setAttribute("aria-pressed", String(!!routine.tonight_skipped));
  $("skip-tonight").textContent = routine.tonight_skipped ? "Skipped tonight (undo)" : "Skip tonight";
  if (routine.tonight_sleep && routine.tonight_sleep !== "off") setValue($("tonight-time"), routine.tonight_sleep);
  if (session.active) {
    const minutes = Math.ceil((session.remaining || 0) / 60);
    $("session-line").textContent = `Playing ${session.trigger}, ${minutes} min left`;
  } else {
    $("session-line").textContent = state.preview ? `Previewing ${state.preview}` : "No session";
  }
  $("session-toggle").textContent = session.active ? "Stop the session" : "Start a session now";
  $("next-trigger").disabled = !session.active;
  const playing = session.trigger || "";
  $("pin-playing").disabled = !playing;
  $("pin-playing").setAttribute("aria-pressed", String(!!playing && settings.trigger === playing));
  setValue($("volume"), settings.volume);
  $("volume-out").textContent = `${Math.round(settings.volume)} %`;
  const on = lamp.target > 0;
  $("lamp-toggle").textContent = on ? "Turn the lamp off" : "Turn the lamp on";
  $("lamp-breathe").setAttribute("aria-pressed", String(lamp.effect === "breathe"));
  if (on) setValue($("brightness"), Math.round(lamp.target));
  $("brightness-out").textContent = on ? `${Math.round(lamp.target)} %` : "off";
  const fading = fadeEnds > Date.now();
  $("lamp-now").textContent = fading ? `Fading to ${Math.round(lamp.target)} % (now ${Math.round(lamp.level)} %)` : "";
  if (fading) setTimeout(renderTonight, fadeEnds - Date.now() + 50);
  renderRoom(state.room || {});
}

function renderRoom(room) {
  const show = (value, digits, unit) => (value === null || value === undefined ? "–" : `${value.toFixed(digits)} ${unit}`);
  $("room-temp").textContent = show(room.temperature_c, 1, "°C");
  $("room-humidity").textContent = show(room.humidity, 0, "%");
  $("room-lux").textContent = show(room.lux, 0, "lx");
  const reasons = room.not_ready || [];
  $("room-ready").textContent = reasons.length ? `Not ready: ${reasons.join(", ").replaceAll("_", " ")}` : "The room is ready.";
}

// -- controls on Tonight ----------------------------------------------------------------

$("skip-tonight").addEventListener("click", () => {
  const skip = $("skip-tonight").getAttribute("aria-pressed") !== "true";
  $("skip-tonight").setAttribute("aria-pressed", String(skip));
  send("skip_tonight/set", skip ? "ON" : "OFF");
});
$("tonight-time").addEventListener("change", (e) => e.target.value && send("tonight_sleep/set", e.target.value));
$("session-toggle").addEventListener("click", () => send("session/set", state.session && state.session.active ? "OFF" : "ON"));
$("next-trigger").addEventListener("click", () => send("next_trigger/set", "PRESS"));
$("pin-playing").addEventListener("click", () => {
  const pinned = $("pin-playing").getAttribute("aria-pressed") === "true";
  send("pin/set", pinned ? "" : state.session.trigger);
});
$("volume").addEventListener("input", (e) => ($("volume-out").textContent = `${e.target.value} %`));
$("volume").addEventListener("change", (e) => send("volume/set", e.target.value));
$("lamp-toggle").addEventListener("click", () => send("lamp/set", state.lamp.target > 0 ? "OFF" : "ON"));
$("lamp-breathe").addEventListener("click", () => {
  const breathing = state.lamp.effect === "breathe";
  send("lamp/set", breathing ? { state: "ON", effect: "none" } : { state: "ON", effect: "breathe" });
});
$("brightness").addEventListener("input", (e) => ($("brightness-out").textContent = `${e.target.value} %`));
$("brightness").addEventListener("change", (e) => send("lamp/set", { state: "ON", level: Number(e.target.value) }));
