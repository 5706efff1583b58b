// The page of `kinoglaz live`: the side-by-side view, its figures and the controls. One
// document, no outside resources (the room may have no internet); every request carries the
// page's own ?token= when it has one.
#include "live_detail.hpp"

namespace kinoglaz::detail {

const std::string& live_page() {
    static const std::string page = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>kinoglaz live</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #111; color: #eee; }
  header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1em; background: #222; }
  h1 { font-size: 1.1em; margin: 0; }
  #state { font-weight: bold; padding: .1em .5em; border-radius: .3em; }
  #state.live { background: #1b5e20; } #state.stalled { background: #8d6e00; }
  #state.ended { background: #8b1a1a; }
  main { padding: 1em; }
  #view { position: relative; display: inline-block; cursor: crosshair; user-select: none; }
  #stream { display: block; max-width: 100%; }
  #box { position: absolute; border: 2px dashed #ffd000; pointer-events: none; display: none; }
  form, .row { display: flex; flex-wrap: wrap; gap: 1em; align-items: center; margin: .8em 0; }
  label { display: inline-flex; gap: .4em; align-items: center; }
  input[type=number] { width: 5em; }
  button { font: inherit; padding: .3em .9em; }
  button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #ffd000; }
  #replay { display: block; max-width: 100%; margin-top: .5em; background: #000; }
  #message { min-height: 1.4em; color: #9cf; }
</style>
</head>
<body>
<header>
  <h1>kinoglaz live</h1>
  <span id="state" class="live" role="status">connecting</span>
  <span id="figures" aria-live="off"></span>
</header>
<main>
  <div id="view" title="Drag a box on either half to magnify only that region">
    <img id="stream" alt="The stream: original (left) and magnified (right)">
    <div id="box"></div>
  </div>
  <form id="settings">
    <label>α <input id="alpha" type="range" min="0" max="100" step="1" value="10">
      <output id="alpha-value">10</output></label>
    <label>band <input id="low" type="number" min="0.05" step="0.05" value="0.4"> –
      <input id="high" type="number" min="0.1" step="0.1" value="8"> Hz</label>
    <label>method <select id="method">
      <option value="eulerian">Eulerian (linear)</option>
      <option value="phase">phase (Riesz)</option></select></label>
    <button type="submit">Apply</button>
    <button type="button" id="clear-region">Whole picture</button>
  </form>
  <div class="row">
    <label>replay the last <input id="seconds" type="number" min="0.5" step="0.5" value="3"> s</label>
    <label>slowed × <input id="slow" type="number" min="1" max="16" step="1" value="4"></label>
    <button type="button" id="replay-button">Replay</button>
    <button type="button" id="save-button">Save clip</button>
  </div>
  <p id="message" role="status"></p>
  <video id="replay" controls muted playsinline hidden></video>
</main>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const withToken = (path) => token ? path + (path.includes("?") ? "&" : "?") +
  "token=" + encodeURIComponent(token) : path;
const $ = (id) => document.getElementById(id);
const say = (text) => { $("message").textContent = text; };

$("stream").src = withToken("stream.mjpeg");

async function post(path, fields) {
  const response = await fetch(withToken(path), { method: "POST", body: new URLSearchParams(fields) });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

async function refresh() {
  try {
    const s = await (await fetch(withToken("stats"))).json();
    $("state").textContent = s.state;
    $("state").className = s.state;
    $("figures").textContent = `${s.fps.toFixed(1)} fps · ${s.latency_ms.toFixed(0)} ms · ` +
      `${s.frames} frames · ${s.dropped} dropped · ${s.events} micro-gestures`;
    $("seconds").max = s.replay_s;
    if (s.state !== "live" && $("stream").dataset.reconnect !== "1") {
      // The server keeps the view's connection; a fresh one is made once the stream is back.
      $("stream").dataset.reconnect = "1";
    } else if (s.state === "live" && $("stream").dataset.reconnect === "1") {
      $("stream").dataset.reconnect = "0";
      $("stream").src = withToken("stream.mjpeg?r=" + Date.now());
    }
  } catch (e) {
    $("state").textContent = "server gone";
    $("state").className = "ended";
  }
}
setInterval(refresh, 1000);
refresh();

$("alpha").addEventListener("input", () => { $("alpha-value").textContent = $("alpha").value; });
$("settings").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await post("settings", { alpha: $("alpha").value, low: $("low").value,
                             high: $("high").value, method: $("method").value });
    say("settings applied");
  } catch (e) { say("not applied: " + e.message); }
});

// Dragging a box on either half picks the region to magnify (as shares of one half).
let start = null;
function share(event) {
  const r = $("stream").getBoundingClientRect();
  const half = r.width / 2;
  let x = event.clientX - r.left;
  const left = start ? start.left : x < half;
  x = left ? Math.min(Math.max(x, 0), half) : Math.min(Math.max(x - half, 0), half);
  const y = Math.min(Math.max(event.clientY - r.top, 0), r.height);
  return { x: x / half, y: y / r.height, left, half, height: r.height };
}
function drawBox(a, b) {
  const box = $("box");
  const x0 = Math.min(a.x, b.x) * a.half + (a.left ? 0 : a.half);
  const y0 = Math.min(a.y, b.y) * a.height;
  Object.assign(box.style, { display: "block", left: x0 + "px", top: y0 + "px",
    width: Math.abs(a.x - b.x) * a.half + "px", height: Math.abs(a.y - b.y) * a.height + "px" });
}
$("view").addEventListener("pointerdown", (event) => {
  event.preventDefault();
  start = share(event);
  $("view").setPointerCapture(event.pointerId);
});
$("view").addEventListener("pointermove", (event) => { if (start) drawBox(start, share(event)); });
$("view").addEventListener("pointerup", async (event) => {
  if (!start) return;
  const a = start, b = share(event);
  start = null;
  $("box").style.display = "none";
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  const w = Math.abs(a.x - b.x), h = Math.abs(a.y - b.y);
  if (w < 0.03 || h < 0.03) return;
  try {
    await post("settings", { region: [x, y, w, h].map((v) => v.toFixed(4)).join(",") });
    say("magnifying the region");
  } catch (e) { say("region not set: " + e.message); }
});
$("clear-region").addEventListener("click", async () => {
  try { await post("settings", { region: "none" }); say("magnifying the whole picture"); }
  catch (e) { say(e.message); }
});

async function render(path, verb) {
  const fields = { seconds: $("seconds").value, slow: $("slow").value };
  say(`${verb} the last ${fields.seconds} s slowed ×${fields.slow}…`);
  for (const b of document.querySelectorAll("button")) b.disabled = true;
  try {
    return await post(path, fields);
  } finally {
    for (const b of document.querySelectorAll("button")) b.disabled = false;
  }
}
$("replay-button").addEventListener("click", async () => {
  try {
    const r = await render("replay", "rendering");
    const video = $("replay");
    video.hidden = false;
    video.src = withToken(r.url);
    await video.play();
    say(`replaying ${r.seconds.toFixed(1)} s slowed ×${r.slow}`);
  } catch (e) { say("no replay: " + e.message); }
});
$("save-button").addEventListener("click", async () => {
  try {
    const r = await render("save", "saving");
    say("saved " + r.file);
  } catch (e) { say("not saved: " + e.message); }
});
</script>
</body>
</html>
)HTML";
    return page;
}

}  // namespace kinoglaz::detail
