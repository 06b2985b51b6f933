// Lighthouse 12 (mobile preset, its default simulated slow 4G and 4× CPU throttling) on two
// screens, each in a fresh browser profile: the first screen (`/`, a first visit), and 操作履歴
// signed in (the first staff member registered and signed in by PIN in that profile, then the
// page opened again: a returning operator, storage kept). Prints performance, LCP, CLS,
// accessibility and best practices, and writes each full report to bench-results/.
// Lighthouse drives the browser through puppeteer-core (both pinned in bench/package-lock.json,
// installed by tools/setup.sh's install_bench_tools), in Debian's Chromium.
// Usage: node bench/lighthouse-bench.mjs <base url>
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../playwright.config.mjs';
import { ADMIN } from '../helpers.mjs';

const [baseURL] = process.argv.slice(2);
const OUT = '../../bench-results';
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

/** Registers ADMIN as the first staff member on the setup screen; the app signs them in. */
async function setUpAndSignIn(page) {
  await page.goto(`${baseURL}/`);
  await page.waitForSelector('[data-screen="setup"]');
  await page.type('#setup-name', ADMIN.name);
  await page.type('#setup-affiliation', ADMIN.affiliation);
  await page.type('#setup-pin', ADMIN.pin);
  await page.type('#setup-pin-again', ADMIN.pin);
  await page.click('#setup');
  await page.waitForSelector('[data-ready="true"]');
  // The shell is cached by the service worker, as on any tablet that has opened the app before.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** One Lighthouse navigation of `path` in a fresh profile; `signedIn` prepares the profile
 *  first and keeps its storage (Lighthouse would otherwise clear the origin's data). */
async function audit(name, path, { signedIn = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'daicho-lighthouse-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: [...chromiumArgs, '--no-sandbox'],
  });
  try {
    const page = await browser.newPage();
    if (signedIn) {
      await setUpAndSignIn(page);
      // Away from the app, so Lighthouse's visit of `path` is a navigation, not a hash change.
      await page.goto('about:blank');
    }
    const flags = { output: 'json', logLevel: 'error', onlyCategories: CATEGORIES, disableStorageReset: signedIn };
    const runner = await lighthouse(`${baseURL}${path}`, flags, undefined, page);
    // The screen audited must be the one meant: signed in, on the page asked for.
    const screen = await page.evaluate(() => ({
      signIn: !!document.querySelector('[data-screen="sign-in"], [data-screen="setup"]'),
      hash: location.hash,
    }));
    if (signedIn && screen.signIn) throw new Error(`${name}: Lighthouse saw the sign-in screen, not ${path}`);
    const lhr = runner.lhr;
    if (lhr.runtimeError) throw new Error(`${name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(`${OUT}/lighthouse-${name}.json`, runner.report);
    const score = (c) => Math.round(lhr.categories[c].score * 100);
    const audit = (id) => lhr.audits[id];
    return {
      name,
      path,
      signed_in: signedIn,
      lighthouse: lhr.lighthouseVersion,
      form_factor: lhr.configSettings.formFactor,
      throttling: lhr.configSettings.throttlingMethod,
      performance: score('performance'),
      accessibility: score('accessibility'),
      best_practices: score('best-practices'),
      lcp_ms: audit('largest-contentful-paint').numericValue,
      fcp_ms: audit('first-contentful-paint').numericValue,
      tbt_ms: audit('total-blocking-time').numericValue,
      si_ms: audit('speed-index').numericValue,
      cls: audit('cumulative-layout-shift').numericValue,
      // Every weighted audit short of full marks: what keeps each score down.
      failing: Object.entries(lhr.categories).flatMap(([c, cat]) => cat.auditRefs
        .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 1)
        .map((ref) => `${c}: ${ref.id}`)),
    };
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const results = [];
for (const [name, path, options] of [
  ['first-screen', '/', {}],
  ['operations', '/#/operations', { signedIn: true }],
]) {
  console.error(`lighthouse: ${name} (${path})`);
  results.push(await audit(name, path, options));
}
writeFileSync(`${OUT}/lighthouse.json`, JSON.stringify(results, null, 2));

console.log(`\nLighthouse ${results[0].lighthouse}, ${results[0].form_factor} preset, ${results[0].throttling} throttling (slow 4G, 4× CPU), fresh profile each`);
for (const r of results) {
  console.log(`${r.name} (${r.path}${r.signed_in ? ', signed in' : ', first visit'}): performance ${r.performance}, accessibility ${r.accessibility}, best practices ${r.best_practices}; ` +
    `LCP ${(r.lcp_ms / 1000).toFixed(2)} s, FCP ${(r.fcp_ms / 1000).toFixed(2)} s, TBT ${r.tbt_ms.toFixed(0)} ms, CLS ${r.cls.toFixed(3)}${r.signed_in ? ' (target ≤ 0.1)' : ''}`);
  if (r.failing.length) console.log(`  audits below full marks: ${r.failing.join(', ')}`);
}
console.log(`written: bench-results/lighthouse.json and each report as bench-results/lighthouse-<name>.json`);
