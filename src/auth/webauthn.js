// navigator.credentials for 照合情報認証, returning plain objects with base64url byte strings
// (the shapes of daicho-core `webauthn`). User verification is always required.
const b64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

export async function createPasskey(rpId, userId, userName, displayName) {
  const credential = await navigator.credentials.create({
    publicKey: {
      rp: { id: rpId, name: '台帳 (Daichō)' },
      user: { id: new TextEncoder().encode(userId), name: userName, displayName },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -8 }, { type: 'public-key', alg: -7 }],
      authenticatorSelection: { userVerification: 'required', residentKey: 'discouraged' },
      attestation: 'none',
      timeout: 120000,
    },
  });
  return {
    id: b64url(credential.rawId),
    algorithm: credential.response.getPublicKeyAlgorithm(),
    public_key: b64url(credential.response.getPublicKey()),
  };
}

export async function getAssertion(rpId, credentialIds, challenge) {
  const credential = await navigator.credentials.get({
    publicKey: {
      rpId,
      challenge,
      allowCredentials: credentialIds.map((id) => ({ type: 'public-key', id: bytes(id) })),
      userVerification: 'required',
      timeout: 120000,
    },
  });
  return {
    credential_id: b64url(credential.rawId),
    authenticator_data: b64url(credential.response.authenticatorData),
    client_data_json: b64url(credential.response.clientDataJSON),
    signature: b64url(credential.response.signature),
  };
}
