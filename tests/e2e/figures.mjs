// The log's figures from /api/health (events, rule breaks, security exceptions): the endpoint
// gives them only to a request signed by an enrolled device, so the tests enroll an observer
// of their own (a code from `daicho-server enroll-token`, a key made here) and sign as the
// app does (docs/protocol.md).
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';

const BIN = '../../target/debug/daicho-server';
const observers = new Map();

/** An observer device enrolled on the server at `base` whose data is in `dataDir`. */
async function observer(base, dataDir) {
  const known = observers.get(`${base} ${dataDir}`);
  if (known) return known;
  const code = execFileSync(BIN, ['--data-dir', dataDir, 'enroll-token'], { encoding: 'utf8' }).trim();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const device = `e2e-observer-${raw.toString('hex').slice(0, 8)}`;
  const response = await fetch(`${base}/api/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, device, public_key: raw.toString('base64') }),
  });
  if (response.status !== 201) throw new Error(`observer not enrolled: ${await response.text()}`);
  const enrolled = { device, privateKey };
  observers.set(`${base} ${dataDir}`, enrolled);
  return enrolled;
}

/** The health answer with its figures, signed by the observer. */
export async function serverFigures(base, dataDir) {
  const { device, privateKey } = await observer(base, dataDir);
  const timestamp = String(Date.now());
  const digest = `sha-256=:${createHash('sha256').update('').digest('base64')}:`;
  const signatureBase = [
    `daicho-device: ${device}`,
    `daicho-timestamp: ${timestamp}`,
    '@method: GET',
    '@path: /api/health',
    '@query: ?',
    `content-digest: ${digest}`,
  ].join('\n');
  const signature = sign(null, Buffer.from(signatureBase), privateKey).toString('base64');
  const response = await fetch(`${base}/api/health`, {
    headers: {
      'daicho-device': device,
      'daicho-timestamp': timestamp,
      'content-digest': digest,
      'daicho-signature': signature,
    },
  });
  if (!response.ok) throw new Error(`health refused: ${await response.text()}`);
  return response.json();
}
