// The office registers: equipment (第8条・第16条), the ID ledgers (第10条・第11条) and the
// information assets (第13–15条). Each act is the role's, and the store says so when it is not.
import { test, expect } from '@playwright/test';
import {
  ADMIN, YAMADA, addAuthenticator, addPerson, chooseRoom, counterTown, eventCount, fillEntry, insideRow,
  openApp, signIn, storedEvents, tab,
} from './helpers.mjs';

const SATO = { name: '佐藤 花子', affiliation: '総務課', pin: '1357' };

const label = (who) => `${who.name}（${who.affiliation}）`;

async function recordTenure(page, position, holder, from) {
  await tab(page, '職と役割');
  await page.selectOption('#tenure-position', { label: position });
  await page.selectOption('#tenure-holder', { label: label(holder) });
  await page.fill('#tenure-from', from);
  await page.click('#record-tenure');
  await expect(page.locator('.tenure-form .status')).toContainText('任期を記録しました');
}

const ofKind = (events, kind) => events.filter((e) => e.kind === kind);

test('the seeded equipment is marked as a default, and editing it replaces it', async ({ page }) => {
  await openApp(page, '/#/equipment');
  const rows = page.locator('table.equipment-list tbody tr[data-equipment]');
  await expect(rows).toHaveCount(4);
  await expect(rows.locator('.default-tag')).toHaveCount(4);
  await expect(rows.locator('.default-tag').first()).toHaveText('初期値・要編集');
  await expect(page.locator('tr[data-equipment="default-server"] .equipment-place')).toHaveText('上湧別庁舎 電算室');

  await page.selectOption('#equipment-filter-kind', { label: 'サーバ' });
  await expect(rows).toHaveCount(1);
  await page.selectOption('#equipment-filter-kind', { label: 'すべて' });
  await page.fill('#equipment-filter-text', '福祉課');
  await expect(rows).toHaveCount(1);
  await page.fill('#equipment-filter-text', '');
  await expect(rows).toHaveCount(4);

  await page.getByRole('button', { name: '業務端末（福祉課 住民窓口）を編集' }).click();
  await expect(page.locator('#equipment-editing')).toContainText('default-terminal-fukushi');
  await expect(page.locator('#equipment-place')).toHaveValue('福祉課 住民窓口');
  await page.fill('#equipment-place', '');
  await page.click('#register-equipment');
  await expect(page.locator('.equipment-form .form-error')).toContainText('設置場所を入力してください');
  await expect(page.locator('.equipment-form .form-error')).toContainText('第16条');

  await page.fill('#equipment-place', '福祉課 住民窓口（本庁舎1階）');
  await page.click('#register-equipment');
  await expect(page.locator('.equipment-form .status')).toContainText('機器の登録を更新しました');
  const edited = page.locator('tr[data-equipment="default-terminal-fukushi"]');
  await expect(edited.locator('.equipment-place')).toHaveText('福祉課 住民窓口（本庁舎1階）');
  await expect(edited.locator('.default-tag')).toHaveCount(0);
  await expect(rows).toHaveCount(4);
  await expect(rows.locator('.default-tag')).toHaveCount(3);

  const versions = ofKind(await storedEvents(page), 'equipment_registered').filter(
    (e) => e.payload.id === 'default-terminal-fukushi',
  );
  expect(versions.map((e) => [e.payload.place, e.payload.is_default])).toEqual([
    ['福祉課 住民窓口', true],
    ['福祉課 住民窓口（本庁舎1階）', false],
  ]);
  const latest = versions[1];
  await expect(edited.locator('a.record-link')).toHaveAttribute('href', `#/record/${latest.device}:${latest.seq}`);
});

test('only the access management officer keeps the ID ledgers', async ({ page }) => {
  // 照合情報 is registered on the tablet's authenticator (here a virtual one).
  await addAuthenticator(page);
  await openApp(page, '/#/id-ledgers');
  const kindError = page.locator('.kind-form .form-error');
  await page.fill('#kind-name', '住基照会');
  await page.fill('#kind-permits', '本人確認情報の照会');
  await page.click('#define-kind');
  await expect(kindError).toContainText('この操作はアクセス管理責任者だけが行えます。');
  await expect(kindError).toContainText('第10条第1項');

  await page.click('#tab-collation-ledger');
  await page.fill('#collation-id', 'C-001');
  await page.selectOption('#collation-person', { label: label(ADMIN) });
  await page.click('#record-collation-line');
  await expect(page.locator('.ledger-form .form-error')).toContainText('アクセス管理責任者だけ');
  const ledgerKinds = ['operator_id_kind_defined', 'id_ledger_recorded', 'collation_info_recorded'];
  const ledgerEvents = async () => (await storedEvents(page)).filter((e) => ledgerKinds.includes(e.kind));
  expect(await ledgerEvents()).toEqual([]);

  // 住民税務課長 holds アクセス管理責任者 under the 2024 mapping.
  await recordTenure(page, '住民税務課長', ADMIN, '2024-04-01');
  await tab(page, 'ID管理簿');
  await expect(page.locator('#operator-approver')).toContainText(`承認者（アクセス管理責任者）: ${ADMIN.name}`);
  await page.fill('#kind-name', '住基照会');
  await page.fill('#kind-permits', '本人確認情報の照会');
  await page.click('#define-kind');
  await expect(page.locator('.kind-form .status')).toContainText('操作者IDの種類を登録しました');

  await page.fill('#operator-id', 'OP-001');
  await page.selectOption('#operator-person', { label: label(ADMIN) });
  await page.selectOption('#operator-kind', { label: '住基照会' });
  await page.click('#record-operator-line');
  await expect(page.locator('.ledger-form .status')).toContainText('操作者ID管理簿に記録しました');
  const op = page.locator('table.id-list[data-ledger="operator"] tr[data-id="OP-001"]');
  await expect(op).toHaveAttribute('data-state', 'active');
  await expect(op.locator('.id-history li')).toContainText(['発行']);
  await expect(op.locator('.id-history li').first()).toContainText(`承認: ${ADMIN.name}`);
  await expect(page.locator('table.operator-kinds tr', { hasText: '住基照会' }).locator('.kind-holders')).toHaveText(ADMIN.name);

  await page.selectOption('#operator-action', { label: '停止' });
  await page.fill('#operator-id', 'OP-001');
  await page.click('#record-operator-line');
  await expect(page.locator('.ledger-form .form-error')).toContainText('停止の理由を入力してください');
  await page.fill('#operator-note', '長期休暇');
  await page.click('#record-operator-line');
  await expect(op).toHaveAttribute('data-state', 'suspended');
  await expect(op.locator('.id-history li')).toContainText(['発行', '停止（長期休暇）']);
  // A suspended ID cannot be suspended again: the ID's life is checked.
  await page.fill('#operator-id', 'OP-001');
  await page.fill('#operator-note', '重複');
  await page.click('#record-operator-line');
  await expect(page.locator('.ledger-form .form-error')).toContainText('この操作者IDは停止中のため');

  await page.selectOption('#operator-filter-state', { label: '有効' });
  await expect(op).toHaveCount(0);
  await page.selectOption('#operator-filter-state', { label: '停止中' });
  await expect(op).toHaveCount(1);

  await page.click('#tab-collation-ledger');
  await page.fill('#collation-id', 'C-001');
  await page.selectOption('#collation-person', { label: label(ADMIN) });
  await page.click('#record-collation-line');
  const c = page.locator('table.id-list[data-ledger="collation"] tr[data-id="C-001"]');
  await expect(c.locator('.id-third')).toHaveText('未登録');
  await page.selectOption('#collation-info-id', 'C-001');
  await page.click('#record-collation-info');
  await expect(page.locator('.collation-info-form .status')).toContainText('照合情報の登録を記録しました');
  await expect(c.locator('.id-third')).toHaveText('登録済み');
  await expect(c.locator('.id-history li')).toContainText(['発行', '照合情報登録']);

  const stored = await ledgerEvents();
  expect(stored.map((e) => e.kind)).toEqual([
    'operator_id_kind_defined',
    'id_ledger_recorded',
    'id_ledger_recorded',
    'id_ledger_recorded',
    'collation_info_recorded',
  ]);
  const lines = ofKind(stored, 'id_ledger_recorded');
  expect(lines.map((e) => [e.payload.ledger, e.payload.id, e.payload.action])).toEqual([
    ['operator', 'OP-001', 'issued'],
    ['operator', 'OP-001', 'suspended'],
    ['collation', 'C-001', 'issued'],
  ]);
  // Approved by the officer of the day: the operator who holds the role.
  for (const e of stored.slice(1)) expect(e.payload.approved_by).toBe(e.operator);
  const issue = lines[0];
  await expect(c.locator('a.record-link').first()).toBeVisible();
  await page.click('#tab-operator-ledger');
  await expect(op.locator('a.record-link').first()).toHaveAttribute('href', `#/record/${issue.device}:${issue.seq}`);
});

test('once a kind of 操作者ID governs the logbook, only its holders record in it (第11条)', async ({ page }) => {
  // ADMIN is 住民税務課長: the access management officer, and the counter's entry manager.
  await counterTown(page, [YAMADA]);
  await tab(page, 'ID管理簿');
  await page.fill('#kind-name', '窓口業務');
  await page.fill('#kind-permits', '住民票の写しの交付');
  await page.check('#kind-acts input[value="entry_log"]');
  await page.click('#define-kind');
  await expect(page.locator('.kind-form .status')).toContainText('操作者IDの種類を登録しました');
  const kindRow = page.locator('table.operator-kinds tr', { hasText: '窓口業務' });
  await expect(kindRow.locator('.kind-acts')).toHaveText('入退室の記録');

  // Nobody holds it yet: the entry is refused, naming the kind and the article; nothing stored.
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  const before = await eventCount(page);
  await fillEntry(page, { ...YAMADA, purpose: '窓口業務' });
  await page.click('#record-entry');
  const refusal = page.locator('.field-error[data-field="Person"]');
  await expect(refusal).toContainText('操作者ID（窓口業務）を有効に持つ方だけが行えます');
  await expect(refusal).toContainText('第11条');
  expect(await eventCount(page)).toBe(before);
  await expect(page.locator('#entry-purpose')).toHaveValue('窓口業務');

  // Issued an 操作者ID of the kind, the operator records the same entry.
  await tab(page, 'ID管理簿');
  await page.fill('#operator-id', 'OP-101');
  await page.selectOption('#operator-person', { label: label(ADMIN) });
  await page.selectOption('#operator-kind', { label: '窓口業務' });
  await page.click('#record-operator-line');
  await expect(page.locator('.ledger-form .status')).toContainText('操作者ID管理簿に記録しました');
  await expect(kindRow.locator('.kind-holders')).toHaveText(ADMIN.name);
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await fillEntry(page, YAMADA);
  await page.click('#record-entry');
  await expect(insideRow(page, YAMADA.name)).toBeVisible();

  // Amended to govern the key logbook too: the same kind, its earlier definition kept.
  await tab(page, 'ID管理簿');
  await page.selectOption('#kind-choice', { label: '窓口業務を変更' });
  await expect(page.locator('#kind-name')).toHaveValue('窓口業務');
  await expect(page.locator('#kind-acts input[value="entry_log"]')).toBeChecked();
  await page.check('#kind-acts input[value="key_log"]');
  await page.click('#define-kind');
  await expect(page.locator('.kind-form .status')).toContainText('変更前の定義は履歴に残ります');
  await expect(kindRow.locator('.kind-acts')).toHaveText('入退室の記録、鍵の貸出・返却');
  await expect(page.locator('table.operator-kinds tbody tr')).toHaveCount(1);
  const definitions = (await storedEvents(page)).filter((e) => e.kind === 'operator_id_kind_defined');
  expect(definitions.map((e) => e.payload.acts)).toEqual([['entry_log'], ['entry_log', 'key_log']]);
  expect(definitions[1].payload.id).toBe(definitions[0].payload.id);
});

test('an asset is managed by the role its category gives', async ({ page }) => {
  await openApp(page);
  await addPerson(page, SATO);
  await recordTenure(page, '住民税務課長', ADMIN, '2024-04-01');
  await recordTenure(page, '総務課長', SATO, '2024-04-01');

  await tab(page, '情報資産');
  const derived = page.locator('#asset-derived-manager');
  await expect(derived).toContainText('本人確認情報管理責任者（住民税務課長）');
  await expect(derived).toContainText(ADMIN.name);
  await page.selectOption('#asset-category', { label: 'ハードウェア' });
  await expect(derived).toContainText('情報資産管理責任者（本人確認情報等以外）（総務課長）');
  await expect(derived).toContainText(SATO.name);

  // ADMIN is not the manager of hardware.
  await page.fill('#asset-name', '業務端末（福祉課）');
  await page.fill('#asset-location', '福祉課 住民窓口');
  await page.fill('#asset-method', 'ワイヤーロックで固定');
  await page.click('#register-asset');
  const assetError = page.locator('.asset-form .form-error');
  await expect(assetError).toContainText('情報資産管理責任者（本人確認情報等以外）だけが行えます');
  await expect(assetError).toContainText('第13条第2項');

  await page.selectOption('#asset-category', { label: '本人確認情報' });
  await page.fill('#asset-name', '住民基本台帳ファイル');
  await page.fill('#asset-location', '上湧別庁舎 電算室');
  await page.fill('#asset-method', '');
  await page.click('#register-asset');
  await expect(assetError).toContainText('管理方法を入力してください。（第15条）');
  await page.fill('#asset-method', 'サーバ内に暗号化して保管');
  await page.click('#register-asset');
  await expect(page.locator('.asset-form .status')).toContainText('情報資産を登録しました');
  const identity = page.locator('tr[data-asset]', { hasText: '住民基本台帳ファイル' });
  await expect(identity).toHaveAttribute('data-category', 'IdentityData');
  await expect(identity.locator('.manager-role')).toHaveText('本人確認情報管理責任者（住民税務課長）');
  await expect(identity.locator('.manager-holder')).toHaveText(ADMIN.name);

  await page.selectOption('#designation-asset', { label: '住民基本台帳ファイル（本人確認情報）' });
  await page.selectOption('#designation-person', { label: label(SATO) });
  await page.fill('#designation-from', '2026-04-01');
  await page.click('#designate-handler');
  await expect(page.locator('.designation-form .status')).toContainText('取扱者を指定しました');
  await expect(identity.locator(`.designations li[data-person="${SATO.name}"]`)).toContainText('令和8年4月1日');

  await page.click('#sign-out');
  await signIn(page, SATO);
  await tab(page, '情報資産');
  await page.selectOption('#asset-category', { label: 'ハードウェア' });
  await page.fill('#asset-name', '業務端末（福祉課）');
  await page.fill('#asset-location', '福祉課 住民窓口');
  await page.fill('#asset-method', '台帳で所在を管理');
  await page.click('#register-asset');
  await expect(page.locator('.asset-form .status')).toContainText('情報資産を登録しました');
  const hardware = page.locator('tr[data-asset]', { hasText: '業務端末（福祉課）' });
  await expect(hardware.locator('.manager-role')).toHaveText('情報資産管理責任者（本人確認情報等以外）（総務課長）');
  await expect(hardware.locator('.manager-holder')).toHaveText(SATO.name);

  await page.selectOption('#measure-asset', { label: '業務端末（福祉課）（ハードウェア）' });
  await page.fill('#measure-text', 'ワイヤーロックで机に固定');
  await page.click('#record-measure');
  await expect(page.locator('.measure-form .status')).toContainText('措置を記録しました');
  await expect(hardware.locator('.measures li')).toContainText(['ワイヤーロックで机に固定']);
  // SATO does not manage personal data: a measure on it is refused.
  await page.selectOption('#measure-asset', { label: '住民基本台帳ファイル（本人確認情報）' });
  await page.fill('#measure-text', '暗号化');
  await page.click('#record-measure');
  await expect(page.locator('.measure-form .form-error')).toContainText('本人確認情報管理責任者だけ');

  await page.selectOption('#asset-filter-category', { label: 'ハードウェア' });
  await expect(page.locator('tr[data-asset]')).toHaveCount(1);
  await page.selectOption('#asset-filter-category', { label: 'すべて' });
  await page.fill('#asset-filter-text', '電算室');
  await expect(page.locator('tr[data-asset]')).toHaveCount(1);
  await expect(identity).toBeVisible();

  const events = await storedEvents(page);
  const assets = ofKind(events, 'asset_registered');
  expect(assets.map((e) => [e.payload.name, e.payload.category])).toEqual([
    ['住民基本台帳ファイル', 'identity_data'],
    ['業務端末（福祉課）', 'hardware'],
  ]);
  expect(assets[0].operator).not.toBe(assets[1].operator);
  const [designation] = ofKind(events, 'handler_designated');
  expect(designation.payload.designated_by).toBe(assets[0].operator);
  expect(designation.payload.asset_id).toBe(assets[0].payload.id);
  const [measure] = ofKind(events, 'measure_recorded');
  expect(measure.payload).toMatchObject({ asset_id: assets[1].payload.id, recorded_by: assets[1].operator });
  await expect(identity.locator('.designations a.record-link')).toHaveAttribute(
    'href',
    `#/record/${designation.device}:${designation.seq}`,
  );
});
