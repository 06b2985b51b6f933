// 職と役割: terms of office answer "who held role X on day D"; one holder at a time; only the
// system administrator records terms once there is one.
import { test, expect } from '@playwright/test';
import { ADMIN, addPerson, openApp, signIn } from './helpers.mjs';

const SATO = { name: '佐藤 花子', affiliation: '住民税務課', pin: '1357' };

async function recordTenure(page, position, holder, from) {
  await page.selectOption('#tenure-position', { label: position });
  await page.selectOption('#tenure-holder', { label: `${holder.name}（${holder.affiliation}）` });
  await page.fill('#tenure-from', from);
  await page.click('#record-tenure');
}

test('terms answer who held a role; overlaps and non-administrators are refused', async ({ page }) => {
  await openApp(page);
  await addPerson(page, SATO);

  await page.getByRole('button', { name: '職と役割' }).click();
  const holder = (role) => page.locator(`tr[data-role="${role}"] .holder`);
  await expect(holder('SystemAdministrator')).toHaveText('（未登録）');
  await recordTenure(page, '総務課長', ADMIN, '2024-04-01');
  await expect(page.locator('.tenure-form .status')).toContainText('任期を記録しました');
  // 総務課長 holds R4, R13b and R18a under the 2024 mapping.
  for (const role of ['SystemAdministrator', 'OtherAssetManager', 'EntryManagerSecureRooms']) {
    await expect(holder(role)).toHaveText(ADMIN.name);
  }
  await expect(holder('GeneralManager')).toHaveText('（未登録）');

  await page.selectOption('#query-role', { label: '入退室管理者（レベル3・2）' });
  await page.fill('#query-date', '2023-06-01');
  await expect(page.locator('.answer')).toContainText('令和5年6月1日の入退室管理者（レベル3・2）（総務課長）の担当者は記録されていません');
  await page.fill('#query-date', '2025-01-01');
  await expect(page.locator('.answer')).toContainText(`令和7年1月1日の入退室管理者（レベル3・2）は${ADMIN.name}さん（総務課長）です。`);

  await recordTenure(page, '総務課長', SATO, '2025-01-01');
  await expect(page.locator('.tenure-form .form-error')).toContainText('一度に一人');

  await page.click('#sign-out');
  await signIn(page, SATO);
  await page.getByRole('button', { name: '職と役割' }).click();
  await recordTenure(page, '福祉課長', SATO, '2026-04-01');
  const refusal = page.locator('.tenure-form .form-error');
  await expect(refusal).toContainText('システム管理者だけ');
  await expect(refusal).toContainText('第4条');
});

test('an amendment of the mapping answers from its date on; earlier days keep the old one', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: '職と役割' }).click();
  await page.fill('#position-name', '危機管理監');
  await page.click('#define-position');
  await expect(page.locator('.position-form .status')).toContainText('危機管理監を追加しました');
  await recordTenure(page, '危機管理監', ADMIN, '2024-04-01');

  // Without a basis the amendment is refused and nothing changes.
  await page.selectOption('#mapping-role', { label: 'セキュリティ総括責任者' });
  await page.selectOption('#mapping-position', { label: '危機管理監' });
  await page.fill('#mapping-from', '2027-04-01');
  await page.click('#amend-mapping');
  await expect(page.locator('.mapping-form .form-error')).toContainText('改正の根拠');
  await page.fill('#mapping-basis', '令和9年 運用規程改正');
  await page.click('#amend-mapping');
  await expect(page.locator('.mapping-form .status')).toContainText('令和9年4月1日からの割当て');

  await page.selectOption('#query-role', { label: 'セキュリティ総括責任者' });
  await page.fill('#query-date', '2027-05-01');
  await expect(page.locator('.answer')).toContainText(`${ADMIN.name}さん（危機管理監）`);
  await page.fill('#query-date', '2026-05-01');
  await expect(page.locator('.answer')).toContainText('（副町長）');
});
