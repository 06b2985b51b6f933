// End-to-end tests in Debian's Chromium (never a downloaded browser), against daicho-server
// serving the release build in dist/. tools/test.sh builds both before running these.
import { defineConfig } from '@playwright/test';

export const PORT = Number(process.env.DAICHO_E2E_PORT || 8090);
export const chromiumArgs = [
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
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
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  webServer: {
    // Every test's tablets enroll from 127.0.0.1: the per-address enrollment limit (tested in
    // crates/server/tests/attacks_network.rs) is opened wide for them.
    command: `../../target/debug/daicho-server --port ${PORT} --data-dir ../../target/e2e-data --dist-dir ../../dist --enroll-burst 1000`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
