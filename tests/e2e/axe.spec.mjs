// Accessibility (issue 17): axe-core on every page, at tablet (820×1180) and desktop (1366×768)
// size, in a town with records in it: no violation.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { YAMADA, chooseRoom, keyTown, openApp, recordEntry, submitLoan, tab } from './helpers.mjs';

const PAGES = [
  'ホーム', '入退室管理簿', '鍵の管理簿', '入室許可', '室・鍵', '職員・来訪者', '職と役割', 'セキュリティ会議',
  '指示・依頼', '報告', '機器', 'ID管理簿', '情報資産', '端末と同期', '例外', '操作履歴',
];

/** Each violation as "rule: target …", for a readable failure. */
const said = (violations) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);

for (const [size, viewport] of [['tablet', { width: 820, height: 1180 }], ['desktop', { width: 1366, height: 768 }]]) {
  test(`every page passes axe at ${size} size`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize(viewport);
    await openApp(page);
    await keyTown(page);
    await submitLoan(page, YAMADA);
    await tab(page, '入退室管理簿');
    await chooseRoom(page, '住民窓口');
    await recordEntry(page, YAMADA);
    const found = {};
    for (const name of PAGES) {
      await tab(page, name);
      await expect(page.locator('[data-ready="true"]').first()).toBeVisible();
      const { violations } = await new AxeBuilder({ page }).analyze();
      if (violations.length) found[name] = said(violations);
    }
    expect(found).toEqual({});
  });
}
