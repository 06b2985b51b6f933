// The installable app: its manifest, and a service worker cache holding exactly this build.
import { test, expect } from '@playwright/test';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { layoutShifts, openApp, waitForServiceWorker } from './helpers.mjs';

const DIST = '../../dist';

function builtFiles(dir = DIST) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return builtFiles(path);
    // The .br and .gz beside a file are encodings the server sends of it, not files of their own.
    return /\.(br|gz)$/.test(name) ? [] : [`/${relative(DIST, path)}`];
  });
}

/** Holds the wasm back until the returned function is called: the page shows meanwhile what
 *  it shows on a slow link before the app runs. */
async function holdWasm(page) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(/_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

test('the manifest names the app 台帳 and its icons load', async ({ page, request }) => {
  await openApp(page);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await (await request.get(href)).json();
  expect(manifest.name).toBe('台帳');
  expect(manifest.short_name).toBe('台帳');
  expect(manifest.display).toBe('standalone');
  expect(manifest.start_url).toBe('/');
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
  const sizes = manifest.icons.map((i) => i.sizes);
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons) {
    const response = await request.get(icon.src);
    expect(response.status(), icon.src).toBe(200);
    expect(response.headers()['content-type']).toContain(icon.type.split('+')[0]);
  }
});

test('the service worker caches exactly the files of this build', async ({ page }) => {
  await openApp(page);
  await waitForServiceWorker(page);
  const cached = await page.evaluate(async () => {
    const [name] = await caches.keys();
    const requests = await (await caches.open(name)).keys();
    return requests.map((r) => new URL(r.url).pathname);
  });
  const expected = builtFiles().filter((f) => f !== '/sw.js');
  expect(cached.sort()).toEqual(expected.sort());
  // Trunk's hashed build files are among them: the list is this build's, not hand-written.
  expect(cached.some((f) => /^\/daicho-[0-9a-f]{12,16}_bg\.wasm$/.test(f))).toBe(true);
});

test('a first visit downloads each hashed build file once: the worker takes the page\'s copy', async ({ page, context }) => {
  await openApp(page);
  await waitForServiceWorker(page);
  // What crossed the wire for each file, as the page and the worker each saw it (a transfer
  // size of 0 is a copy from the HTTP cache).
  const transfers = (entries) =>
    Object.fromEntries(entries.map((e) => [new URL(e.name).pathname, e.transferSize]));
  const pageSaw = transfers(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.toJSON())));
  const [worker] = context.serviceWorkers();
  const workerSaw = transfers(await worker.evaluate(() => performance.getEntriesByType('resource').map((e) => e.toJSON())));
  const wasm = Object.keys(pageSaw).find((f) => /_bg\.wasm$/.test(f));
  expect(pageSaw[wasm], 'the page downloads the wasm').toBeGreaterThan(100_000);
  const hashed = builtFiles().filter((f) => /-[0-9a-f]{12,16}(_bg)?\.(wasm|js|css)$/.test(f));
  expect(hashed.length).toBeGreaterThanOrEqual(3);
  for (const file of hashed) {
    expect(workerSaw[file] ?? 0, `the worker downloads ${file} again`).toBe(0);
  }
  // The unhashed files may be another build's in the HTTP cache: the worker fetches them.
  expect(workerSaw['/index.html'], 'index.html fetched fresh').toBeGreaterThan(0);
});

test('the first screen shows at once, before the wasm, and the app takes its place', async ({ page }) => {
  // Hold the wasm back: what shows meanwhile is index.html's own first screen.
  const release = await holdWasm(page);
  await page.goto('/');
  const first = page.locator('#first-screen');
  await expect(first.locator('header.app-header h1')).toContainText('台帳');
  await expect(first.locator('div.starting')).toContainText('台帳を起動しています');
  await expect(first.locator('div.starting')).toHaveAttribute('aria-busy', 'true');
  await page.screenshot({ path: 'test-results/first-screen.png' });
  release();
  await expect(page.locator('[data-screen], [data-ready="true"]').first()).toBeVisible();
  // Underneath the app, out of use: hidden from assistive technology, no second header.
  await expect(first).toHaveAttribute('aria-hidden', 'true');
  await expect(first).toHaveAttribute('inert', '');
  const covered = await page.evaluate(() => {
    const box = document.querySelector('#first-screen .starting').getBoundingClientRect();
    const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return top.closest('.app-layer') !== null;
  });
  expect(covered, 'the app covers the first screen').toBe(true);
  await expect(page.locator('header.app-header')).toHaveCount(1);
  await expect(page.locator('main')).toHaveCount(1);
  const { total, shifts } = await layoutShifts(page);
  expect(total, JSON.stringify(shifts)).toBeLessThanOrEqual(0.01);
});

test('on a phone, the first screen stays the largest paint: nothing the app shows after is larger', async ({ page }) => {
  await page.setViewportSize({ width: 412, height: 823 });
  // The first screen painted for sure before the wasm runs, as on a slow link.
  const release = await holdWasm(page);
  await page.goto('/');
  await expect(page.locator('#first-screen p.loading')).toBeVisible();
  const released = await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))),
  );
  release();
  await expect(page.locator('[data-screen="setup"]')).toBeVisible();
  // A larger element of the app would be a later largest-contentful-paint entry.
  const paints = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const seen = [];
        new PerformanceObserver((list) => seen.push(...list.getEntries())).observe({ type: 'largest-contentful-paint', buffered: true });
        setTimeout(() => resolve(seen.map((e) => ({ at: e.startTime, size: e.size }))), 200);
      }),
  );
  expect(paints.length).toBeGreaterThanOrEqual(1);
  for (const paint of paints) expect(paint.at, JSON.stringify({ released, paints })).toBeLessThan(released);
});
