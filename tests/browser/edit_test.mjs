// The report's correction panel, as a person uses it: in headless Chromium, one detected cut is
// marked wrong, a cut is added at the frame on screen with the `c` key, a shot is relabelled;
// the edited analysis.json and shots.csv are downloaded, `kinoglaz rebuild` is run on each, and
// the change is looked for in cuts.edl, timeline.otio, annotations.eaf and the new report.html.
//
// usage: node edit_test.mjs ANALYSIS_DIR WORKDIR KINOGLAZ [CHROMIUM]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { check, finish, openPage } from "./harness.mjs";

const [folder, work, kinoglaz, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const analysis = JSON.parse(fs.readFileSync(path.join(folder, "analysis.json"), "utf8"));
const fps = analysis.source.fps;

// SMPTE timecode of a frame at a whole frame rate (the EDL's record timecodes).
function timecode(frame) {
  const r = Math.round(fps);
  const s = Math.floor(frame / r);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}:${p(frame % r)}`;
}

const cuts = analysis.transitions.filter((t) => t.type === "cut");
if (cuts.length < 2 || analysis.shots.length < 3) {
  console.log(`FAIL the test film should give at least 2 cuts and 3 shots (${cuts.length}, ${analysis.shots.length})`);
  process.exit(1);
}
const wrong = cuts[0];
const wrongIndex = analysis.transitions.indexOf(wrong);
const host = analysis.shots[analysis.shots.length - 1];
const at = host.start_time + 1.0;              // one second into the last shot
const added = Math.floor(at * fps + 1e-3);     // the frame on screen there

const { page, problems, close } = await openPage(executablePath, { width: 1400, height: 1000 },
                                                 { acceptDownloads: true });
const downloads = {};
try {
  await page.goto(pathToFileURL(path.join(path.resolve(folder), "report.html")).href, { waitUntil: "load" });

  check(await page.locator("#kg-edit-transitions tbody tr").count() === analysis.transitions.length,
        "the panel lists every transition");
  // Mark the first cut wrong.
  await page.locator(`#kg-edit-transitions input[data-transition="${wrongIndex}"]`).check();
  check(await page.locator("#kg-edit-transitions tr.wrong").count() === 1, `the cut at ${wrong.start_frame} is marked wrong`);
  // Seek, then `c` adds a cut at the frame on screen.
  await page.waitForFunction(() => document.getElementById("player").readyState >= 1, null, { timeout: 15000 });
  await page.evaluate((t) => { document.getElementById("player").currentTime = t; }, at);
  await page.waitForFunction((t) => { const v = document.getElementById("player");
    return !v.seeking && Math.abs(v.currentTime - t) < 1e-3; }, at);
  await page.locator("#h-edit").click();
  await page.keyboard.press("c");
  const status = await page.locator("#kg-edit-status").textContent();
  check(status.includes(`Cut added at frame ${added}`), `c adds a cut at frame ${added} (${status})`);
  check(await page.locator("#kg-edit-transitions tr.user").count() === 1, "the new cut is shown as yours");
  // Relabel shot 0.
  await page.locator('#kg-edit-shots tr[data-shot="0"] select[data-field="scale"]').selectOption("close_up");

  for (const [button, name] of [["#kg-download-json", "analysis.json"], ["#kg-download-csv", "shots.csv"]]) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator(button).click()]);
    check(download.suggestedFilename() === name, `the download is named ${name}`);
    downloads[name] = path.join(work, `edited-${name}`);
    await download.saveAs(downloads[name]);
  }
} catch (e) {
  problems.push(`test error: ${e.stack || e}`);
} finally {
  await close();
}

// Rebuild from each download; the change is everywhere.
for (const [name, file] of Object.entries(downloads)) {
  const out = path.join(work, `rebuilt-${name}`);
  try {
    execFileSync(kinoglaz, ["rebuild", folder, "--from", file, "-o", out, "--quiet"], { stdio: "pipe" });
  } catch (e) {
    check(false, `rebuild from the downloaded ${name}: ${e.stderr}`);
    continue;
  }
  const a = JSON.parse(fs.readFileSync(path.join(out, "analysis.json"), "utf8"));
  const mine = a.transitions.find((t) => t.start_frame === added);
  check(mine && mine.type === "cut" && mine.source === "user", `${name}: analysis.json has the user's cut at ${added}`);
  check(!a.transitions.some((t) => t.start_frame === wrong.start_frame), `${name}: the wrong cut at ${wrong.start_frame} is gone`);
  check((a.removed_transitions || []).some((t) => t.start_frame === wrong.start_frame),
        `${name}: the wrong cut is recorded as removed`);
  check(a.shots.length === analysis.shots.length, `${name}: one shot less, one more (${a.shots.length} shots)`);
  if (name === "analysis.json")
    check(a.shots[0].scale === "close_up" && a.shots[0].scale_source === "user", `${name}: shot 0 relabelled close_up by the user`);
  const edl = fs.readFileSync(path.join(out, "cuts.edl"), "utf8");
  check(edl.includes(timecode(added)) && !edl.includes(timecode(wrong.start_frame)),
        `${name}: cuts.edl cuts at ${timecode(added)} and no longer at ${timecode(wrong.start_frame)}`);
  const otio = JSON.parse(fs.readFileSync(path.join(out, "timeline.otio"), "utf8"));
  const clips = otio.tracks.children[0].children.filter((c) => c.OTIO_SCHEMA.startsWith("Clip"));
  check(clips.some((c) => c.source_range.start_time.value === added) &&
        !clips.some((c) => c.source_range.start_time.value === wrong.start_frame),
        `${name}: timeline.otio has a clip from frame ${added} and none from ${wrong.start_frame}`);
  const eaf = fs.readFileSync(path.join(out, "annotations.eaf"), "utf8");
  const ms = (f) => Math.round((f / fps) * 1000);
  check(eaf.includes(`TIME_VALUE="${ms(added)}"`), `${name}: annotations.eaf has a time slot at ${ms(added)} ms`);
  const report = fs.readFileSync(path.join(out, "report.html"), "utf8");
  check((report.match(/class="tile/g) || []).length === a.shots.length &&
        report.includes(`"start_frame": ${added}`), `${name}: report.html shows the new shots and the cut`);
}

finish(problems);
