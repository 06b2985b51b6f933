// The bench command's history half (never a test): the operation history (第12条) at seven
// years of a busy town — 1,000,000 events, ~390 a day, 60 operators, 10 devices — asked
// (a) one operator's acts in a month and (b) counts per day over a year, through the app's own
// query code (`window.daichoHistory`, installed by the 操作履歴 page), each beside the raw
// IndexedDB floor for the same question and the anchor (a 30-day range of one room out of
// 1,000,000 logbook lines, raw getAll: 168 ms when first measured), all measured in this run.
// Usage: node bench/history-bench.mjs <base url>   (tools/bench.sh starts the server)
// EVENTS= and RUNS= scale it down for a quick look.
import { chromium } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../playwright.config.mjs';
import { openApp, signInIfAsked } from '../helpers.mjs';

const [baseURL] = process.argv.slice(2);
const EVENTS = Number(process.env.EVENTS || 1_000_000);
const RUNS = Number(process.env.RUNS || 7);
const ANCHOR_MS = 168;
const DAYS = 7 * 365;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const step = (what) => console.error(`history bench: ${what}`);

/** Writes the town's seven years straight into the app's stores (the events, their day
 *  counts as the app keeps them, and the logbook lines of the anchor), in big transactions:
 *  writing a million events through the app would take hours, and only reads are timed. */
async function fill(page, events) {
  return page.evaluate(async ({ events, days }) => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('daicho');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const commit = (tx) => new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      // A quota refusal aborts the transaction without an error event: fail, never hang.
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    });
    const DAY = 86_400_000;
    const JST = 9 * 3_600_000;
    const today = Math.floor((Date.now() + JST) / DAY);
    const first = today - days;
    // Mostly the door's logbook, then sign-ins, keys, prints and syncs; payloads as the app
    // writes them (the app's query decodes every row it returns).
    const kinds = ['entry_recorded', 'entry_recorded', 'exit_recorded', 'exit_recorded', 'key_lent',
      'signed_in', 'signed_out', 'sign_in_failed', 'printed', 'synced'];
    const payload = (kind, op, device, at) => {
      switch (kind) {
        case 'entry_recorded':
          return { room_id: 'default-level-1', person_id: op, person: { name: '計測 太郎', affiliation: '総務課' },
            purpose: '窓口業務', name_tag_worn: true, entered_at: at };
        case 'exit_recorded': return { entry: `${device}:1`, exited_at: at };
        case 'key_lent':
          return { key_id: 'key-1', person_id: op, purpose: '点検', lent_at: at, due_back: at + 3_600_000, lent_by: op };
        case 'signed_in': return { person_id: op, method: 'pin' };
        case 'printed': return { what: 'key_logbook', period: '2026-11' };
        case 'synced': return { pushed: 3, pulled: 5 };
        default: return { person_id: op };
      }
    };
    const perDay = events / days;
    const seqs = {};
    let rng = 42;
    const rand = (n) => {
      rng = (Math.imul(rng, 1_664_525) + 1_013_904_223) >>> 0;
      return (rng >>> 8) % n;
    };
    const CHUNK = 20_000;
    const bump = (map, key, n) => {
      map[key] = (map[key] || 0) + n;
    };
    for (let from = 0; from < events; from += CHUNK) {
      const tx = db.transaction(['events', 'history_days', 'history_cells'], 'readwrite');
      const store = tx.objectStore('events');
      const counts = new Map();
      for (let i = from; i < Math.min(from + CHUNK, events); i++) {
        const day = first + Math.floor(i / perDay);
        // Office hours, 08:00–18:00 JST, in order through the day.
        const at = day * DAY - JST + 8 * 3_600_000 + Math.floor(((i % perDay) / perDay) * 36_000_000);
        const op = `op-${rand(60)}`;
        const device = `bench-device-${rand(10)}`;
        const kind = kinds[rand(kinds.length)];
        const seq = (seqs[device] = (seqs[device] || 0) + 1);
        store.add({
          device, seq, hlc: { wall_ms: at, counter: 0 }, operator: op, kind,
          payload: payload(kind, op, device, at), prev_hash: '', hash: '',
        });
        const d = Math.floor((at + JST) / DAY);
        const cells = counts.get(d) || counts.set(d, new Map()).get(d);
        const cell = `${op}\u001f${device}\u001f${kind}`;
        cells.set(cell, (cells.get(cell) || 0) + 1);
      }
      // The day counts as the app keeps them (added to what the day already holds).
      const totals = tx.objectStore('history_days');
      const combined = tx.objectStore('history_cells');
      for (const [d, cells] of counts) {
        const getTotals = totals.get(d);
        const getCells = combined.get(d);
        getCells.onsuccess = () => {
          const t = getTotals.result || { day: d, n: 0, operators: {}, devices: {}, kinds: {} };
          const c = getCells.result || { day: d, cells: {} };
          for (const [cell, n] of cells) {
            const [op, device, kind] = cell.split('\u001f');
            t.n += n;
            bump(t.operators, op, n);
            bump(t.devices, device, n);
            bump(t.kinds, kind, n);
            bump(c.cells, cell, n);
          }
          totals.put(t);
          combined.put(c);
        };
      }
      await commit(tx);
    }
    db.close();
    // The anchor's logbook: 1,000,000 lines of one room, one a minute, in a database of its
    // own shaped as the logbook was stored when the anchor was first measured (schema 8: a
    // store of lines, indexed by room and time), so the anchor stays the same question.
    const anchor = await new Promise((resolve, reject) => {
      const open = indexedDB.open('history-bench-anchor', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('entries', { keyPath: 'id' })
        .createIndex('by_room_time', ['room_id', 'entered_at']);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const start = Date.now() - 700 * DAY;
    for (let from = 0; from < 1_000_000; from += CHUNK) {
      const tx = anchor.transaction('entries', 'readwrite');
      const entries = tx.objectStore('entries');
      for (let i = from; i < from + CHUNK; i++) {
        const at = start + i * 60_000;
        entries.put({
          id: `bench:${i + 1}`, room_id: 'default-level-1', person_id: 'bench', name: '計測 花子',
          affiliation: '総務課', purpose: '計測', name_tag_worn: true, entered_at: at,
          entered_by: 'bench', exited_at: at + 30_000, exited_by: 'bench',
        });
      }
      await commit(tx);
    }
    anchor.close();
    return { today, first, anchorStart: start };
  }, { events, days: DAYS });
}

/** One round: the app's two questions, their raw floors, and the anchor, interleaved so all
 *  see the same machine load. */
async function round(page, { today, anchorStart }, i) {
  return page.evaluate(async ({ today, anchorStart, i }) => {
    const DAY = 86_400_000;
    const JST = 9 * 3_600_000;
    const opened = (name) => new Promise((resolve) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
    });
    const db = await opened('daicho');
    const anchorDb = await opened('history-bench-anchor');
    const req = (r) => new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const time = async (fn) => {
      const t0 = performance.now();
      const n = await fn();
      return { ms: performance.now() - t0, n };
    };
    // A month and a year well inside the seven, a different operator each round.
    const op = `op-${(i * 7) % 60}`;
    const monthFrom = today - 400 - i * 31;
    const monthTo = monthFrom + 29;
    const yearFrom = today - 3 * 365 - i;
    const yearTo = yearFrom + 364;
    const start = (d) => d * DAY - JST;
    const events = () => db.transaction('events').objectStore('events');

    const anchor = await time(async () => {
      const from = anchorStart + (100 + i) * DAY;
      const range = IDBKeyRange.bound(['default-level-1', from], ['default-level-1', from + 30 * DAY], false, true);
      return (await req(anchorDb.transaction('entries').objectStore('entries').index('by_room_time').getAll(range))).length;
    });
    const monthApp = await time(() => window.daichoHistory.rows(op, monthFrom, monthTo));
    const monthRaw = await time(async () => {
      const range = IDBKeyRange.bound([op, start(monthFrom)], [op, start(monthTo + 1)], false, true);
      return (await req(events().index('by_operator_time').getAll(range))).length;
    });
    const yearApp = await time(() => window.daichoHistory.days(yearFrom, yearTo));
    // The floor without day counts: a count of the time index per day, in one transaction.
    const yearCounts = await time(async () => {
      const index = events().index('by_time');
      const days = [];
      for (let d = yearFrom; d <= yearTo; d++) {
        days.push(req(index.count(IDBKeyRange.bound(start(d), start(d + 1), false, true))));
      }
      return (await Promise.all(days)).reduce((a, b) => a + b, 0);
    });
    // The floor of the design kept: the same year's day records, raw getAll.
    const yearDays = await time(async () => {
      const rows = await req(db.transaction('history_days').objectStore('history_days').getAll(IDBKeyRange.bound(yearFrom, yearTo)));
      return rows.reduce((a, r) => a + r.n, 0);
    });
    db.close();
    anchorDb.close();
    return { anchor, monthApp, monthRaw, yearApp, yearCounts, yearDays };
  }, { today, anchorStart, i });
}

// A profile on disk: an incognito context keeps IndexedDB in memory, under a quota two million
// records exceed.
const profile = mkdtempSync(join(tmpdir(), 'daicho-history-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', args: chromiumArgs, baseURL, locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
});
const page = context.pages()[0] || (await context.newPage());
await openApp(page, '/#/operations');
step(`filling ${EVENTS} events over seven years and 1,000,000 logbook lines`);
const t0 = Date.now();
const filled = await fill(page, EVENTS);
const fillSeconds = (Date.now() - t0) / 1000;
step(`filled in ${fillSeconds.toFixed(0)} s; ${RUNS} rounds`);
// Reopening a browser that holds seven years is a figure of its own (IndexedDB reopens its
// files, the app starts and reads the page's first month). A fill longer than the idle time
// (5 minutes) has signed the tablet out meanwhile, as it should: sign in again, untimed.
const t1 = Date.now();
await page.reload();
await page.waitForSelector('[data-screen], .operations-page[data-ready="true"]', { timeout: 600_000 });
const reopenSeconds = (Date.now() - t1) / 1000;
await signInIfAsked(page);
const t2 = Date.now();
await page.waitForSelector('.operations-page[data-ready="true"]', { timeout: 600_000 });
const readySeconds = (Date.now() - t2) / 1000;
step(`reopened in ${reopenSeconds.toFixed(1)} s; after sign-in the page was ready in ${readySeconds.toFixed(1)} s`);
await round(page, filled, RUNS); // warm-up, not counted
const rounds = [];
for (let i = 0; i < RUNS; i++) rounds.push(await round(page, filled, i));
await context.close();
rmSync(profile, { recursive: true, force: true });

const med = (key) => median(rounds.map((r) => r[key].ms));
const result = {
  events: EVENTS,
  runs: RUNS,
  fill_seconds: fillSeconds,
  reopen_seconds: reopenSeconds,
  ready_after_sign_in_seconds: readySeconds,
  anchor_30_days_one_room_raw_ms: med('anchor'),
  anchor_first_measured_ms: ANCHOR_MS,
  month_one_operator: { app_ms: med('monthApp'), raw_ms: med('monthRaw'), rows: rounds.map((r) => r.monthApp.n) },
  year_counts_per_day: {
    app_ms: med('yearApp'),
    raw_index_counts_ms: med('yearCounts'),
    raw_day_records_ms: med('yearDays'),
    events: rounds.map((r) => r.yearApp.n),
  },
};
for (const r of rounds) {
  if (r.monthApp.n !== r.monthRaw.n) throw new Error(`month: app read ${r.monthApp.n}, raw ${r.monthRaw.n}`);
  if (r.yearApp.n !== r.yearCounts.n || r.yearApp.n !== r.yearDays.n) {
    throw new Error(`year: app counted ${r.yearApp.n}, raw ${r.yearCounts.n} / ${r.yearDays.n}`);
  }
}
mkdirSync('../../bench-results', { recursive: true });
writeFileSync('../../bench-results/history.json', JSON.stringify(result, null, 2));

const ratio = (a, b) => (a / b).toFixed(2);
const a = result.anchor_30_days_one_room_raw_ms;
const m = result.month_one_operator;
const y = result.year_counts_per_day;
console.log(`\nDaichō history bench (${EVENTS} events over seven years; medians of ${RUNS}; floors measured in this run)`);
console.log(`anchor: 30 days of one room out of 1,000,000 lines, raw getAll: ${a.toFixed(1)} ms (first measured ${ANCHOR_MS} ms)`);
console.log(`(a) one operator's acts in a month (~${Math.round(median(m.rows))} rows): app ${m.app_ms.toFixed(1)} ms  vs raw getAll ${m.raw_ms.toFixed(1)} ms → ${ratio(m.app_ms, m.raw_ms)}× floor; ${ratio(m.app_ms, a)}× the anchor (target ≤ 1.2×)`);
console.log(`(b) counts per day over a year (~${Math.round(median(y.events))} events): app ${y.app_ms.toFixed(1)} ms  vs raw index count per day ${y.raw_index_counts_ms.toFixed(1)} ms → ${ratio(y.app_ms, y.raw_index_counts_ms)}×; vs raw getAll of the day records ${y.raw_day_records_ms.toFixed(1)} ms → ${ratio(y.app_ms, y.raw_day_records_ms)}×; ${ratio(y.app_ms, a)}× the anchor (target ≤ 1.2×)`);
console.log('written: bench-results/history.json');
