// What every browser test shares: ok/FAIL lines with a summary and exit status, and headless
// Chromium (the system's, driven by playwright-core) with a fresh profile and a page that
// records console errors, page errors and failed loads.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const tally = { passed: 0, failed: 0 };

// Prints one line per check: "ok   what" or "FAIL what".
export function check(ok, what) {
  if (ok) tally.passed++;
  else tally.failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

// Reports the page's problems as one more check, prints the summary and exits (1 on failure).
export function finish(problems) {
  for (const p of problems) console.log(`  ${p}`);
  check(problems.length === 0, `no console errors, page errors or failed loads (${problems.length})`);
  console.log(`${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}

// Opens Chromium at EXECUTABLE with a VIEWPORT ({width, height}). A media range request aborted
// by a seek is no problem; `expectedFailure(request)` names further failed loads that are not
// (an endless stream cut when the page closes). Returns {page, problems, close}; close() ends
// the browser and removes its profile.
export async function openPage(executablePath, viewport, { acceptDownloads = false, expectedFailure = () => false } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kinoglaz-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    acceptDownloads,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport,
  });
  const problems = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const aborted = r.failure()?.errorText === "net::ERR_ABORTED";
    if ((aborted && r.resourceType() === "media") || expectedFailure(r)) return;
    problems.push(`failed load: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.setDefaultTimeout(20000);
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { page, problems, close };
}
