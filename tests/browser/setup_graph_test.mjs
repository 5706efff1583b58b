// Opens a kinoglaz report.html in headless Chromium in a 1400 px wide window and checks the
// set-up graph and the scene bands: the graph is drawn whole within the window's width (no
// sideways scrolling), its thumbnails load, the wheel and the buttons zoom it, a drag moves it,
// a click on a set-up plays its first shot; the contact sheet and the rhythm plot show one band
// per scene; no console errors or failed loads. Saves a screenshot of the graph section.
//
// usage: node setup_graph_test.mjs REPORT.html SCREENSHOT.png [CHROMIUM]
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { check, finish, openPage } from "./harness.mjs";

const [reportPath, screenshotPath, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!reportPath || !screenshotPath) {
  console.error("usage: node setup_graph_test.mjs REPORT.html SCREENSHOT.png [CHROMIUM]");
  process.exit(2);
}
const folder = path.dirname(path.resolve(reportPath));
const analysis = JSON.parse(fs.readFileSync(path.join(folder, "analysis.json"), "utf8"));
const shots = analysis.shots;
const WIDTH = 1400;

const { page, problems, close } = await openPage(executablePath, { width: WIDTH, height: 900 });
try {
  await page.goto(pathToFileURL(path.resolve(reportPath)).href, { waitUntil: "load" });

  // The set-up graph, drawn by Graphviz, one node per set-up and scene it appears in.
  const svg = page.locator("#setup-graph > svg");
  check((await svg.count()) === 1, "the set-up graph is drawn");
  const pairs = new Set(shots.map((s) => `u${s.setup}_c${s.scene}`));
  const titles = await page.locator("#setup-graph g.node > title").allTextContents();
  check(titles.length === pairs.size && titles.every((t) => pairs.has(t.trim())),
        `one node per set-up and scene (${titles.length} nodes, ${pairs.size} expected)`);
  const clusters = await page.locator("#setup-graph g.cluster").count();
  check(clusters === analysis.scenes.length, `one cluster per scene (${clusters})`);

  // Whole within the window's width, and the page does not scroll sideways.
  await svg.scrollIntoViewIfNeeded();
  const box = await svg.boundingBox();
  check(box && box.x >= 0 && box.x + box.width <= WIDTH && box.width <= WIDTH,
        `the graph lies within the ${WIDTH} px window (x ${box?.x}, width ${box?.width})`);
  check(box && box.height <= 900, `the graph fits the window's height too (${box?.height} px)`);
  const scroll = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth, window: window.innerWidth,
  }));
  check(scroll.page <= scroll.window, `no horizontal scroll (page ${scroll.page} px, window ${scroll.window} px)`);
  const drawn = await page.evaluate(() => {
    const r = document.querySelector("#setup-graph > svg g.graph").getBoundingClientRect();
    return { left: r.left, right: r.right };
  });
  check(drawn.left >= 0 && drawn.right <= WIDTH,
        `the drawing itself lies within the window (${drawn.left.toFixed(0)}–${drawn.right.toFixed(0)} px)`);

  // Thumbnails: every node's keyframe image loads from the folder.
  const images = await page.evaluate(async () => {
    const hrefs = Array.from(document.querySelectorAll("#setup-graph image"))
      .map((i) => i.getAttribute("xlink:href") || i.getAttribute("href"));
    const ok = await Promise.all(hrefs.map((h) => new Promise((done) => {
      const img = new Image();
      img.onload = () => done(img.naturalWidth > 0);
      img.onerror = () => done(false);
      img.src = h;
    })));
    return { count: hrefs.length, loaded: ok.filter(Boolean).length };
  });
  check(images.count === pairs.size && images.loaded === images.count,
        `every node has its thumbnail and it loads (${images.loaded} of ${images.count})`);
  await page.locator("#graph").screenshot({ path: screenshotPath });
  check(fs.existsSync(screenshotPath), `screenshot saved to ${screenshotPath}`);

  // Zoom: the wheel over the graph narrows the viewBox; the buttons zoom and reset.
  const viewBox = () => svg.evaluate((s) => s.viewBox.baseVal.width);
  const home = await viewBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(100);
  const wheeled = await viewBox();
  check(wheeled < home * 0.8, `the wheel zooms in (viewBox width ${home} → ${wheeled.toFixed(1)})`);
  await page.locator(".zoom-bar button[data-zoom=reset]").click();
  check(await viewBox() === home, "Reset shows the whole graph again");
  // Zoomed all the way out, the wheel down scrolls the page instead.
  const graphTop = (await svg.boundingBox()).y;
  await page.mouse.move(box.x + box.width / 2, graphTop + 50);
  await page.mouse.wheel(0, 300);
  await page.waitForTimeout(300);
  const scrolled = (await svg.boundingBox()).y;
  check(await viewBox() === home && scrolled < graphTop,
        `at the whole graph the wheel scrolls the page on (graph top ${graphTop.toFixed(0)} → ${scrolled.toFixed(0)} px)`);
  await svg.scrollIntoViewIfNeeded();
  await page.locator(".zoom-bar button[data-zoom=in]").click();
  const zoomed = await viewBox();
  check(Math.abs(zoomed - home / 1.5) < 1e-3 * home, `the + button zooms in 1.5× (${zoomed.toFixed(1)})`);
  const before = await svg.evaluate((s) => s.viewBox.baseVal.x);
  const now = await svg.boundingBox();
  await page.mouse.move(now.x + 200, now.y + 200);
  await page.mouse.down();
  await page.mouse.move(now.x + 300, now.y + 220, { steps: 5 });
  await page.mouse.up();
  const after = await svg.evaluate((s) => s.viewBox.baseVal.x);
  check(after < before, `a drag moves the graph (viewBox x ${before.toFixed(1)} → ${after.toFixed(1)})`);
  await page.locator(".zoom-bar button[data-zoom=reset]").click();

  // A click on a set-up plays its first shot in that scene.
  // (The synthetic film's set-up 0 in scene 3, else the last shot's set-up.)
  const pick = shots.find((s) => s.scene === 3 && s.setup === 0) ?? shots[shots.length - 1];
  const target = shots.find((s) => s.scene === pick.scene && s.setup === pick.setup);
  await page.locator("#setup-graph g.node")
    .filter({ has: page.locator("title", { hasText: new RegExp(`^u${target.setup}_c${target.scene}$`) }) })
    .first().click();
  const seeked = await page
    .waitForFunction((t) => {
      const v = document.getElementById("player");
      return !v.seeking && Math.abs(v.currentTime - t) < 0.05;
    }, target.start_time, { timeout: 10000 })
    .then(() => true, () => false);
  check(seeked, `a click on set-up ${target.setup} of scene ${target.scene} plays shot ${target.index} (${target.start_time} s)`);
  // The keyboard reaches the set-ups too: Enter on the first one plays its first shot.
  const firstNode = page.locator("#setup-graph g.node").first();
  const firstTitle = (await firstNode.locator("title").textContent()).trim();
  const [, fs0, fsc] = /^u(-?\d+)_c(-?\d+)$/.exec(firstTitle);
  const firstShot = shots.find((s) => s.setup === Number(fs0) && s.scene === Number(fsc));
  await firstNode.focus();
  const label = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  await page.keyboard.press("Enter");
  const entered = await page
    .waitForFunction((t) => {
      const v = document.getElementById("player");
      return !v.seeking && Math.abs(v.currentTime - t) < 0.05;
    }, firstShot.start_time, { timeout: 10000 })
    .then(() => true, () => false);
  check(entered && /^set-up /.test(label ?? ""),
        `Enter on a focused set-up ("${label}") plays shot ${firstShot.index}`);

  // Scenes as bands: the contact sheet groups each scene's tiles under its label; the rhythm
  // plot has one shaded band per scene.
  const bands = await page.evaluate(() => Array.from(document.querySelectorAll(".sheet .scene-band"))
    .map((b) => ({
      scene: b.dataset.scene,
      label: b.querySelector(".scene-label")?.textContent ?? "",
      tiles: Array.from(b.querySelectorAll(".tile")).map((t) => t.dataset.scene),
    })));
  check(bands.length === analysis.scenes.length, `one band per scene on the contact sheet (${bands.length})`);
  check(bands.every((b) => b.tiles.length > 0 && b.tiles.every((s) => s === b.scene) &&
                           b.label.startsWith(`Scene ${b.scene}`)),
        "each band holds only its scene's tiles under its label");
  const rhythmBands = await page.locator("#rhythm rect.scene-band").count();
  check(rhythmBands === analysis.scenes.length, `one shaded band per scene behind the rhythm plot (${rhythmBands})`);
} catch (e) {
  problems.push(`test error: ${e.stack || e}`);
} finally {
  await close();
}
finish(problems);
