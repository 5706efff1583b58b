// Opens the page of `kinoglaz live` in headless Chromium and uses it as a teacher would: the
// side-by-side view arrives and the state says "live", no console errors or failed loads, a box
// dragged on the view sets the region to magnify (and "Whole picture" clears it), "Replay" the
// last 3 s slowed x4 plays in the page, "Save clip" saves one; with KINOGLAZ_SENDER_PID (the
// stream's sender), ending the sender makes the page read "stalled", then "ended". Saves a
// screenshot.
//
// usage: node live_test.mjs URL SCREENSHOT.png [CHROMIUM]
import { check, finish, openPage } from "./harness.mjs";

const [url, screenshotPath, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!url || !screenshotPath) {
  console.error("usage: node live_test.mjs URL SCREENSHOT.png [CHROMIUM]");
  process.exit(2);
}

// The endless view is aborted when the page closes; that is not a failure.
const { page, problems, close } = await openPage(executablePath, { width: 1400, height: 900 }, {
  expectedFailure: (r) => r.url().includes("stream.mjpeg") && r.failure()?.errorText === "net::ERR_ABORTED",
});
try {

  await page.goto(url, { waitUntil: "load" });
  const viewArrived = await page
    .waitForFunction(() => document.getElementById("stream").naturalWidth > 0, null, { timeout: 15000 })
    .then(() => true, () => false);
  check(viewArrived, "the side-by-side view arrives in the page");
  const size = await page.evaluate(() => {
    const img = document.getElementById("stream");
    return [img.naturalWidth, img.naturalHeight];
  });
  check(size[0] === 1280 && size[1] === 360, `the view is 640x360 twice side by side (${size})`);
  const live = await page
    .waitForFunction(() => document.getElementById("state").textContent === "live", null, { timeout: 10000 })
    .then(() => true, () => false);
  check(live, "the state reads 'live'");
  check(/fps/.test(await page.textContent("#figures")), "the figures are shown");

  // Drag a box on the magnified half: the region to magnify.
  const box = await page.locator("#stream").boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.7, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => /region/.test(document.getElementById("message").textContent));
  const region = await page.evaluate(async () => {
    const token = new URLSearchParams(location.search).get("token");
    const s = await (await fetch("stats" + (token ? "?token=" + token : ""))).json();
    return s.region;
  });
  check(Array.isArray(region) && Math.abs(region[0] - 0.2) < 0.02 && Math.abs(region[2] - 0.4) < 0.02,
        `a dragged box sets the region to magnify (${JSON.stringify(region)})`);
  await page.click("#clear-region");
  await page.waitForFunction(() => /whole picture/.test(document.getElementById("message").textContent));
  check(true, "'Whole picture' clears the region");

  // Replay the last 3 s slowed x4: a clip of about 12 s that plays. The buffer must first hold
  // 3 s of the stream after the settings changed (a loaded machine can be slower to get there).
  const streamTime = () => page.evaluate(async () => {
    const token = new URLSearchParams(location.search).get("token");
    return (await (await fetch("stats" + (token ? "?token=" + token : ""))).json()).time_s;
  });
  const since = await streamTime();
  for (let i = 0; i < 120 && (await streamTime()) < since + 3.5; ++i) await page.waitForTimeout(250);
  await page.fill("#seconds", "3");
  await page.fill("#slow", "4");
  await page.click("#replay-button");
  const playing = await page
    .waitForFunction(() => {
      const v = document.getElementById("replay");
      return !v.hidden && v.readyState >= 2 && !v.paused && v.currentTime > 0.3;
    }, null, { timeout: 120000 })
    .then(() => true, () => false);
  check(playing, "the replay plays in the page");
  const duration = await page.evaluate(() => document.getElementById("replay").duration);
  check(Math.abs(duration - 12) < 1, `the replay lasts 3 s x 4 (${duration} s)`);

  await page.fill("#seconds", "1");
  await page.fill("#slow", "1");
  await page.click("#save-button");
  const saved = await page
    .waitForFunction(() => /^saved /.test(document.getElementById("message").textContent), null,
                     { timeout: 120000 })
    .then(() => true, () => false);
  check(saved, `"Save clip" saves a clip (${await page.textContent("#message")})`);

  await page.screenshot({ path: screenshotPath, fullPage: true });

  // The stream stops (its sender is ended): the page says so, first stalled, then ended.
  const sender = Number(process.env.KINOGLAZ_SENDER_PID || 0);
  if (sender > 0) {
    process.kill(sender, "SIGTERM");
    const state = (name) => page
      .waitForFunction((n) => document.getElementById("state").textContent === n, name, { timeout: 10000 })
      .then(() => true, () => false);
    check(await state("stalled"), "a stalled stream reads 'stalled'");
    check(await state("ended"), "a stream that ended reads 'ended'");
  }
} catch (e) {
  problems.push(`test error: ${e.stack || e}`);
} finally {
  await close();
}
finish(problems);
