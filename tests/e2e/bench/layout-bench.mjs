// What a pulled logbook line costs IndexedDB by the way it is stored (never a test): the same
// 10,000 entry events (sealed by crates/server/examples/sync_fixture), fetched as JSON and
// written by raw JS in ten transactions of 1,000, as the app's pull writes its pages, into
// stores laid out in several ways. Each figure is the median of RUNS (3), with its ratio to the
// plain layout measured in the same run. It says what any implementation on a layout can reach:
// the app's pull cannot write fewer records or index entries than its layout holds.
// Usage: node bench/layout-bench.mjs [layout …]   (DISK=1: profiles on disk; PAGE=n: per transaction)
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../playwright.config.mjs';

const EVENTS = 10_000;
const PAGE = Number(process.env.PAGE || 1_000);
const RUNS = Number(process.env.RUNS || 3);
const GENESIS = '0'.repeat(64);

// The app's indexes until schema 10 (src/store/schema.rs): four on the events; since schema 9,
// four more over an entry event's own fields (sparse: only entries have `entered_at`). Schema
// 8 kept five on a logbook line of its own instead.
const EVENT_INDEXES = [['by_kind', 'kind'], ['refers', 'refers'], ['by_time', 'hlc.wall_ms'],
  ['by_operator_time', ['operator', 'hlc.wall_ms']]];
const ENTRY_INDEXES = [['entry_by_time', 'payload.entered_at'],
  ['entry_by_room_time', ['payload.room_id', 'payload.entered_at']],
  ['entry_by_person_time', ['payload.person_id', 'payload.entered_at']],
  ['entry_by_room_person_time', ['payload.room_id', 'payload.person_id', 'payload.entered_at']]];
const LINE_INDEXES = [['inside_room', 'inside_room'], ['by_room_time', ['room_id', 'entered_at']],
  ['by_time', 'entered_at'], ['by_person_time', ['person_id', 'entered_at']],
  ['by_room_person_time', ['room_id', 'person_id', 'entered_at']]];

// Since schema 11: the kind index over a field entries lack (`kind_key`, which the fixture's
// events do not carry, as entries do not).
const APP_INDEXES = [['by_kind', 'kind_key'], ...EVENT_INDEXES.slice(1), ...ENTRY_INDEXES];

/** Each layout: the events' indexes; the line's — in a store of its own (`lines`) or inside
 *  the event (`inside`); who is inside as one record per room (`occupancy`, written once
 *  per transaction) or one key per open entry (`open`). */
const LAYOUTS = {
  plain: { events: [] },
  'events, 4 indexes, no line': { events: EVENT_INDEXES },
  'app (schema 12): event, 7 index entries + room': { events: APP_INDEXES, occupancy: true },
  'schema 9-10: event, 8 indexes + room': { events: [...EVENT_INDEXES, ...ENTRY_INDEXES], occupancy: true },
  'event, 8 indexes + a key per open entry': { events: [...EVENT_INDEXES, ...ENTRY_INDEXES], open: true },
  'schema 8: event + line, 9 indexes': { events: EVENT_INDEXES, lines: LINE_INDEXES },
  'event + line, no index': { events: [], lines: [] },
  'line inside the event, 9 indexes': { events: EVENT_INDEXES, inside: LINE_INDEXES },
};

const fixture = execFileSync('../../target/server/examples/sync_fixture',
  ['layout-bench', '0', GENESIS, String(Date.UTC(2026, 0, 1)), String(EVENTS)], { maxBuffer: 64 << 20 });
const server = createServer((req, res) => {
  const json = req.url === '/events';
  res.writeHead(200, { 'content-type': json ? 'application/json' : 'text/html' });
  res.end(json ? fixture : '<!doctype html><title>layout bench</title>');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}/`;

/** GET the events and write them in the layout, a page per transaction; the ms taken. */
async function writeAll(page, layout) {
  return page.evaluate(async ({ layout, PAGE }) => {
    const within = (path) => (Array.isArray(path) ? path.map((p) => `line.${p}`) : `line.${path}`);
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('layout', 1);
      open.onupgradeneeded = () => {
        const events = open.result.createObjectStore('events', { keyPath: ['device', 'seq'] });
        for (const [name, path] of layout.events) events.createIndex(name, path);
        for (const [name, path] of layout.inside || []) events.createIndex(`line_${name}`, within(path));
        if (layout.open) open.result.createObjectStore('open');
        if (layout.occupancy) open.result.createObjectStore('occupancy', { keyPath: 'room_id' });
        if (!layout.lines) return;
        const lines = open.result.createObjectStore('lines', { keyPath: 'id' });
        for (const [name, path] of layout.lines) lines.createIndex(name, path);
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const line = (e) => ({ ...e.payload, id: `${e.device}/${e.seq}`, inside_room: e.payload.room_id });
    const started = performance.now();
    const events = await (await fetch('/events')).json();
    for (let from = 0; from < events.length; from += PAGE) {
      const stores = ['events', ...['lines', 'open', 'occupancy'].filter((store) => layout[store])];
      const tx = db.transaction(stores, 'readwrite');
      for (const e of events.slice(from, from + PAGE)) {
        tx.objectStore('events').add(layout.inside ? { ...e, line: line(e) } : e);
        if (layout.lines) tx.objectStore('lines').add(line(e));
        if (layout.open) tx.objectStore('open').add(1, [e.payload.room_id, e.payload.entered_at, `${e.device}:${e.seq}`]);
      }
      if (layout.occupancy) {
        const byRoom = new Map();
        for (const e of events.slice(from, from + PAGE)) {
          if (!byRoom.has(e.payload.room_id)) byRoom.set(e.payload.room_id, []);
          byRoom.get(e.payload.room_id).push(`${e.device}:${e.seq}`);
        }
        for (const [room_id, ids] of byRoom) {
          const store = tx.objectStore('occupancy');
          const req = store.get(room_id);
          req.onsuccess = () => store.put({ room_id, inside: [...(req.result?.inside || []), ...ids] });
        }
      }
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
    }
    const ms = performance.now() - started;
    const count = await new Promise((resolve) => {
      const req = db.transaction('events').objectStore('events').count();
      req.onsuccess = () => resolve(req.result);
    });
    if (count !== events.length) throw new Error(`stored ${count} of ${events.length}`);
    return ms;
  }, { layout, PAGE });
}

/** A context of its own per measure: incognito (IndexedDB in memory) or, with DISK=1, a
 *  profile on disk. */
async function measure(browser, layout) {
  const dir = process.env.DISK && mkdtempSync(join(tmpdir(), 'daicho-layout-'));
  const context = dir
    ? await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args: chromiumArgs })
    : await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(origin);
    return await writeAll(page, layout);
  } finally {
    await context.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(LAYOUTS);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
const times = Object.fromEntries(chosen.map((name) => [name, []]));
// Rounds alternate the layouts, so a slow spell of the machine falls on all of them.
for (let run = 0; run < RUNS; run++) {
  for (const name of chosen) times[name].push(await measure(browser, LAYOUTS[name]));
}
await browser.close();
server.close();
const base = median(times.plain || times[chosen[0]]);
console.log(`\nIndexedDB layouts: ${EVENTS} entry events, transactions of ${PAGE}, medians of ${RUNS}${process.env.DISK ? ', on disk' : ', in memory'}`);
for (const name of chosen) {
  const ms = median(times[name]);
  console.log(`${name.padEnd(42)} ${(ms / 1000).toFixed(2)} s  ${(ms / base).toFixed(2)}×  (${times[name].map((t) => (t / 1000).toFixed(2)).join(' ')})`);
}
