// The bench command's sync half (never a test): push of 10,000 events from a browser to the
// endpoint, and pull + apply of them into a fresh browser, each beside the floor of one plain
// unsigned JSON POST / GET of the same records (+ one IndexedDB transaction) measured in the
// same run against a plain endpoint (crates/server/examples/plain_endpoint.rs).
// Each run has a fresh endpoint of its own, so no run pulls what an earlier one pushed.
// Then, in the same run, PouchDB's replication of the same number of documents (the anchor of
// ../shared/anchors/pouchdb-sync, set up by tools/bench.sh in POUCHDB_ANCHOR_DIR): our push and
// pull + apply as ratios to its push and pull, with its defaults and with batch_size 1000.
// Usage: node bench/sync-bench.mjs <plain endpoint url> <first free port>
// RUNS=n (3), DISK=1 (browser profiles on disk, not in memory), PHASES=1 (each page's times),
// PROFILE=<file> (a CPU profile of the pull), PUSH_PROFILE=<file> (of the push),
// POUCHDB_ANCHOR_DIR= (unset: PouchDB not run),
// POUCHDB_REPS=n (RUNS).
import { chromium } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../playwright.config.mjs';
import { openApp } from '../helpers.mjs';

const [plainURL, firstPort] = process.argv.slice(2);
let baseURL;
let dataDir;
const EVENTS = 10_000;
const RUNS = Number(process.env.RUNS || 3);
// SERVER_BIN=../../target/debug runs it without the server profile's build (slower endpoint);
// DIST= serves another build of the PWA (an earlier one, to compare).
const BIN = process.env.SERVER_BIN || '../../target/server';
const TARGET = 1.5; // each of push and pull + apply, to its plain floor (issue 15)

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const step = (what) => console.log(`… ${what}`);
/** A fresh endpoint (release build) on `port`, with its own data directory. */
async function startEndpoint(port) {
  const taken = await fetch(`http://localhost:${port}/`).then(() => true, () => false);
  if (taken) throw new Error(`port ${port} is in use: stop what listens there first`);
  dataDir = mkdtempSync(join(tmpdir(), 'daicho-sync-bench-'));
  baseURL = `http://localhost:${port}`;
  // Many devices enroll from this one address: past the default burst they would be refused.
  const args = ['--port', String(port), '--data-dir', dataDir, '--dist-dir', process.env.DIST || '../../dist', '--enroll-burst', '1000'];
  // SERVER_LOG=<file>: the endpoint's log (a refusal's cause, e.g. storage_unavailable's).
  const log = process.env.SERVER_LOG ? openSync(process.env.SERVER_LOG, 'a') : 'ignore';
  const child = spawn(`${BIN}/daicho-server`, args, { stdio: ['ignore', log, log] });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${baseURL}/api/health`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
}

const code = () => execFileSync(`${BIN}/daicho-server`, ['--data-dir', dataDir, 'enroll-token'], { encoding: 'utf8' }).trim();

/** A context of its own for each run: an incognito context of the one browser (IndexedDB in
 *  memory), or with DISK=1 a browser profile of its own on disk, as a tablet keeps its
 *  registers (slower for the app and the floors alike). Closing it removes it. */
async function freshContext(browser) {
  if (!process.env.DISK) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    return { context, close: () => context.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'daicho-bench-profile-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    args: chromiumArgs,
    serviceWorkers: 'block',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn(db)` on the app's IndexedDB in the page. */
async function withDb(page, fn, arg) {
  return page.evaluate(
    async ([source, arg]) => {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('daicho');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      try {
        return await new Function('db', 'arg', `return (${source})(db, arg);`)(db, arg);
      } finally {
        db.close();
      }
    },
    [fn.toString(), arg],
  );
}

/** This device's chain head, as the app keeps it. */
const deviceState = (page) =>
  withDb(page, (db) => new Promise((resolve) => {
    const req = db.transaction('device').objectStore('device').get('self');
    req.onsuccess = () => resolve(req.result);
  }));

/** Gives the device `EVENTS` more events of its own chain (sealed natively by the same core),
 *  written as the app writes them; returns them for the floor. */
async function growChain(page) {
  const head = await deviceState(page);
  const json = execFileSync(
    `${BIN}/examples/sync_fixture`,
    [head.id, String(head.seq), head.head, String(head.hlc.wall_ms), String(EVENTS)],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const events = JSON.parse(json);
  await withDb(page, (db, events) => new Promise((resolve, reject) => {
    const tx = db.transaction(['events', 'device'], 'readwrite');
    for (const e of events) tx.objectStore('events').add(e);
    const last = events[events.length - 1];
    const device = tx.objectStore('device');
    const req = device.get('self');
    req.onsuccess = () => device.put({ ...req.result, seq: last.seq, head: last.hash, hlc: last.hlc }, 'self');
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  }), events);
  return events;
}

/** Waits until the tab's syncs are over: nothing left to send and the sync lock neither held
 *  nor asked for, for 2.5 s (longer than the runner's 1.5 s wait after a write). Not the first
 *  moment nothing is left: a sync writes its own record after its push, which the runner's next
 *  sync sends; a chain grown beside those would not be the 10,000 the bench expects (seen on
 *  a loaded machine). */
async function syncSettled(page) {
  const busy = () => page.evaluate(async () => {
    const locks = await navigator.locks.query();
    const pending = document.querySelector('.sync-state .pending')?.dataset.pending;
    return pending !== '0' || [...locks.held, ...locks.pending].some((l) => l.name === 'daicho-sync');
  });
  const deadline = Date.now() + 30_000;
  for (let quietSince = null; ;) {
    if (await busy()) quietSince = null;
    else quietSince ??= Date.now();
    if (quietSince && Date.now() - quietSince > 2500) return;
    if (Date.now() > deadline) throw new Error('the first sync did not settle in 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One device pushes its 10,000 events by 今すぐ同期: the push from the app's User Timing marks
 *  (first batch read to last batch answered, as the floor times read + POST), and the ms until
 *  the page reports the whole sync. */
async function pushRun(browser) {
  const { context, close } = await freshContext(browser);
  const page = await context.newPage();
  await openApp(page, `${baseURL}/#/sync`);
  await page.fill('#enroll-name', '本庁 タブレット1');
  await page.fill('#enroll-code', code());
  await page.click('#enroll');
  await syncSettled(page).catch(async () => {
    throw new Error(`first sync: ${await page.locator('.sync-page').innerText()}`);
  });
  // The bench holds the tabs' sync lock while the chain grows and over the reload: a sync
  // that starts by itself (the runner's timer) would send part of the chain before the timed
  // one, or have its request cut by the reload. The timed one is the sync by hand, which
  // takes the lock when released.
  await page.evaluate(() => new Promise((held) => {
    navigator.locks.request('daicho-sync', () => { held(); return new Promise(() => {}); });
  }));
  const events = await growChain(page);
  await page.addInitScript(() => {
    navigator.locks.request('daicho-sync', () => new Promise((release) => { window.benchRelease = release; }));
  });
  await page.reload();
  await page.waitForSelector(`.sync-state .pending[data-pending="${EVENTS}"]`);
  await page.waitForFunction(() => typeof window.benchRelease === 'function');
  const cdp = process.env.PUSH_PROFILE ? await startProfile(context, page) : null;
  const started = Date.now();
  await page.click('#sync-now');
  await page.evaluate(() => window.benchRelease());
  await page.waitForSelector('.sync-page > .card .status', { timeout: 300_000 }).catch(async (e) => {
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name}@${m.startTime.toFixed(0)}`).join(' '));
    throw new Error(`sync by hand did not report: ${await page.locator('.sync-page').innerText()}\nmarks: ${marks}\n${e.message}`);
  });
  const ms = Date.now() - started;
  if (cdp) await stopProfile(cdp, process.env.PUSH_PROFILE);
  const status = await page.locator('.sync-page > .card .status').innerText();
  if (!status.includes(`${EVENTS}件を送信し`)) throw new Error(`push: ${status}`);
  const push = await page.evaluate(() => {
    const [start] = performance.getEntriesByName('daicho:push:start');
    const [end] = performance.getEntriesByName('daicho:push:end');
    return end.startTime - start.startTime;
  });
  if (process.env.PHASES) {
    // Each batch's POST: sent at (from the first batch read), the endpoint's answer, and the gap
    // before the next was sent (the browser's reading, signing and sending).
    const posts = await page.evaluate(() => {
      const [start] = performance.getEntriesByName('daicho:push:start');
      return performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'fetch' && r.name.endsWith('/api/events'))
        .map((r) => [r.startTime - start.startTime, r.responseStart - r.requestStart, r.responseEnd - r.responseStart]);
    });
    console.log(`  batches (sent at, endpoint's answer, body): ${posts.map((r) => r.map((x) => x.toFixed(0)).join('/')).join(' ')}`);
  }
  console.log(`  push ${push.toFixed(0)} ms; the whole sync by hand (the push, an empty pull, its sync record, until the page says so) ${ms} ms`);
  await close();
  return { ms: push, whole: ms, events };
}

/** With PROFILE=<file>, the pull runs under the CPU profiler (for finding where time goes; open
 *  the file in DevTools' Performance panel or sum it with bench/profile-summary.mjs). */
async function startProfile(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return cdp;
}

async function stopProfile(cdp, file) {
  const { profile } = await cdp.send('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
}

/** A fresh device joins the town: enroll + pull + apply of everything. Gives the ms until
 *  sign-in shows (the join) and the pull + apply alone, from the app's User Timing marks
 *  (`daicho:pull:start` to `daicho:pull:end`), the figure set beside the floor's GET + put. */
async function pullRun(browser, expected) {
  const { context, close } = await freshContext(browser);
  const page = await context.newPage();
  await page.goto(`${baseURL}/`);
  await page.waitForSelector('#join-code');
  await page.fill('#join-name', '中湧別出張所 タブレット1');
  await page.fill('#join-code', code());
  const cdp = process.env.PROFILE ? await startProfile(context, page) : null;
  await page.evaluate(() => performance.mark('bench:join'));
  const started = Date.now();
  await page.click('#join');
  await page.waitForSelector('[data-screen="sign-in"]', { timeout: 300_000 });
  const ms = Date.now() - started;
  if (cdp) await stopProfile(cdp, process.env.PROFILE);
  const phases = await page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name).map((m) => m.startTime);
    const [join] = at('bench:join');
    const [start] = at('daicho:pull:start');
    const [end] = at('daicho:pull:end');
    const pages = at('daicho:pull:applied').map((t, i, all) => t - (i ? all[i - 1] : start));
    const fetched = at('daicho:pull:fetched').map((t) => t - start);
    const applied = at('daicho:pull:applied').map((t) => t - start);
    // Each page's request: sent, answered (first byte: the endpoint's time), read whole.
    const requests = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/pull'))
      .map((r) => [r.requestStart - start, r.responseStart - r.requestStart, r.responseEnd - r.responseStart]);
    return { before: start - join, pull: end - start, pages, fetched, applied, requests };
  });
  console.log(`  join ${ms} ms: enroll and push before the pull ${phases.before.toFixed(0)} ms, pull + apply ${phases.pull.toFixed(0)} ms; pages ${phases.pages.map((p) => p.toFixed(0)).join(' ')}`);
  if (process.env.PHASES) {
    console.log(`  fetched at ${phases.fetched.map((p) => p.toFixed(0)).join(' ')}; applied at ${phases.applied.map((p) => p.toFixed(0)).join(' ')}`);
    console.log(`  requests (sent at, endpoint's answer, body): ${phases.requests.map((r) => r.map((x) => x.toFixed(0)).join('/')).join(' ')}`);
  }
  const held = await withDb(page, (db) => new Promise((resolve) => {
    const req = db.transaction('events').objectStore('events').count();
    req.onsuccess = () => resolve(req.result);
  }));
  if (held < expected) throw new Error(`pull: ${held} events, expected at least ${expected}`);
  await close();
  return { ms, pull: phases.pull };
}

/** Runs `fn(arg)` in a page of a fresh context on the plain endpoint's origin. */
async function onPlainOrigin(browser, fn, arg) {
  const { context, close } = await freshContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(`${plainURL}/`);
    return await page.evaluate(fn, arg);
  } finally {
    await close();
  }
}

/** The push floor: read the records in one IndexedDB transaction and POST them as one JSON
 *  body (after filling the store they are read from, as the app's push reads its own). */
const pushFloor = (browser, events) => onPlainOrigin(browser, async (events) => {
  const source = await new Promise((resolve, reject) => {
    const req = indexedDB.open('floor-source', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('events', { keyPath: ['device', 'seq'] });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const fill = source.transaction('events', 'readwrite');
  for (const e of events) fill.objectStore('events').put(e);
  await new Promise((resolve) => { fill.oncomplete = resolve; });
  const t = performance.now();
  const all = await new Promise((resolve) => {
    const req = source.transaction('events').objectStore('events').getAll();
    req.onsuccess = () => resolve(req.result);
  });
  const answer = await fetch('/plain', { method: 'POST', body: JSON.stringify(all), headers: { 'content-type': 'application/json' } });
  const posted = await answer.text();
  const ms = performance.now() - t;
  if (!answer.ok || Number(posted) !== events.length) throw new Error(`plain POST: ${answer.status} ${posted}`);
  return ms;
}, events);

/** A pull floor: GET the records the push floor posted and write them in one transaction in
 *  a fresh context of its own — the first bulk write of that browser, as the app's pull into
 *  a new tablet is (a context that has just written 10,000 records writes the next 10,000
 *  about 0.5 s faster: a floor measured warm would be lower than any app could be). `layout`:
 *  `plain` (one record, no index: the floor); `app`, as the app stores a pulled entry since
 *  schema 11 (the event with seven index entries: the kind index leaves entries out, four over
 *  the entry's own fields; and one occupancy record per room); `schema10`, as it stored one
 *  before (eight: the kind index over every event too). */
const pullFloor = (browser, expected, layout) => onPlainOrigin(browser, async ({ expected, layout }) => {
  const EVENT_INDEXES = [['by_kind', 'kind_key'], ['refers', 'refers'], ['by_time', 'hlc.wall_ms'],
    ['by_operator_time', ['operator', 'hlc.wall_ms']]];
  const ENTRY_INDEXES = [['entry_by_time', 'payload.entered_at'],
    ['entry_by_room_time', ['payload.room_id', 'payload.entered_at']],
    ['entry_by_person_time', ['payload.person_id', 'payload.entered_at']],
    ['entry_by_room_person_time', ['payload.room_id', 'payload.person_id', 'payload.entered_at']]];
  const SCHEMA_10 = [['by_kind_10', 'kind']];
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(`floor-${layout}`, 1);
    req.onupgradeneeded = () => {
      const events = req.result.createObjectStore('events', { keyPath: ['device', 'seq'] });
      if (layout === 'plain') return;
      const indexes = [...EVENT_INDEXES, ...ENTRY_INDEXES, ...(layout === 'schema10' ? SCHEMA_10 : [])];
      for (const [name, path] of indexes) events.createIndex(name, path);
      req.result.createObjectStore('occupancy', { keyPath: 'room_id' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const id = (e) => `${e.device}:${e.seq}`;
  const stores = layout === 'plain' ? ['events'] : ['events', 'occupancy'];
  const t = performance.now();
  const got = await (await fetch('/plain')).json();
  if (got.length !== expected) throw new Error(`plain GET: ${got.length} records, posted ${expected}`);
  const tx = db.transaction(stores, 'readwrite');
  const rooms = new Map();
  for (const e of got) {
    if (layout === 'plain') tx.objectStore('events').put(e);
    if (layout !== 'plain') {
      tx.objectStore('events').add(e);
      if (!rooms.has(e.payload.room_id)) rooms.set(e.payload.room_id, []);
      rooms.get(e.payload.room_id).push(id(e));
    }
  }
  for (const [room_id, inside] of rooms) tx.objectStore('occupancy').put({ room_id, inside });
  await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  const ms = performance.now() - t;
  const count = await new Promise((resolve) => {
    const req = db.transaction('events').objectStore('events').count();
    req.onsuccess = () => resolve(req.result);
  });
  if (count !== expected) throw new Error(`${layout} floor stored ${count} of ${expected}`);
  return ms;
}, { expected, layout });

/** The floors of one run, beside the app's: the push, then each pull layout. */
async function floorRun(browser, events) {
  const push = await pushFloor(browser, events);
  const floors = { push };
  for (const layout of ['plain', 'app', 'schema10']) floors[layout] = await pullFloor(browser, events.length, layout);
  return { push, pull: floors.plain, app: floors.app, schema10: floors.schema10 };
}

/** PouchDB's replication of `EVENTS` documents, pushed to and pulled from express-pouchdb, by
 *  the anchor's own run.js (a browser of its own with an on-disk profile, its own plain floors);
 *  the medians of each replication, in ms. */
async function pouchdbAnchor(dir) {
  const before = new Set(readdirSync(join(dir, 'results'), { withFileTypes: false }).filter((f) => f.startsWith('run-')));
  const reps = process.env.POUCHDB_REPS || String(RUNS);
  const child = spawn(process.execPath, ['run.js'], {
    cwd: dir,
    env: { ...process.env, PARTS: 'sync', REPS: reps },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Its progress lines, indented under ours; its closing table is summarised below instead.
  child.stdout.on('data', (d) => {
    for (const line of d.toString().split('\n')) if (/^\d\d:\d\d:\d\d rep /.test(line)) console.log(`  ${line}`);
  });
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`PouchDB anchor: run.js exited with ${code}`);
  const [file] = readdirSync(join(dir, 'results')).filter((f) => f.startsWith('run-') && !before.has(f));
  const run = JSON.parse(readFileSync(join(dir, 'results', file), 'utf8'));
  const ms = (label) => {
    const samples = run.samples[`${label}|${EVENTS}`];
    if (!samples?.length) throw new Error(`PouchDB anchor: no samples of "${label}" for ${EVENTS} documents in ${file}`);
    return median(samples.map((s) => s.ms));
  };
  const bs = run.config.BS;
  return {
    file: join(dir, 'results', file),
    reps: Number(reps),
    batch_size: bs,
    push_ms: ms('pouch replicate push (defaults)'),
    pull_ms: ms('pouch replicate pull (defaults)'),
    push_batch_ms: ms(`pouch replicate push (batch_size ${bs})`),
    pull_batch_ms: ms(`pouch replicate pull (batch_size ${bs})`),
    floor_push_ms: ms('raw fetch push (IDB getAll + 1 POST)'),
    floor_pull_ms: ms('raw fetch pull (1 GET + IDB 1 tx)'),
  };
}
if (process.env.POUCHDB_ANCHOR_DIR) mkdirSync(join(process.env.POUCHDB_ANCHOR_DIR, 'results'), { recursive: true });

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
const push = [];
const pull = [];
const pullOnly = [];
const syncByHand = [];
const floors = [];
for (let run = 1; run <= RUNS; run++) {
  const stop = await startEndpoint(Number(firstPort) + run);
  let pushed;
  try {
    step(`push of ${EVENTS} events, run ${run}/${RUNS}`);
    pushed = await pushRun(browser);
    push.push(pushed.ms);
    syncByHand.push(pushed.whole);
    step(`pull + apply into a fresh browser, run ${run}/${RUNS}`);
    const joined = await pullRun(browser, EVENTS);
    pull.push(joined.ms);
    pullOnly.push(joined.pull);
  } finally {
    await stop();
  }
  // The floor in each run, beside the app's, so both see the same machine.
  step(`floor: plain JSON POST / GET + one IndexedDB transaction, run ${run}/${RUNS}`);
  floors.push(await floorRun(browser, pushed.events));
}
await browser.close();
let pouchdb = null;
if (process.env.POUCHDB_ANCHOR_DIR) {
  step(`PouchDB: replication of ${EVENTS} documents, push and pull, defaults and a larger batch_size`);
  pouchdb = await pouchdbAnchor(process.env.POUCHDB_ANCHOR_DIR);
}
const floor = Object.fromEntries(['push', 'pull', 'app', 'schema10'].map((k) => [k, floors.map((f) => f[k])]));

const result = {
  events: EVENTS,
  runs: RUNS,
  push_ms: median(push),
  sync_by_hand_ms: median(syncByHand),
  join_ms: median(pull),
  pull_apply_ms: median(pullOnly),
  floor_push_ms: median(floor.push),
  floor_pull_ms: median(floor.pull),
  app_layout_floor_pull_ms: median(floor.app),
  schema10_layout_floor_pull_ms: median(floor.schema10),
  samples: { push, sync_by_hand: syncByHand, join: pull, pull: pullOnly, floor },
  per_run: push.map((p, i) => ({ push_vs_floor: p / floors[i].push, pull_vs_floor: pullOnly[i] / floors[i].pull })),
  pouchdb,
  targets: { push_vs_floor: TARGET, pull_vs_floor: TARGET },
};
mkdirSync('../../bench-results', { recursive: true });
writeFileSync('../../bench-results/sync.json', JSON.stringify(result, null, 2));
const ratio = (a, b) => (a / b).toFixed(2);
console.log(`\nDaichō sync bench (${EVENTS} events, medians of ${RUNS}; floor measured in this run)`);
console.log(`push, signed batches of 1,000:   ${(result.push_ms / 1000).toFixed(2)} s  vs plain POST ${(result.floor_push_ms / 1000).toFixed(2)} s → ${ratio(result.push_ms, result.floor_push_ms)}× floor (target ≤ ${TARGET}×)`);
console.log(`  (the app's own marks, first batch read to last batch answered; the whole sync by hand took ${(result.sync_by_hand_ms / 1000).toFixed(2)} s, ${ratio(result.sync_by_hand_ms, result.floor_push_ms)}× floor)`);
console.log(`pull + apply of ${EVENTS}:          ${(result.pull_apply_ms / 1000).toFixed(2)} s  vs plain GET + put ${(result.floor_pull_ms / 1000).toFixed(2)} s → ${ratio(result.pull_apply_ms, result.floor_pull_ms)}× floor (target ≤ ${TARGET}×)`);
console.log(`  (the app's own marks, first page asked to last page stored; the whole join of a new tablet — enrolling, the pull, its sync record, until sign-in shows — took ${(result.join_ms / 1000).toFixed(2)} s, ${ratio(result.join_ms, result.floor_pull_ms)}× floor)`);
console.log(`  the same GET written by raw JS as the app stores it (the event, 7 index entries; a record per room of who is inside): ${(result.app_layout_floor_pull_ms / 1000).toFixed(2)} s → ${ratio(result.app_layout_floor_pull_ms, result.floor_pull_ms)}× the plain floor; pull + apply is ${ratio(result.pull_apply_ms, result.app_layout_floor_pull_ms)}× that`);
console.log(`  … as schema 10 stored it (8 index entries): ${(result.schema10_layout_floor_pull_ms / 1000).toFixed(2)} s → ${ratio(result.schema10_layout_floor_pull_ms, result.floor_pull_ms)}× the plain floor`);
console.log(`each run, to its own floor (target ≤ ${TARGET}× each):`);
result.per_run.forEach((r, i) => {
  const over = (x) => (x > TARGET ? ' over' : '');
  console.log(`  run ${i + 1}: push ${(push[i] / 1000).toFixed(2)} s / ${(floors[i].push / 1000).toFixed(2)} s = ${r.push_vs_floor.toFixed(2)}×${over(r.push_vs_floor)}; pull + apply ${(pullOnly[i] / 1000).toFixed(2)} s / ${(floors[i].pull / 1000).toFixed(2)} s = ${r.pull_vs_floor.toFixed(2)}×${over(r.pull_vs_floor)}`);
});
if (pouchdb) {
  const p = pouchdb;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`PouchDB replication of the same ${EVENTS} documents, this run (medians of ${p.reps}; its own browser, profile on disk; its plain floors POST ${s(p.floor_push_ms)}, GET + 1 tx ${s(p.floor_pull_ms)}):`);
  console.log(`  push: defaults ${s(p.push_ms)}, batch_size ${p.batch_size} ${s(p.push_batch_ms)} → ours ${s(result.push_ms)} is ${ratio(result.push_ms, p.push_ms)}× and ${ratio(result.push_ms, p.push_batch_ms)}× theirs`);
  console.log(`  pull: defaults ${s(p.pull_ms)}, batch_size ${p.batch_size} ${s(p.pull_batch_ms)} → our pull + apply ${s(result.pull_apply_ms)} is ${ratio(result.pull_apply_ms, p.pull_ms)}× and ${ratio(result.pull_apply_ms, p.pull_batch_ms)}× theirs`);
  console.log(`  (its samples: ${p.file})`);
} else {
  console.log('PouchDB: not run (POUCHDB_ANCHOR_DIR unset; tools/bench.sh sets it up)');
}
console.log('written: bench-results/sync.json');
