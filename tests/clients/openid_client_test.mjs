// A real OAuth client in Node against the real server: openid-client discovers obauth from its
// RFC 8414 metadata (/.well-known/oauth-authorization-server; obauth serves no OpenID
// configuration), obtains client_credentials tokens with client_secret_basic and
// client_secret_post for a partner and for a recipient created through the admin API, introspects
// and revokes them, and runs the authorization-code flow with PKCE (the browser's two forms
// posted with fetch), the refresh grant and the refresh token's revocation; jose verifies every
// access token against the published JWKS. Nothing here knows obauth's internals: only its
// command line and its public HTTP API.
//
// Usage: node openid_client_test.mjs PATH_TO_OBAUTH

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Issuer, errors, generators } from 'openid-client';
import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { ObauthServer } from '../testing/obauth_server.mjs';

const obauthBinary = process.argv[2];
if (!obauthBinary) {
  console.error('usage: node openid_client_test.mjs PATH_TO_OBAUTH');
  process.exit(2);
}

const server = new ObauthServer(obauthBinary);
let base;
let issuer;
let jwks;
let partner;
let recipient;

async function clientFor(credentials, method) {
  return new issuer.Client({ ...credentials, token_endpoint_auth_method: method });
}

async function verify(accessToken) {
  return jwtVerify(accessToken, jwks, {
    issuer: issuer.issuer,
    typ: 'at+jwt', // RFC 9068 §2.1
    requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id', 'aud'],
  });
}

function tamper(jwt) {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  claims.scope = 'client:admin ACCOUNT_BASIC';
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

const sandbox = '9000'; // the sample catalogue's sandbox institution
const catalogue = new URL('../../examples/providers.json', import.meta.url).pathname;

before(async () => {
  partner = await server.createPartner('openid-client Partner');
  await server.command('providers', 'import', catalogue);
  base = await server.start();
  issuer = await Issuer.discover(`${base}/.well-known/oauth-authorization-server`);
  jwks = createRemoteJWKSet(new URL(issuer.metadata.jwks_uri));
});

after(async () => {
  const code = await server.stop();
  assert.equal(code, 0, `obauth exited ${code} on SIGTERM`);
});

describe('discovery', () => {
  it('names the issuer, its endpoints, client_credentials and both secret methods', () => {
    assert.equal(issuer.issuer, base);
    assert.equal(issuer.metadata.token_endpoint, `${base}/api/v1/token`);
    assert.ok(issuer.metadata.introspection_endpoint);
    assert.ok(issuer.metadata.revocation_endpoint);
    assert.ok(issuer.metadata.grant_types_supported.includes('client_credentials'));
    for (const method of ['client_secret_basic', 'client_secret_post']) {
      assert.ok(issuer.metadata.token_endpoint_auth_methods_supported.includes(method), method);
    }
    assert.ok(issuer.metadata.scopes_supported.includes('client:admin'));
  });
});

describe('partner tokens', () => {
  for (const method of ['client_secret_basic', 'client_secret_post']) {
    it(`${method}: a client:admin token that verifies against the JWKS`, async () => {
      const client = await clientFor(partner, method);
      const tokens = await client.grant({ grant_type: 'client_credentials', scope: 'client:admin' });
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.ok(tokens.expires_in > 0);
      const { payload, protectedHeader } = await verify(tokens.access_token);
      assert.equal(payload.iss, base);
      assert.equal(payload.client_id, partner.client_id);
      assert.equal(payload.sub, partner.client_id);
      assert.equal(payload.scope, 'client:admin');
      assert.ok(protectedHeader.kid, 'the header names its key');
    });
  }

  it('a wrong secret is refused with invalid_client', async () => {
    const client = await clientFor({ client_id: partner.client_id, client_secret: 'wrong' }, 'client_secret_basic');
    await assert.rejects(client.grant({ grant_type: 'client_credentials', scope: 'client:admin' }),
      (error) => error instanceof errors.OPError && error.error === 'invalid_client');
  });
});

describe('recipient tokens', () => {
  before(async () => {
    const admin = await (await clientFor(partner, 'client_secret_basic'))
      .grant({ grant_type: 'client_credentials', scope: 'client:admin' });
    const response = await fetch(`${base}/api/v1/recipients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'openid-client Recipient',
        scope: ['ACCOUNT_BASIC', 'TRANSACTIONS'],
        redirect_uris: ['https://recipient.example/callback'],
      }),
    });
    assert.equal(response.status, 200);
    const created = await response.json();
    recipient = { client_id: created.client_id, client_secret: created.client_secret };
  });

  for (const method of ['client_secret_basic', 'client_secret_post']) {
    it(`${method}: a token with the recipient's own scopes`, async () => {
      const client = await clientFor(recipient, method);
      const all = await client.grant({ grant_type: 'client_credentials' });
      assert.deepEqual(all.scope.split(' ').sort(), ['ACCOUNT_BASIC', 'TRANSACTIONS']);
      const { payload } = await verify(all.access_token);
      assert.equal(payload.client_id, recipient.client_id);
      const narrowed = await client.grant({ grant_type: 'client_credentials', scope: 'ACCOUNT_BASIC' });
      assert.equal((await verify(narrowed.access_token)).payload.scope, 'ACCOUNT_BASIC');
    });
  }

  it('a recipient cannot get client:admin', async () => {
    const client = await clientFor(recipient, 'client_secret_post');
    await assert.rejects(client.grant({ grant_type: 'client_credentials', scope: 'client:admin' }),
      (error) => error instanceof errors.OPError && error.error === 'invalid_scope');
  });
});

describe('token verification', () => {
  it('a tampered token does not verify', async () => {
    const client = await clientFor(partner, 'client_secret_basic');
    const { access_token: token } = await client.grant({ grant_type: 'client_credentials', scope: 'client:admin' });
    await verify(token);
    await assert.rejects(verify(tamper(token)), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('a token signed by another key under the same kid does not verify', async () => {
    const client = await clientFor(partner, 'client_secret_basic');
    const { access_token: token } = await client.grant({ grant_type: 'client_credentials', scope: 'client:admin' });
    const header = decodeProtectedHeader(token);
    const { privateKey } = await generateKeyPair(header.alg, { crv: header.alg === 'EdDSA' ? 'Ed25519' : undefined });
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
    const forged = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
    await assert.rejects(verify(forged), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});

describe('introspection and revocation through openid-client', () => {
  for (const method of ['client_secret_basic', 'client_secret_post']) {
    it(`${method}: a recipient token is active, then revoked (RFC 7009) and inactive`, async () => {
      const partnerClient = await clientFor(partner, method);
      const recipientClient = await clientFor(recipient, method);
      const { access_token: token } = await recipientClient.grant({ grant_type: 'client_credentials' });
      const active = await partnerClient.introspect(token, 'access_token');
      assert.equal(active.active, true);
      assert.equal(active.client_id, recipient.client_id);
      await recipientClient.revoke(token, 'access_token');
      assert.equal((await partnerClient.introspect(token)).active, false);
      // RFC 7009 §2.2: revoking again, or an unknown token, is still a success.
      await recipientClient.revoke(token);
      await partnerClient.revoke('not-a-token');
    });
  }

  it('a partner revokes its own admin token, which the admin API then refuses', async () => {
    const client = await clientFor(partner, 'client_secret_basic');
    const { access_token: token } = await client.grant({ grant_type: 'client_credentials', scope: 'client:admin' });
    const before = await fetch(`${base}/api/v1/recipients`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(before.status, 200);
    await client.revoke(token);
    const afterRevoke = await fetch(`${base}/api/v1/recipients`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(afterRevoke.status, 401);
  });

  it('a recipient cannot introspect (unauthorized_client)', async () => {
    const client = await clientFor(recipient, 'client_secret_basic');
    const { access_token: token } = await client.grant({ grant_type: 'client_credentials' });
    await assert.rejects(client.introspect(token),
      (error) => error instanceof errors.OPError && error.error === 'unauthorized_client');
  });
});

// The value of a page's input `name`.
function inputValue(html, name) {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(match, `no ${name} in the page`);
  return match[1];
}

describe('authorization code with PKCE, refresh and revocation', () => {
  const redirectUri = 'https://recipient.example/callback';
  let admin;

  before(async () => {
    admin = await (await clientFor(partner, 'client_secret_basic'))
      .grant({ grant_type: 'client_credentials', scope: 'client:admin' });
    const requested = await fetch(
      `${base}/api/v1/recipients/providers/requests/${recipient.client_id}/${sandbox}`,
      { method: 'POST', headers: { authorization: `Bearer ${admin.access_token}` } });
    assert.equal(requested.status, 200);
    await server.command('registrations', 'approve', recipient.client_id, sandbox);
    await server.command('registrations', 'activate', recipient.client_id, sandbox);
  });

  it('advertises the code flow, S256 and the iss parameter', () => {
    assert.equal(issuer.metadata.authorization_endpoint, `${base}/api/v1/authorize`);
    assert.deepEqual(issuer.metadata.response_types_supported, ['code']);
    assert.deepEqual(issuer.metadata.code_challenge_methods_supported, ['S256']);
    assert.equal(issuer.metadata.authorization_response_iss_parameter_supported, true);
    for (const grant of ['authorization_code', 'refresh_token']) {
      assert.ok(issuer.metadata.grant_types_supported.includes(grant), grant);
    }
  });

  it('a customer consents; the code, the refresh and the revocation work through openid-client', async () => {
    const client = await clientFor({ ...recipient, redirect_uris: [redirectUri] }, 'client_secret_basic');
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const url = client.authorizationUrl({
      scope: 'ACCOUNT_BASIC TRANSACTIONS', state, provider_id: sandbox,
      code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256',
    });
    // The browser: the sign-in page, its form, the consent page, its form.
    const signIn = await fetch(url);
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie').split(';')[0];
    const post = (path, form) => fetch(`${base}${path}`, {
      method: 'POST', redirect: 'manual', body: form,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    let html = await signIn.text();
    const consent = await post('/api/v1/authorize/login', new URLSearchParams({
      transaction: inputValue(html, 'transaction'), csrf: inputValue(html, 'csrf'),
      username: 'alice', password: 'sandbox',
    }));
    assert.equal(consent.status, 200);
    html = await consent.text();
    const form = new URLSearchParams({
      transaction: inputValue(html, 'transaction'), csrf: inputValue(html, 'csrf'), decision: 'approve',
    });
    for (const [, id] of html.matchAll(/name="account" value="([^"]*)"/g)) form.append('account', id);
    const back = await post('/api/v1/authorize/consent', form);
    assert.equal(back.status, 302);
    // openid-client checks state and iss (RFC 9207) and exchanges the code with the verifier.
    const params = client.callbackParams(back.headers.get('location'));
    const tokens = await client.oauthCallback(redirectUri, params, { state, code_verifier: verifier });
    assert.ok(tokens.refresh_token);
    const { payload } = await verify(tokens.access_token);
    assert.equal(payload.client_id, recipient.client_id);
    assert.equal(payload.provider_id, Number(sandbox));
    assert.match(payload.sub, /^[0-9a-f-]{36}$/);
    // The code works once.
    await assert.rejects(client.oauthCallback(redirectUri, params, { state, code_verifier: verifier }),
      (error) => error instanceof errors.OPError && error.error === 'invalid_grant');
    // That reuse revoked the connection; a new consent gives a new one to refresh and revoke.
    await assert.rejects(client.refresh(tokens.refresh_token),
      (error) => error instanceof errors.OPError && error.error === 'invalid_grant');
  });

  it('the refresh grant keeps the refresh token; revoking it ends the connection', async () => {
    const client = await clientFor({ ...recipient, redirect_uris: [redirectUri] }, 'client_secret_post');
    const verifier = generators.codeVerifier();
    const url = client.authorizationUrl({
      scope: 'ACCOUNT_BASIC', state: 's', provider_id: sandbox,
      code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256',
    });
    const signIn = await fetch(url);
    const cookie = signIn.headers.get('set-cookie').split(';')[0];
    const post = (path, form) => fetch(`${base}${path}`, {
      method: 'POST', redirect: 'manual', body: form,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    let html = await signIn.text();
    html = await (await post('/api/v1/authorize/login', new URLSearchParams({
      transaction: inputValue(html, 'transaction'), csrf: inputValue(html, 'csrf'),
      username: 'bob', password: 'sandbox',
    }))).text();
    const form = new URLSearchParams({
      transaction: inputValue(html, 'transaction'), csrf: inputValue(html, 'csrf'), decision: 'approve',
      account: inputValue(html, 'account'),
    });
    const back = await post('/api/v1/authorize/consent', form);
    const tokens = await client.oauthCallback(redirectUri, client.callbackParams(back.headers.get('location')),
      { state: 's', code_verifier: verifier });
    const refreshed = await client.refresh(tokens.refresh_token);
    assert.equal(refreshed.refresh_token, undefined, 'not rotated (reference §5.1)');
    assert.equal((await verify(refreshed.access_token)).payload.scope, 'ACCOUNT_BASIC');
    await client.revoke(tokens.refresh_token, 'refresh_token');
    await assert.rejects(client.refresh(tokens.refresh_token),
      (error) => error instanceof errors.OPError && error.error === 'invalid_grant');
  });
});
