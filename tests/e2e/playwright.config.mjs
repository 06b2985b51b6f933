// End-to-end tests in Debian's Chromium, and the daily flows and first setup also in Debian's
// Firefox ESR (never a downloaded browser), against daicho-server serving the release build in
// dist/. tools/test.sh builds both before running these.
import { defineConfig } from '@playwright/test';

export const PORT = Number(process.env.DAICHO_E2E_PORT || 8090);
export const chromiumArgs = [
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** What Firefox runs too: first setup and sign-in, the door's rules and refusals, keys, rooms,
 *  terms of office, enrollment and sync. Not the A4 prints: `page.pdf` is Chromium's alone
 *  (and Playwright sees no download in Firefox over BiDi, so no CSV either). */
const FIREFOX_SPECS = [
  'sign-in.spec.mjs',
  'bad-input.spec.mjs',
  'review.spec.mjs',
  'keys.spec.mjs',
  'rooms.spec.mjs',
  'positions.spec.mjs',
  'sync.spec.mjs',
  'keyboard.spec.mjs',
  'setup.spec.mjs',
];

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.mjs',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    viewport: { width: 1180, height: 820 },
    serviceWorkers: 'allow',
  },
  projects: [
    {
      name: 'chromium',
      use: { browserName: 'chromium', launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs } },
    },
    {
      // Playwright 1.61 drives Firefox ESR 153 over WebDriver BiDi (../shared/PLATFORM-NOTES.md).
      name: 'firefox',
      testMatch: FIREFOX_SPECS,
      grepInvert: /A4/,
      use: { browserName: 'firefox', channel: 'moz-firefox', launchOptions: { executablePath: '/usr/bin/firefox-esr' } },
    },
  ],
  webServer: {
    // Every test's tablets enroll from 127.0.0.1: the per-address enrollment limit (tested in
    // crates/server/tests/attacks_network.rs) is opened wide for them.
    command: `../../target/debug/daicho-server --port ${PORT} --data-dir ../../target/e2e-data --dist-dir ../../dist --enroll-burst 1000`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
