// 照合情報認証 (第8条第2項, 第10–12条) in headless Chromium with a virtual authenticator (CDP
// WebAuthn, user verification on): registering 照合情報 makes a passkey whose public key goes
// into the 照合ID ledger; the operator signs in with it offline and online; a failed
// verification is refused and recorded, the PIN is the recorded fallback; the endpoint
// verifies the synced sign-in again; a shared tablet signs out by itself when idle.
import { test, expect } from '@playwright/test';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import {
  ADMIN, addAuthenticator, enroll, recordTenure, signInIfAsked, storedEvents, syncByHand, tab,
} from './helpers.mjs';

const label = (who) => `${who.name}（${who.affiliation}）`;
const ofKind = async (page, kind) => (await storedEvents(page)).filter((e) => e.kind === kind);

async function signOut(page) {
  await page.click('#sign-out');
  await expect(page.locator('[data-screen="sign-in"]')).toBeVisible();
}

/** 照合ID C-001 for ADMIN, and 照合情報 registered on this tablet's authenticator. */
async function registerCollationInfo(page) {
  await recordTenure(page, '住民税務課長', ADMIN, '2024-04-01');
  await tab(page, 'ID管理簿');
  await page.click('#tab-collation-ledger');
  await page.fill('#collation-id', 'C-001');
  await page.selectOption('#collation-person', { label: label(ADMIN) });
  await page.click('#record-collation-line');
  const row = page.locator('table.id-list[data-ledger="collation"] tr[data-id="C-001"]');
  await expect(row.locator('.id-third')).toHaveText('未登録');
  await page.selectOption('#collation-info-id', 'C-001');
  await page.click('#record-collation-info');
  await expect(page.locator('.collation-info-form .status')).toContainText('照合情報の登録を記録しました');
  await expect(row.locator('.id-third')).toHaveText('登録済み');
}

test('an operator signs in by 照合情報認証, offline and online; a failure is refused and the PIN is the recorded fallback', async ({ page }) => {
  const server = await new TestServer(PORT + 15).start();
  try {
    const { cdp, authenticatorId } = await addAuthenticator(page);
    await page.goto(`${server.base}/#/id-ledgers`);
    await signInIfAsked(page);
    await registerCollationInfo(page);
    const [info] = await ofKind(page, 'collation_info_recorded');
    // Only the public key is kept: Ed25519 (-8) is the first choice offered.
    expect(info.payload.credential.algorithm).toBe(-8);
    expect(info.payload.credential.public_key.length).toBeGreaterThan(50);
    expect(JSON.stringify(info)).not.toMatch(/private|template/);

    // Offline: the tablet verifies the assertion against the ledger's public key.
    await signOut(page);
    await page.context().setOffline(true);
    await page.locator('.person', { hasText: ADMIN.name }).click();
    await expect(page.locator('label[for="pin"]')).toHaveText('暗証番号（生体認証が使えないとき）');
    await page.click('#sign-in-passkey');
    await expect(page.locator('.operator')).toContainText(ADMIN.name);
    const [passkeySignIn] = (await ofKind(page, 'signed_in')).filter((e) => e.payload.method === 'passkey');
    expect(passkeySignIn.payload.assertion.credential_id).toBe(info.payload.credential.id);
    expect(passkeySignIn.payload.assertion.rp_id).toBe('localhost');

    // The finger is not recognised: refused with its article, recorded, the PIN not locked.
    await signOut(page);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.locator('.person', { hasText: ADMIN.name }).click();
    await page.click('#sign-in-passkey');
    await expect(page.locator('.form-error')).toContainText('照合情報認証に失敗しました');
    await expect(page.locator('.form-error')).toContainText('第8条第2項');
    await expect(page.locator('[data-screen="sign-in"]')).toBeVisible();
    const failed = await ofKind(page, 'sign_in_failed');
    expect(failed.map((e) => e.payload.method)).toEqual(['passkey']);
    await page.fill('#pin', ADMIN.pin);
    await page.click('#sign-in');
    await expect(page.locator('.operator')).toContainText(ADMIN.name);
    const pinSignIns = (await ofKind(page, 'signed_in')).filter((e) => e.payload.method === 'pin');
    expect(pinSignIns.at(-1).payload.fallback).toBe(true);

    // Online: enrolled and synced, the endpoint verifies the passkey sign-in again.
    await page.context().setOffline(false);
    await enroll(page, server.enrollmentCode());
    // The sync records itself (第12条) and pushes that record by itself shortly after.
    const everythingSent = async () => (await server.eventCount()) === (await storedEvents(page)).length;
    await expect.poll(everythingSent, { timeout: 15_000 }).toBe(true);
    expect(await server.securityExceptions()).toBe(0);

    // Online sign-in, synced: verified again, still no exception.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    await signOut(page);
    await page.locator('.person', { hasText: ADMIN.name }).click();
    await page.click('#sign-in-passkey');
    await expect(page.locator('.operator')).toContainText(ADMIN.name);
    await syncByHand(page);
    await expect.poll(everythingSent, { timeout: 15_000 }).toBe(true);
    expect((await ofKind(page, 'signed_in')).filter((e) => e.payload.method === 'passkey')).toHaveLength(2);
    expect(await server.securityExceptions()).toBe(0);
  } finally {
    await server.stop();
  }
});

test('a shared tablet signs out by itself after the idle time, and says so in the history', async ({ page }) => {
  await page.goto('/#/sync');
  await signInIfAsked(page);
  await expect(page.locator('#idle-minutes')).toHaveValue('5');
  await page.selectOption('#idle-minutes', '1');
  await expect(page.locator('#idle-minutes')).toHaveValue('1');
  expect(await page.evaluate(() => localStorage.getItem('daicho.idle_seconds'))).toBe('60');
  // Two seconds for the test (the page offers whole minutes).
  await page.evaluate(() => localStorage.setItem('daicho.idle_seconds', '2'));
  await expect(page.locator('[data-screen="sign-in"]')).toBeVisible({ timeout: 10_000 });
  const idleOuts = async () => (await ofKind(page, 'signed_out')).filter((e) => e.payload.idle);
  await expect.poll(async () => (await idleOuts()).length).toBe(1);
  const [out] = await idleOuts();
  expect(out.operator).toBe(out.payload.person_id);
  await page.evaluate(() => localStorage.removeItem('daicho.idle_seconds'));
});
