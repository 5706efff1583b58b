// Opens a kinoglaz report.html in headless Chromium and checks what a user does with it:
// one contact-sheet tile per shot, no console errors or failed loads, a click on a tile seeks
// the film to that shot, the tiles are reachable and usable from the keyboard with a visible
// focus ring, the revealed clip loads. Saves a screenshot.
//
// usage: node report_test.mjs REPORT.html SCREENSHOT.png [CHROMIUM]
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { check, finish, openPage } from "./harness.mjs";

const [reportPath, screenshotPath, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!reportPath || !screenshotPath) {
  console.error("usage: node report_test.mjs REPORT.html SCREENSHOT.png [CHROMIUM]");
  process.exit(2);
}
const folder = path.dirname(path.resolve(reportPath));
const analysis = JSON.parse(fs.readFileSync(path.join(folder, "analysis.json"), "utf8"));
const shots = analysis.shots;

const { page, problems, close } = await openPage(executablePath, { width: 1600, height: 1000 });
try {
  await page.goto(pathToFileURL(path.resolve(reportPath)).href, { waitUntil: "load" });

  const tiles = page.locator(".sheet .tile");
  check((await tiles.count()) === shots.length,
        `one contact-sheet tile per shot (${await tiles.count()} tiles, ${shots.length} shots)`);

  // The film loads in the player.
  const loaded = await page
    .waitForFunction(() => document.getElementById("player").readyState >= 1, null, { timeout: 15000 })
    .then(() => true, () => false);
  check(loaded, "the film's metadata loads in the player");
  const duration = await page.evaluate(() => document.getElementById("player").duration);
  check(Math.abs(duration - analysis.source.duration_s) < 0.2,
        `player duration ${duration} matches the film (${analysis.source.duration_s} s)`);

  async function seekedTo(seconds) {
    return page
      .waitForFunction((t) => {
        const v = document.getElementById("player");
        return !v.seeking && Math.abs(v.currentTime - t) < 0.05;
      }, seconds, { timeout: 10000 })
      .then(() => true, () => false);
  }

  // A click on a tile seeks to its shot's first frame.
  const target = 4;
  await tiles.nth(target).click();
  check(await seekedTo(shots[target].start_time),
        `click on tile ${target} seeks to ${shots[target].start_time} s (now ` +
        `${await page.evaluate(() => document.getElementById("player").currentTime)})`);

  // Shot 5's set-up in the drawn set-up graph seeks to that set-up's first shot in its scene
  // (Graphviz node "u<set-up>_c<scene>"); shot 5 in the built-in arc diagram to shot 5.
  const first5 = shots.find((s) => s.setup === shots[5].setup && s.scene === shots[5].scene);
  const nodes = page.locator(".graph g.node").filter({
    has: page.locator("title", { hasText: new RegExp(`^u${shots[5].setup}_c${shots[5].scene}$`) }),
  });
  const drawn = (await nodes.count()) > 0;
  await (drawn ? nodes.first() : page.locator(".graph circle").nth(5)).click();
  const expected = drawn ? first5 : shots[5];
  check(await seekedTo(expected.start_time),
        `click on shot 5 in the graph seeks to shot ${expected.index} at ${expected.start_time} s`);

  // Keyboard: Tab reaches a tile, arrows move between tiles, Enter seeks.
  // From a freshly loaded page, as a keyboard user arrives.
  await page.reload({ waitUntil: "load" });
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.classList.contains("tile"));
  }
  check(reached, "Tab reaches the contact sheet");
  const first = await page.evaluate(() => Number(document.activeElement.dataset.shot));
  check(first === shots[0].index, `the first tile reached is shot ${shots[0].index}`);
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  check(ring.style !== "none" && ring.width >= 3, `focused tile shows a focus ring (${ring.style} ${ring.width}px)`);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  const focused = await page.evaluate(() => Number(document.activeElement.dataset.shot));
  check(focused === shots[2].index, `arrow keys move the focus along the tiles (at ${focused})`);
  await page.keyboard.press("Enter");
  check(await seekedTo(shots[2].start_time), `Enter on a tile seeks to ${shots[2].start_time} s`);

  // Keyframe stills and the revealed clip load.
  await page.evaluate(() => document.querySelectorAll("img").forEach((i) => { i.loading = "eager"; }));
  const images = await page
    .waitForFunction(() => Array.from(document.querySelectorAll(".tile img"))
      .every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 10000 })
    .then(() => true, () => false);
  check(images, "every keyframe still loads");
  const clips = await page
    .waitForFunction(() => {
      const v = Array.from(document.querySelectorAll(".clips video"));
      return v.length > 0 && v.every((x) => x.readyState >= 1);
    }, null, { timeout: 10000 })
    .then(() => true, () => false);
  check(clips, "the revealed clip loads in its player");
  check(await page.locator("#rhythm svg polyline").count() === 1, "the cut-rhythm plot has its cutting curve");
  check(await page.locator("#graph svg").count() >= 1, "the set-up graph is drawn");

  await page.screenshot({ path: screenshotPath, fullPage: true });
  check(fs.existsSync(screenshotPath), `screenshot saved to ${screenshotPath}`);
} catch (e) {
  problems.push(`test error: ${e.stack || e}`);
} finally {
  await close();
}
finish(problems);
