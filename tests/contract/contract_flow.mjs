// The API description as a tested contract: an end-to-end flow against the real obauth binary,
// every request sent through Stoplight Prism in proxy mode, which validates each request and
// each response against docs/openapi.yaml; every response is also held to the document by Ajv
// (response_contract.mjs), independently of Prism. Any violation fails the run:
//   - strict proxy (--errors): requests that should conform go here; any `sl-violations` header
//     or Prism-generated error (application/problem+json) is a failure;
//   - lenient proxy (no --errors): requests that deliberately break the document (missing
//     credentials, wrong content type, values outside the schema) go here, so the server still
//     answers them; Prism must flag the request (the document describes the rule the server
//     enforces), and any violation in the response is a failure;
//   - redirects (the customer's pages send the browser back to the client with a 302) are asked
//     of obauth itself: Prism's proxy would follow them. Ajv alone checks those answers.
// At the end every documented (path, method) must have been exercised, and every documented
// status code of it, except the ones listed in kExcluded with the reason they cannot be
// provoked from outside.
//
// Usage: node contract_flow.mjs PATH_TO_OBAUTH PATH_TO_OPENAPI_YAML

import { createRequire } from 'node:module';
import { request as httpRequest } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { ObauthServer, spawnTracked, stopChild } from '../testing/obauth_server.mjs';
import { ResponseContract } from './response_contract.mjs';

const [obauthBinary, documentPath] = process.argv.slice(2);
if (!obauthBinary || !documentPath) {
  console.error('usage: node contract_flow.mjs PATH_TO_OBAUTH PATH_TO_OPENAPI_YAML');
  process.exit(2);
}
const kOverallTimeoutMs = 180000;
// obauth's limit on the request line and headers in this flow: below the 16 KiB that Prism's
// Node server accepts, so that obauth answers the 431s (its default is 16 KiB too).
const kMaxHeaderBytes = 8192;

// Status codes documented but impossible to provoke from outside, with the reason.
const kExcluded = [
  { status: '500', reason: 'unexpected failure: no request provokes it on a healthy server' },
  { status: '503', reason: 'database unavailable (tests/e2e/database_outage_test.cpp stops PostgreSQL)' },
  {
    status: '409',
    operationId: 'createDataRecipient',
    reason: 'Idempotency-Key in flight needs two requests overlapping inside the server',
  },
  ...['authorizeWithDataProvider', 'signInAtSandbox', 'consentAtSandbox'].map((operationId) => ({
    status: '404',
    operationId,
    reason: 'answered only by a server without the consent service: `obauth serve` always has one',
  })),
  { status: '404', operationId: 'pageStylesheet', reason: 'the stylesheet is built into the binary: always served' },
  ...['getFdxCustomer', 'listFdxAccounts', 'getFdxAccount', 'listFdxTransactions', 'listFdxPaymentNetworks',
    'listFdxStatements', 'getFdxStatement'].map((operationId) => ({
    status: '429',
    operationId,
    reason: '1207 needs more requests of one connection in a minute than --fdx-requests-per-minute allows (600): tests/e2e/fdx_test.cpp runs a server at 3',
  })),
  {
    status: '404',
    operationId: 'getFdxCustomer',
    reason: '601/1107 need a Data Provider that no longer has the connection\'s customer: the sandbox\'s customers are built in',
  },
  {
    status: '302',
    operationId: 'providerCallback',
    reason: 'needs a Data Provider behind an fdx connector, another obauth instance: tests/e2e/connector_test.cpp (contract.e2e_responses validates its answers)',
  },
  {
    status: '400',
    operationId: 'connectedAppsPage',
    reason: 'the sign-in form refuses nothing: a provider unknown or without a connector is a 404, a browser without a session gets one',
  },
];

const failures = [];
function fail(message) {
  failures.push(message);
  console.log(`  FAIL ${message}`);
}

// Never print a secret or token, even in a failure message (but the `code` of a Prism
// violation, beside its `severity`, is the name of the rule broken: kept).
const kSecretKeys = ['client_secret', 'access_token', 'token', 'refresh_token', 'code', 'code_verifier', 'password'];
function redact(value) {
  return JSON.stringify(value, function (key, v) {
    const secret = kSecretKeys.includes(key) && typeof v === 'string' && !(key === 'code' && 'severity' in this);
    return secret ? `<${v.length} chars>` : v;
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---- the document: its operations and documented status codes ----

const document = await SwaggerParser.dereference(documentPath);
const contract = await ResponseContract.load(documentPath);
const kMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const operations = [];
for (const [path, item] of Object.entries(document.paths)) {
  for (const method of kMethods) {
    if (!item[method]) continue;
    const pattern = new RegExp('^' + path.replace(/\{[^}]+\}/g, '[^/]+') + '$');
    operations.push({
      path,
      method: method.toUpperCase(),
      id: item[method].operationId ?? `${method.toUpperCase()} ${path}`,
      operationId: item[method].operationId,
      pattern,
      documented: Object.keys(item[method].responses),
      // A customer's page: its errors are HTML pages (413 documented as text/html).
      htmlErrors: Boolean(item[method].responses['413']?.content?.['text/html']),
      seen: new Set(),
    });
  }
}
function operationsOn(path) {
  const bare = path.split('?')[0];
  return operations.filter((op) => op.pattern.test(bare));
}

// ---- processes ----

const server = new ObauthServer(obauthBinary);
const prisms = [];
async function shutdown() {
  for (const prism of prisms) await stopChild(prism.child, 5000);
  const code = await server.stop({ keepDir: failures.length > 0 });
  if (code !== 0) fail(`obauth exited ${code} on SIGTERM`);
  if (failures.length > 0) console.log(`server log kept in ${server.logPath}:\n${server.logTail()}`);
}
const watchdog = setTimeout(() => {
  console.log(`FAIL: the flow did not finish within ${kOverallTimeoutMs / 1000} s`);
  console.log(server.logTail());
  process.exit(1); // the exit hook kills obauth and Prism
}, kOverallTimeoutMs);

const require = createRequire(import.meta.url);
const prismPackage = require.resolve('@stoplight/prism-cli/package.json');
const prismBin = join(dirname(prismPackage), require(prismPackage).bin.prism);

async function startPrism(upstream, errors) {
  const port = await freePort();
  const logPath = join(server.dir, `prism-${errors ? 'strict' : 'lenient'}.log`);
  const log = openSync(logPath, 'a');
  const args = ['proxy', documentPath, upstream, '-h', '127.0.0.1', '-p', String(port)];
  if (errors) args.push('--errors');
  const child = spawnTracked(process.execPath, [prismBin, ...args], {
    stdio: ['ignore', log, log],
  });
  const prism = { base: `http://127.0.0.1:${port}`, child, logPath };
  prisms.push(prism);
  return prism;
}

// Prism takes seconds to start: poll until it forwards /healthz, with a deadline.
async function waitForPrism(prism, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (prism.child.exitCode !== null) break;
    try {
      const answer = await fetch(prism.base + '/healthz', { signal: AbortSignal.timeout(2000) });
      if (answer.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Prism did not answer in time:\n${readFileSync(prism.logPath, 'utf8')}`);
}

// ---- requests ----

let strict;
let lenient;
let direct; // obauth itself, without Prism

function basic(id, secret) {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
}

// Sends one request through Prism and checks it. Options:
//   status       the expected status
//   violates     'request' — the request breaks the document on purpose (lenient proxy; Prism
//                must flag it); 'route' — a method the document does not list (405 checks);
//                'limit' — a request over obauth's size limits (lenient proxy: whatever Prism
//                thinks of a body or header it cannot know the limit of, only the response is
//                checked); 'limit-direct' — the same sent to obauth itself, for a GET with a
//                body, which Prism's proxy does not forward (stoplightio/prism#2259): Ajv alone
//                checks the answer;
//                'redirect-direct' — a request answered with a redirect (302), sent to obauth
//                itself: Prism's proxy follows redirects (node-fetch's default, stoplightio/prism#1977)
//                and would validate whatever the Location leads to; Ajv alone checks the answer;
//                'commas' — a conforming request with a comma-separated path parameter: Prism
//                5.12 matches paths with RFC 6570 URI templates, which split such a value into
//                an array, and then reports it is not a string (with `type: array` it crashes
//                instead: stoplightio/prism#2710); lenient proxy, only those path `type`
//                violations are tolerated, the response is checked as usual
//   json, form   a body (JSON-encoded, or form-encoded: an object, or [name, value] pairs for a
//                repeated field), raw + type for anything else
//   auth         an Authorization header value
//   cookie       a Cookie header value (Prism passes it through; the pages' session)
//   headers      more headers
// Returns {status, headers, body (parsed JSON or text)}.
async function call(name, method, path, options = {}) {
  const { status, violates, json, form, raw, type, auth, cookie, headers = {} } = options;
  const proxy = ['limit-direct', 'redirect-direct'].includes(violates) ? direct : violates ? lenient : strict;
  const sent = { ...headers };
  let body;
  if (json !== undefined) {
    body = JSON.stringify(json);
    sent['content-type'] = 'application/json';
  } else if (form !== undefined) {
    body = new URLSearchParams(form).toString();
    sent['content-type'] = 'application/x-www-form-urlencoded';
  } else if (raw !== undefined) {
    body = raw;
    sent['content-type'] = type;
  }
  if (auth) sent.authorization = auth;
  if (cookie) sent.cookie = cookie;
  const response = await send(proxy.base + path, { method, headers: sent, body });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  let parsed = text;
  if (contentType.includes('json') && text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      fail(`${name}: ${method} ${path} answered unparsable JSON`);
    }
  }
  const where = `${name}: ${method} ${path} -> ${response.status}`;

  if (contentType.startsWith('application/problem+json')) {
    fail(`${where}: Prism answered instead of obauth: ${redact(parsed)}`);
  }
  const header = proxy === direct ? null : response.headers.get('sl-violations');
  const violations = header ? JSON.parse(header) : [];
  const requestSide = violations.filter((v) => v.location?.[0] === 'request');
  const responseSide = violations.filter((v) => v.location?.[0] !== 'request');
  if (responseSide.length > 0) {
    fail(`${where}: response does not match the document: ${redact(responseSide)}`);
  }
  const untolerated = violates === 'commas'
    ? requestSide.filter((v) => !(v.location?.[1] === 'path' && v.code === 'type'))
    : requestSide;
  if ((!violates || violates === 'commas') && untolerated.length > 0) {
    fail(`${where}: request does not match the document: ${redact(untolerated)}`);
  }
  if ((violates === 'request' || violates === 'route') && requestSide.length === 0) {
    fail(`${where}: expected the document to reject this request, Prism accepted it`);
  }
  const { problems } = contract.check({
    method, target: path, status: response.status, contentType, body: text });
  for (const problem of problems) fail(`${where}: ${problem} (Ajv)`);
  if (status !== undefined && response.status !== status) {
    fail(`${where}: expected ${status}, body ${redact(parsed)}`);
  }
  if (violates === 'route') {
    // Prism cannot route a method the document does not list, so it validates nothing here: Ajv
    // held the answer to the path's documented 405 above; the Allow header is checked here.
    if (!response.headers.get('allow')) fail(`${where}: a 405 needs an Allow header`);
    for (const op of operationsOn(path)) {
      if (op.documented.includes(String(response.status))) op.seen.add(String(response.status));
    }
  } else {
    const ops = operationsOn(path).filter((op) => op.method === method);
    if (ops.length !== 1) fail(`${where}: matches ${ops.length} documented operations`);
    for (const op of ops) op.seen.add(String(response.status));
  }
  console.log(`  ok ${where}${violates ? ` (${violates} violation expected)` : ''}`);
  return { status: response.status, headers: response.headers, body: parsed };
}

// fetch(), or node:http for a GET or HEAD with a body, which fetch() refuses to send (the 413
// checks send one on every operation). Resolves to {status, headers.get(name), text()}. A
// redirect is returned as it is, never followed (node:http never follows one either).
function send(url, { method, headers, body }) {
  if (body === undefined || !['GET', 'HEAD'].includes(method)) return fetch(url, { method, headers, body, redirect: 'manual' });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode,
        headers: { get: (name) => res.headers[name.toLowerCase()] ?? null },
        text: async () => Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const token = (credentials, fields = {}, how = 'basic-form') => {
  const [auth, encoding] = how.split('-');
  const body = { grant_type: 'client_credentials', ...fields };
  if (auth === 'post') Object.assign(body, credentials);
  const options = { status: 200 };
  if (auth === 'basic') options.auth = basic(credentials.client_id, credentials.client_secret);
  if (encoding === 'json') options.json = body;
  else options.form = body;
  return options;
};

async function accessToken(name, credentials, fields) {
  const answer = await call(name, 'POST', '/api/v1/token', token(credentials, fields));
  return answer.body.access_token;
}

// ---- the customer's pages (docs/consent.md) ----

// The value of a hidden field of a page's form ('transaction', 'csrf', 'connection'), or
// undefined.
function hidden(page, name) {
  return typeof page === 'string' ? new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] : undefined;
}

// The FDX accountId of every account checkbox of a consent page.
function accountsOn(page) {
  return [...String(page).matchAll(/type="checkbox" name="account" value="([^"]*)"/g)].map((m) => m[1]);
}

// The Cookie header value that sends back the session cookie an answer set, or undefined.
function sessionOf(answer) {
  const value = /(?:^|[\s,;])obauth_session=([A-Za-z0-9_-]{43});/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
  return value && `obauth_session=${value}`;
}

// The query of a 302 back to the client, checked: it goes to `redirectUri`, with `state` and
// the issuer (RFC 9207). URLSearchParams: it may carry a code, never print it whole.
function backToClient(name, answer, redirectUri, state, issuer) {
  const location = answer.headers.get('location') ?? '';
  const at = location.indexOf('?');
  const target = at < 0 ? location : location.slice(0, at);
  const params = new URLSearchParams(at < 0 ? '' : location.slice(at + 1));
  if (target !== redirectUri) fail(`${name}: redirected to ${target || 'nowhere'}, expected ${redirectUri}`);
  if (params.get('state') !== state) fail(`${name}: state ${params.get('state')}, expected ${state}`);
  if (params.get('iss') !== issuer) fail(`${name}: iss ${params.get('iss')}, expected ${issuer}`);
  return params;
}

// ---- the flow ----

const recipientBody = {
  name: 'Contract Recipient',
  scope: ['ACCOUNT_BASIC', 'TRANSACTIONS'],
  redirect_uris: ['https://contract.example/callback'],
  logo_uri: 'https://contract.example/logo.png',
  description: 'Created by the contract flow',
  terms_uri: 'https://contract.example/terms',
  client_uri: 'https://contract.example',
  country: 'CA',
  contacts: [{ email: 'ops@contract.example' }],
};
const unknownId = 'dc-' + 'z'.repeat(25);
// The sample catalogue: 1000, 2000 and 9000 (the sandbox bank) in CA, 4013 in US.
const kCatalogue = join(dirname(fileURLToPath(import.meta.url)), '../../examples/providers.json');

async function flow() {
  const partner = await server.createPartner('Contract Partner');
  const otherPartner = await server.createPartner('Other Partner');
  const imported = JSON.parse(await server.command('providers', 'import', kCatalogue));
  if (imported.added !== 4) fail(`providers import: ${JSON.stringify(imported)}, expected 4 added`);
  const upstream = await server.start(['--max-header-bytes', String(kMaxHeaderBytes)]);
  direct = { base: upstream };
  [strict, lenient] = await Promise.all([startPrism(upstream, true), startPrism(upstream, false)]);
  const started = Date.now();
  await Promise.all([waitForPrism(strict), waitForPrism(lenient)]);
  console.log(`obauth at ${upstream}; Prism ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  console.log('# discovery, keys, health, metrics, the document itself');
  const metadata = (await call('metadata', 'GET', '/.well-known/oauth-authorization-server', { status: 200 })).body;
  if (metadata.issuer !== upstream) fail(`metadata: issuer ${metadata.issuer}, expected ${upstream}`);
  const grantTypes = [...(metadata.grant_types_supported ?? [])].sort().join(' ');
  if (metadata.authorization_endpoint !== `${upstream}/api/v1/authorize` || grantTypes !== 'authorization_code client_credentials refresh_token') {
    fail(`metadata: authorization_endpoint ${metadata.authorization_endpoint}, grant_types_supported ${grantTypes}`);
  }
  await call('jwks', 'GET', '/.well-known/jwks.json', { status: 200 });
  await call('liveness', 'GET', '/healthz', { status: 200 });
  await call('readiness', 'GET', '/readyz', { status: 200 });
  const served = await call('api description', 'GET', '/openapi.yaml', { status: 200 });
  if (served.body !== readFileSync(documentPath, 'utf8')) fail('GET /openapi.yaml differs from the document under test');

  console.log('# token endpoint');
  const admin = await accessToken('partner token, basic + form', partner, { scope: 'client:admin' });
  await call('partner token, basic + JSON', 'POST', '/api/v1/token', token(partner, { scope: 'client:admin' }, 'basic-json'));
  await call('partner token, post + form', 'POST', '/api/v1/token', token(partner, { scope: 'client:admin' }, 'post-form'));
  await call('partner token, post + JSON', 'POST', '/api/v1/token', token(partner, { scope: 'client:admin' }, 'post-json'));
  const otherAdmin = await accessToken('other partner token', otherPartner, { scope: 'client:admin' });
  const wrong = { client_id: partner.client_id, client_secret: 'wrong-secret' };
  const basicFailure = await call('bad secret, basic', 'POST', '/api/v1/token', { ...token(wrong), status: 401 });
  if (!basicFailure.headers.get('www-authenticate')?.startsWith('Basic')) fail('401 without WWW-Authenticate: Basic');
  const postFailure = await call('bad secret, post', 'POST', '/api/v1/token', { ...token(wrong, {}, 'post-json'), status: 400 });
  if (postFailure.body.error !== 'invalid_client') fail(`bad secret, post: ${postFailure.body.error}`);
  const badScope = await call('unknown scope', 'POST', '/api/v1/token', { ...token(partner, { scope: 'nope' }), status: 400 });
  if (badScope.body.error !== 'invalid_scope') fail(`unknown scope: ${badScope.body.error}`);
  const badGrant = await call('unsupported grant', 'POST', '/api/v1/token', {
    ...token(partner, { grant_type: 'password' }), status: 400, violates: 'request' });
  if (badGrant.body.error !== 'unsupported_grant_type') fail(`unsupported grant: ${badGrant.body.error}`);
  await call('no grant_type', 'POST', '/api/v1/token', {
    form: { scope: 'client:admin' }, auth: basic(partner.client_id, partner.client_secret), status: 400, violates: 'request' });
  await call('text/plain body', 'POST', '/api/v1/token', {
    raw: 'grant_type=client_credentials', type: 'text/plain', auth: basic(partner.client_id, partner.client_secret),
    status: 400, violates: 'request' });

  console.log('# recipients: create (with Idempotency-Key), validation, auth');
  const key = 'contract-create-1';
  const created = await call('create', 'POST', '/api/v1/recipients', {
    json: recipientBody, auth: `Bearer ${admin}`, headers: { 'Idempotency-Key': key }, status: 200 });
  const recipient = { client_id: created.body.client_id, client_secret: created.body.client_secret };
  const replay = await call('create replayed', 'POST', '/api/v1/recipients', {
    json: recipientBody, auth: `Bearer ${admin}`, headers: { 'Idempotency-Key': key }, status: 200 });
  if (replay.body.client_id !== recipient.client_id || replay.headers.get('idempotent-replayed') !== 'true') {
    fail('create replayed: not the original answer');
  }
  await call('create, key reused', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, name: 'Another' }, auth: `Bearer ${admin}`, headers: { 'Idempotency-Key': key }, status: 422 });
  await call('create without ACCOUNT_BASIC', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, scope: ['TRANSACTIONS'] }, auth: `Bearer ${admin}`, status: 400 });
  await call('create with an http redirect', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, redirect_uris: ['http://contract.example/cb'] }, auth: `Bearer ${admin}`,
    status: 400, violates: 'request' });
  await call('create without name', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, name: undefined }, auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('create, text/plain', 'POST', '/api/v1/recipients', {
    raw: JSON.stringify(recipientBody), type: 'text/plain', auth: `Bearer ${admin}`, status: 415, violates: 'request' });
  await call('create, body over 64 KiB', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, description: 'x'.repeat(70 * 1024) }, auth: `Bearer ${admin}`,
    status: 413, violates: 'request' });
  await call('create, no token', 'POST', '/api/v1/recipients', { json: recipientBody, status: 401, violates: 'request' });
  await call('create, bad token', 'POST', '/api/v1/recipients', { json: recipientBody, auth: 'Bearer not-a-jwt', status: 401 });

  console.log('# recipient token (its own data scopes), forbidden admin calls');
  let recipientToken = await accessToken('recipient token', recipient, {});
  const recipientAdmin = await call('recipient asks for client:admin', 'POST', '/api/v1/token', {
    ...token(recipient, { scope: 'client:admin' }), status: 400 });
  if (recipientAdmin.body.error !== 'invalid_scope') fail(`recipient client:admin: ${recipientAdmin.body.error}`);
  await call('create, recipient token', 'POST', '/api/v1/recipients', { json: recipientBody, auth: `Bearer ${recipientToken}`, status: 403 });

  console.log('# list, show, update');
  const id = recipient.client_id;
  await call('list', 'GET', '/api/v1/recipients', { auth: `Bearer ${admin}`, status: 200 });
  await call('list, flinks-auth-key', 'GET', '/api/v1/recipients', { headers: { 'flinks-auth-key': admin }, status: 200 });
  await call('list, one page', 'GET', '/api/v1/recipients?limit=1', { auth: `Bearer ${admin}`, status: 200 });
  await call('list, limit out of range', 'GET', '/api/v1/recipients?limit=0', { auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('list, no token', 'GET', '/api/v1/recipients', { status: 401, violates: 'request' });
  await call('list, recipient token', 'GET', '/api/v1/recipients', { auth: `Bearer ${recipientToken}`, status: 403 });
  await call('show', 'GET', `/api/v1/recipients/${id}`, { auth: `Bearer ${admin}`, status: 200 });
  await call('show, unknown', 'GET', `/api/v1/recipients/${unknownId}`, { auth: `Bearer ${admin}`, status: 404 });
  await call('show, other partner', 'GET', `/api/v1/recipients/${id}`, { auth: `Bearer ${otherAdmin}`, status: 404 });
  await call('show, malformed id', 'GET', '/api/v1/recipients/nope', { auth: `Bearer ${admin}`, status: 404, violates: 'request' });
  await call('show, bad token', 'GET', `/api/v1/recipients/${id}`, { auth: 'Bearer not-a-jwt', status: 401 });
  await call('show, recipient token', 'GET', `/api/v1/recipients/${id}`, { auth: `Bearer ${recipientToken}`, status: 403 });
  const updated = await call('update', 'PUT', `/api/v1/recipients/${id}`, {
    json: { redirect_uris: ['https://contract.example/a', 'https://contract.example/b'] }, auth: `Bearer ${admin}`, status: 200 });
  if (updated.body.redirect_uris?.length !== 2) fail('update: redirect_uris not replaced');
  await call('update without ACCOUNT_BASIC', 'PUT', `/api/v1/recipients/${id}`, {
    json: { scope: ['TRANSACTIONS'] }, auth: `Bearer ${admin}`, status: 400 });
  await call('update, empty object', 'PUT', `/api/v1/recipients/${id}`, {
    json: {}, auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('update, text/plain', 'PUT', `/api/v1/recipients/${id}`, {
    raw: '{"name":"x"}', type: 'text/plain', auth: `Bearer ${admin}`, status: 415, violates: 'request' });
  await call('update, unknown', 'PUT', `/api/v1/recipients/${unknownId}`, { json: { name: 'x' }, auth: `Bearer ${admin}`, status: 404 });
  await call('update, bad token', 'PUT', `/api/v1/recipients/${id}`, { json: { name: 'x' }, auth: 'Bearer not-a-jwt', status: 401 });
  await call('update, recipient token', 'PUT', `/api/v1/recipients/${id}`, { json: { name: 'x' }, auth: `Bearer ${recipientToken}`, status: 403 });

  console.log('# optional fields: absent on create, cleared with null on update');
  const bare = await call('create with only the required fields', 'POST', '/api/v1/recipients', {
    json: { name: 'Bare Recipient', scope: 'ACCOUNT_BASIC', redirect_uris: 'https://bare.example/cb' },
    auth: `Bearer ${admin}`, status: 200 });
  const bareId = bare.body.client_id;
  for (const field of ['logo_uri', 'description', 'terms_uri', 'client_uri', 'country']) {
    if (bare.body[field] !== null) fail(`create with only the required fields: ${field} is ${redact(bare.body[field])}, not null`);
  }
  if (!Array.isArray(bare.body.contacts) || bare.body.contacts.length !== 0) fail('create with only the required fields: contacts is not []');
  await call('show the bare recipient', 'GET', `/api/v1/recipients/${bareId}`, { auth: `Bearer ${admin}`, status: 200 });
  await call('list with the bare recipient', 'GET', '/api/v1/recipients', { auth: `Bearer ${admin}`, status: 200 });
  const cleared = await call('clear every optional field', 'PUT', `/api/v1/recipients/${bareId}`, {
    json: { logo_uri: null, description: null, terms_uri: null, client_uri: null, country: null, contacts: null },
    auth: `Bearer ${admin}`, status: 200 });
  if (cleared.body.country !== null) fail(`clear every optional field: country ${cleared.body.country}`);
  const filled = await call('set the optional fields of the bare recipient', 'PUT', `/api/v1/recipients/${bareId}`, {
    json: { country: 'US', contacts: [{ email: 'ops@bare.example' }], description: 'Filled in later' },
    auth: `Bearer ${admin}`, status: 200 });
  if (filled.body.country !== 'US') fail(`set the optional fields: country ${filled.body.country}`);
  await call('clear the country again', 'PUT', `/api/v1/recipients/${bareId}`, {
    json: { country: null }, auth: `Bearer ${admin}`, status: 200 });
  await call('rotate the bare recipient', 'POST', `/api/v1/recipients/${bareId}/secret`, { auth: `Bearer ${admin}`, status: 200 });

  console.log('# secret rotation, grace period, Idempotency-Key, previous secret');
  const rotated = await call('rotate, no body', 'POST', `/api/v1/recipients/${id}/secret`, { auth: `Bearer ${admin}`, status: 200 });
  const oldSecret = recipient.client_secret;
  recipient.client_secret = rotated.body.client_secret;
  await call('old secret rejected', 'POST', '/api/v1/token', { ...token({ client_id: id, client_secret: oldSecret }), status: 401 });
  await accessToken('new secret works', recipient, {});
  const graceKey = 'contract-rotate-1';
  const grace = await call('rotate with grace', 'POST', `/api/v1/recipients/${id}/secret`, {
    json: { previous_secret_expires_in: 3600 }, auth: `Bearer ${admin}`, headers: { 'Idempotency-Key': graceKey }, status: 200 });
  if (!grace.body.previous_secret_expires_at) fail('rotate with grace: no previous_secret_expires_at');
  const graceReplay = await call('rotate with grace replayed', 'POST', `/api/v1/recipients/${id}/secret`, {
    json: { previous_secret_expires_in: 3600 }, auth: `Bearer ${admin}`, headers: { 'Idempotency-Key': graceKey }, status: 200 });
  if (graceReplay.body.client_secret !== grace.body.client_secret) fail('rotate replayed: a different secret');
  await call('rotate, key reused', 'POST', `/api/v1/recipients/${id}/secret`, {
    json: { previous_secret_expires_in: 60 }, auth: `Bearer ${admin}`, headers: { 'Idempotency-Key': graceKey }, status: 422 });
  const previous = recipient.client_secret;
  recipient.client_secret = grace.body.client_secret;
  await accessToken('previous secret works in its grace period', { client_id: id, client_secret: previous }, {});
  const details = await call('show during grace', 'GET', `/api/v1/recipients/${id}`, { auth: `Bearer ${admin}`, status: 200 });
  if (!details.body.previous_secret_expires_at) fail('show during grace: previous_secret_expires_at is null');
  await call('rotate during grace', 'POST', `/api/v1/recipients/${id}/secret`, { auth: `Bearer ${admin}`, status: 409 });
  await call('rotate, grace too long', 'POST', `/api/v1/recipients/${id}/secret`, {
    json: { previous_secret_expires_in: 604801 }, auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('rotate, text/plain', 'POST', `/api/v1/recipients/${id}/secret`, {
    raw: '{}', type: 'text/plain', auth: `Bearer ${admin}`, status: 415, violates: 'request' });
  await call('rotate, unknown', 'POST', `/api/v1/recipients/${unknownId}/secret`, { auth: `Bearer ${admin}`, status: 404 });
  await call('rotate, bad token', 'POST', `/api/v1/recipients/${id}/secret`, { auth: 'Bearer not-a-jwt', status: 401 });
  await call('rotate, recipient token', 'POST', `/api/v1/recipients/${id}/secret`, { auth: `Bearer ${recipientToken}`, status: 403 });
  await call('end grace', 'DELETE', `/api/v1/recipients/${id}/secret/previous`, { auth: `Bearer ${admin}`, status: 204 });
  await call('previous secret rejected', 'POST', '/api/v1/token', { ...token({ client_id: id, client_secret: previous }), status: 401 });
  await call('end grace, unknown', 'DELETE', `/api/v1/recipients/${unknownId}/secret/previous`, { auth: `Bearer ${admin}`, status: 404 });
  await call('end grace, bad token', 'DELETE', `/api/v1/recipients/${id}/secret/previous`, { auth: 'Bearer not-a-jwt', status: 401 });
  await call('end grace, recipient token', 'DELETE', `/api/v1/recipients/${id}/secret/previous`, { auth: `Bearer ${recipientToken}`, status: 403 });
  const revokeAll = await call('rotate, revoke tokens', 'POST', `/api/v1/recipients/${id}/secret`, {
    json: { revoke_tokens: true }, auth: `Bearer ${admin}`, status: 200 });
  recipient.client_secret = revokeAll.body.client_secret;

  console.log('# introspection');
  const fresh = await accessToken('recipient token to introspect', recipient, {});
  const active = await call('introspect, basic + form', 'POST', '/api/v1/introspect', {
    form: { token: fresh }, auth: basic(partner.client_id, partner.client_secret), status: 200 });
  if (active.body.active !== true || active.body.client_id !== id) fail('introspect: not active for its recipient');
  await call('introspect, post + JSON', 'POST', '/api/v1/introspect', { json: { token: fresh, ...partner }, status: 200 });
  const stale = await call('introspect, token issued before revoke_tokens', 'POST', '/api/v1/introspect', {
    form: { token: recipientToken }, auth: basic(partner.client_id, partner.client_secret), status: 200 });
  if (stale.body.active !== false) fail('introspect: a token issued before revoke_tokens is active');
  recipientToken = fresh;
  await call('introspect, garbage', 'POST', '/api/v1/introspect', {
    form: { token: 'garbage', token_type_hint: 'access_token' }, auth: basic(partner.client_id, partner.client_secret), status: 200 });
  const notPartner = await call('introspect, recipient credentials', 'POST', '/api/v1/introspect', {
    form: { token: fresh }, auth: basic(recipient.client_id, recipient.client_secret), status: 400 });
  if (notPartner.body.error !== 'unauthorized_client') fail(`introspect by recipient: ${notPartner.body.error}`);
  await call('introspect, bad secret', 'POST', '/api/v1/introspect', { form: { token: fresh }, auth: basic(partner.client_id, 'wrong'), status: 401 });
  await call('introspect, no token', 'POST', '/api/v1/introspect', {
    form: {}, auth: basic(partner.client_id, partner.client_secret), status: 400, violates: 'request' });
  const bearerCaller = await call('introspect, a bearer token instead of credentials', 'POST', '/api/v1/introspect', {
    form: { token: fresh }, auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  if (bearerCaller.body.error !== 'invalid_client' || !bearerCaller.body.error_description?.includes('Client credentials are required')) {
    fail(`introspect with a bearer token: ${redact(bearerCaller.body)}`);
  }

  console.log('# audit trail');
  const page = await call('audit', 'GET', '/api/v1/audit?limit=2', { auth: `Bearer ${admin}`, status: 200 });
  if (page.body.next) await call('audit, next page', 'GET', `/api/v1/audit?limit=2&after=${encodeURIComponent(page.body.next)}`, { auth: `Bearer ${admin}`, status: 200 });
  await call('audit of one recipient', 'GET', `/api/v1/audit?client_id=${id}`, { auth: `Bearer ${admin}`, status: 200 });
  await call('audit, limit 0', 'GET', '/api/v1/audit?limit=0', { auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('audit, bad token', 'GET', '/api/v1/audit', { auth: 'Bearer not-a-jwt', status: 401 });
  await call('audit, recipient token', 'GET', '/api/v1/audit', { auth: `Bearer ${recipientToken}`, status: 403 });

  console.log('# Data Providers: catalogue, details, a recipient\'s active list');
  const catalogue = await call('catalogue', 'GET', '/api/v1/providers', { auth: `Bearer ${admin}`, status: 200 });
  const catalogueIds = catalogue.body.map?.((p) => p.provider_id).join(',');
  if (catalogueIds !== '1000,2000,4013,9000') fail(`catalogue: providers ${catalogueIds}, expected 1000,2000,4013,9000`);
  await call('catalogue, flinks-auth-key', 'GET', '/api/v1/providers', { headers: { 'flinks-auth-key': admin }, status: 200 });
  const noneActive = await call('active providers, none yet', 'GET', '/api/v1/providers', { auth: `Bearer ${recipientToken}`, status: 200 });
  if (noneActive.body.length !== 0) fail(`active providers before any registration: ${redact(noneActive.body)}`);
  await call('providers, bad token', 'GET', '/api/v1/providers', { auth: 'Bearer not-a-jwt', status: 401 });
  await call('providers, no token', 'GET', '/api/v1/providers', { status: 401, violates: 'request' });
  await call('providers, a query parameter', 'GET', '/api/v1/providers?page=2', { auth: `Bearer ${admin}`, status: 400 });
  const provider = await call('provider details', 'GET', '/api/v1/providers/4013', { auth: `Bearer ${admin}`, status: 200 });
  if (provider.body.provider_url !== 'https://prairie-federal.example/' || !provider.body.data_inventory?.investments) {
    fail(`provider details: ${redact(provider.body)}`);
  }
  const noProvider = await call('provider details, unknown', 'GET', '/api/v1/providers/77', { auth: `Bearer ${admin}`, status: 404 });
  if (noProvider.body.message !== 'Data Provider not found') fail(`unknown provider: ${redact(noProvider.body)}`);
  await call('provider details, not a number', 'GET', '/api/v1/providers/abc', { auth: `Bearer ${admin}`, status: 404, violates: 'request' });
  await call('provider details, bad token', 'GET', '/api/v1/providers/1000', { auth: 'Bearer not-a-jwt', status: 401 });
  await call('provider details, recipient token', 'GET', '/api/v1/providers/1000', { auth: `Bearer ${recipientToken}`, status: 403 });

  // The recipient's v2 statuses, by provider id: "1000:Activated,2000:Available,...".
  const v2Statuses = async (name, query = '') => {
    const answer = await call(name, 'GET', `/api/v2/providers${query}`, { auth: `Bearer ${recipientToken}`, status: 200 });
    return answer.body.map((p) => `${p.provider_id}:${p.status}`).join(',');
  };
  const expectV2 = async (name, query, expected) => {
    const statuses = await v2Statuses(name, query);
    if (statuses !== expected) fail(`${name}: ${statuses}, expected ${expected}`);
  };
  await expectV2('v2 providers, nothing requested', '', '1000:Available,2000:Available,4013:Available,9000:Available');

  console.log('# registrations: request, status, transitions with `obauth registrations`');
  const second = await call('create a second recipient', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, name: 'Second Recipient' }, auth: `Bearer ${admin}`, status: 200 });
  const id2 = second.body.client_id;
  const requested = await call('request registrations', 'POST', `/api/v1/recipients/providers/requests/${id},${id2}/1000,2000`, {
    auth: `Bearer ${admin}`, status: 200, violates: 'commas' });
  const pairs = requested.body.map?.((r) => `${r.client_id === id ? 'first' : 'second'}:${r.provider_id}:${r.registration_status}`).sort().join(',');
  if (pairs !== 'first:1000:PENDING_APPROVAL,first:2000:PENDING_APPROVAL,second:1000:PENDING_APPROVAL,second:2000:PENDING_APPROVAL') {
    fail(`request registrations: ${pairs}`);
  }
  for (const r of requested.body) {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.requested_on)) fail(`requested_on ${r.requested_on} is not RFC 3339 UTC to the second`);
  }
  const again = await call('request again', 'POST', `/api/v1/recipients/providers/requests/${id}/1000`, { auth: `Bearer ${admin}`, status: 200 });
  const firstPair = requested.body.find((r) => r.client_id === id && r.provider_id === 1000);
  if (again.body.length !== 1 || again.body[0].requested_on !== firstPair?.requested_on) fail(`request again: ${redact(again.body)}`);
  await call('request for the second recipient', 'POST', `/api/v1/recipients/providers/requests/${id2}/4013`, { auth: `Bearer ${admin}`, status: 200 });
  const unknownTargets = await call('request, unknown ids', 'POST', `/api/v1/recipients/providers/requests/${id},${unknownId}/1000,77`, {
    auth: `Bearer ${admin}`, status: 404, violates: 'commas' });
  if (unknownTargets.body.message !== `Nothing was requested: no Data Recipient ${unknownId}; no Data Provider 77`) {
    fail(`request, unknown ids: ${redact(unknownTargets.body)}`);
  }
  await call('request, unknown recipient', 'POST', `/api/v1/recipients/providers/requests/${unknownId}/1000`, { auth: `Bearer ${admin}`, status: 404 });
  await call('request, unknown provider', 'POST', `/api/v1/recipients/providers/requests/${id}/77`, { auth: `Bearer ${admin}`, status: 404 });
  await call('request, other partner', 'POST', `/api/v1/recipients/providers/requests/${id}/4013`, { auth: `Bearer ${otherAdmin}`, status: 404 });
  // Breaks the document's pattern, but Prism sees only the split value (see 'commas').
  await call('request, empty recipient id', 'POST', `/api/v1/recipients/providers/requests/${id},/1000`, {
    auth: `Bearer ${admin}`, status: 400, violates: 'commas' });
  await call('request, provider id not a number', 'POST', `/api/v1/recipients/providers/requests/${id}/abc`, {
    auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('request, bad token', 'POST', `/api/v1/recipients/providers/requests/${id}/4013`, { auth: 'Bearer not-a-jwt', status: 401 });
  await call('request, recipient token', 'POST', `/api/v1/recipients/providers/requests/${id}/4013`, { auth: `Bearer ${recipientToken}`, status: 403 });
  await expectV2('v2 providers, pending approval', '', '1000:PendingActivation,2000:PendingActivation,4013:Available,9000:Available');

  // `obauth registrations ACTION` prints the registration (a JSON object).
  const cliStatus = async (action, clientId, providerId) =>
    JSON.parse(await server.command('registrations', action, clientId, String(providerId))).registration_status;
  const moves = [
    ['approve', 1000, 'PENDING_ACTIVATION'], ['activate', 1000, 'ACTIVE'], ['approve', 2000, 'PENDING_ACTIVATION']];
  for (const [action, providerId, expected] of moves) {
    const status = await cliStatus(action, id, providerId);
    if (status !== expected) fail(`registrations ${action} ${providerId}: ${status}, expected ${expected}`);
  }
  const mine = await call('registrations of a recipient', 'GET', `/api/v1/recipients/${id}/providers/requests`, { auth: `Bearer ${admin}`, status: 200 });
  const mineStatuses = mine.body.map((r) => `${r.provider_id}:${r.registration_status}`).join(',');
  if (mineStatuses !== '1000:ACTIVE,2000:PENDING_ACTIVATION') fail(`registrations of a recipient: ${mineStatuses}`);
  const mineFirst = await call('registrations of a recipient, one page', 'GET', `/api/v1/recipients/${id}/providers/requests?limit=1`, { auth: `Bearer ${admin}`, status: 200 });
  if (mineFirst.body.length !== 1 || !/rel="next"/.test(mineFirst.headers.get('link') ?? '')) fail('registrations of a recipient, one page: no next link');
  await call('registrations of a recipient, limit 0', 'GET', `/api/v1/recipients/${id}/providers/requests?limit=0`, { auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('registrations of a recipient, unknown', 'GET', `/api/v1/recipients/${unknownId}/providers/requests`, { auth: `Bearer ${admin}`, status: 404 });
  await call('registrations of a recipient, other partner', 'GET', `/api/v1/recipients/${id}/providers/requests`, { auth: `Bearer ${otherAdmin}`, status: 404 });
  await call('registrations of a recipient, bad token', 'GET', `/api/v1/recipients/${id}/providers/requests`, { auth: 'Bearer not-a-jwt', status: 401 });
  await call('registrations of a recipient, recipient token', 'GET', `/api/v1/recipients/${id}/providers/requests`, { auth: `Bearer ${recipientToken}`, status: 403 });
  const all = await call('registrations of all recipients', 'GET', '/api/v1/recipients/providers/requests', { auth: `Bearer ${admin}`, status: 200 });
  if (all.body.length !== 5) fail(`registrations of all recipients: ${all.body.length}, expected 5`);
  await call('registrations of all, limit 1001', 'GET', '/api/v1/recipients/providers/requests?limit=1001', { auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  const othersAll = await call('registrations of all, other partner', 'GET', '/api/v1/recipients/providers/requests', { auth: `Bearer ${otherAdmin}`, status: 200 });
  if (othersAll.body.length !== 0) fail(`other partner sees ${othersAll.body.length} registrations`);
  await call('registrations of all, bad token', 'GET', '/api/v1/recipients/providers/requests', { auth: 'Bearer not-a-jwt', status: 401 });
  await call('registrations of all, recipient token', 'GET', '/api/v1/recipients/providers/requests', { auth: `Bearer ${recipientToken}`, status: 403 });

  const activeList = await call('active providers', 'GET', '/api/v1/providers', { auth: `Bearer ${recipientToken}`, status: 200 });
  if (activeList.body.map((p) => p.provider_id).join(',') !== '1000') fail(`active providers: ${redact(activeList.body)}`);
  await expectV2('v2 providers', '', '1000:Activated,2000:PendingActivation,4013:Available,9000:Available');
  if ((await cliStatus('suspend', id, 2000)) !== 'SUSPENDED') fail('registrations suspend: not SUSPENDED');
  await expectV2('v2 providers, enabled', '?isEnabledForClient=true', '1000:Activated');
  await expectV2('v2 providers, not enabled', '?isEnabledForClient=false', '2000:Suspended,4013:Available,9000:Available');
  await expectV2('v2 providers, US', '?country=US', '4013:Available');
  await expectV2('v2 providers, CA,US, not enabled', '?country=CA,US&isEnabledForClient=false', '2000:Suspended,4013:Available,9000:Available');
  if ((await cliStatus('activate', id, 2000)) !== 'ACTIVE') fail('registrations activate after suspend: not ACTIVE');
  await expectV2('v2 providers, CA', '?country=CA', '1000:Activated,2000:Activated,9000:Available');
  await call('v2 providers, unknown country', 'GET', '/api/v2/providers?country=FR', { auth: `Bearer ${recipientToken}`, status: 400, violates: 'request' });
  await call('v2 providers, isEnabledForClient not a boolean', 'GET', '/api/v2/providers?isEnabledForClient=yes', {
    auth: `Bearer ${recipientToken}`, status: 400, violates: 'request' });
  await call('v2 providers, partner token', 'GET', '/api/v2/providers', { auth: `Bearer ${admin}`, status: 403 });
  await call('v2 providers, bad token', 'GET', '/api/v2/providers', { auth: 'Bearer not-a-jwt', status: 401 });

  console.log('# the customer\'s connection (docs/consent.md): authorize, sign-in, consent, grants, connections');
  // Every answer that is a redirect is asked of obauth itself ('redirect-direct'): Prism's proxy
  // would follow it. A loopback redirect URI (RFC 8252 §7.3) and an https one.
  const callback = 'http://127.0.0.1/contract/callback';
  const httpsCallback = 'https://contract.example/callback';
  const connecting = await call('create a recipient to connect', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, name: 'Connecting Recipient', redirect_uris: [httpsCallback, callback] },
    auth: `Bearer ${admin}`, status: 200 });
  const app = { client_id: connecting.body.client_id, client_secret: connecting.body.client_secret };
  const verifier = randomBytes(32).toString('base64url');
  const authorizeRequest = {
    client_id: app.client_id, redirect_uri: callback, state: 'contract-state', response_type: 'code',
    scope: 'ACCOUNT_BASIC TRANSACTIONS', provider_id: '9000',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' };
  // The authorize target with `changes` to that request (undefined leaves a parameter out).
  const authorize = (changes = {}) => '/api/v1/authorize?' + Object.entries({ ...authorizeRequest, ...changes })
    .filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const refusedToClient = async (name, changes, error) => {
    const answer = await call(name, 'GET', authorize(changes), { status: 302, violates: 'redirect-direct' });
    const back = backToClient(name, answer, changes.redirect_uri ?? callback, authorizeRequest.state, upstream);
    if (back.get('error') !== error || !back.get('error_description')) fail(`${name}: error ${back.get('error')}, expected ${error}`);
  };
  await refusedToClient('authorize, no registration with the provider', {}, 'unauthorized_client');
  await call('request the sandbox bank', 'POST', `/api/v1/recipients/providers/requests/${app.client_id}/9000`, {
    auth: `Bearer ${admin}`, status: 200 });
  await refusedToClient('authorize, registration pending', {}, 'unauthorized_client');
  for (const [action, expected] of [['approve', 'PENDING_ACTIVATION'], ['activate', 'ACTIVE']]) {
    const status = await cliStatus(action, app.client_id, 9000);
    if (status !== expected) fail(`registrations ${action} 9000: ${status}, expected ${expected}`);
  }
  await refusedToClient('authorize, response_type token', { response_type: 'token' }, 'unsupported_response_type');
  await refusedToClient('authorize, a provider without a connector', { provider_id: '1000' }, 'invalid_request');
  await refusedToClient('authorize, scope without ACCOUNT_BASIC', { scope: 'TRANSACTIONS' }, 'invalid_scope');
  await refusedToClient('authorize, a scope the recipient lacks', { scope: 'ACCOUNT_BASIC STATEMENTS' }, 'invalid_scope');
  await refusedToClient('authorize, PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request');
  await refusedToClient('authorize, https redirect URI, no response_type', {
    redirect_uri: httpsCallback, response_type: undefined }, 'invalid_request');
  // Never sent to an unverified redirect URI: a page.
  const unknownClient = await call('authorize, unknown client', 'GET', authorize({ client_id: unknownId }), { status: 400 });
  if (!String(unknownClient.body).includes('is not known')) fail(`authorize, unknown client: ${unknownClient.body}`);
  await call('authorize, a partner', 'GET', authorize({ client_id: partner.client_id }), { status: 400 });
  await call('provider callback, a state not made here', 'GET', '/api/v1/authorize/callback?code=c&state=forged', { status: 400 });
  await call('authorize, unregistered redirect URI', 'GET', authorize({ redirect_uri: 'https://contract.example/elsewhere' }), { status: 400 });
  await call('authorize, no client_id', 'GET', authorize({ client_id: undefined }), { status: 400, violates: 'request' });

  const signIn = await call('authorize', 'GET', authorize(), { status: 200 });
  const cookie = sessionOf(signIn);
  const setCookie = signIn.headers.get('set-cookie') ?? '';
  if (!cookie || !/HttpOnly/i.test(setCookie) || !/SameSite=Lax/i.test(setCookie)) fail(`authorize: session cookie ${setCookie || 'not set'}`);
  if (signIn.headers.get('x-frame-options') !== 'DENY' || !signIn.headers.get('content-security-policy')) {
    fail('authorize: the page lacks X-Frame-Options DENY or Content-Security-Policy');
  }
  const signInForm = { transaction: hidden(signIn.body, 'transaction'), csrf: hidden(signIn.body, 'csrf'), username: 'alice', password: 'sandbox' };
  if (!signInForm.transaction || !signInForm.csrf) fail('authorize: the sign-in page has no transaction or csrf field');
  const css = await call('stylesheet', 'GET', '/assets/obauth.css', { status: 200 });
  if (!css.headers.get('content-type')?.startsWith('text/css')) fail(`stylesheet: ${css.headers.get('content-type')}`);

  const login = '/api/v1/authorize/login';
  const wrongPassword = await call('sign in, wrong password', 'POST', login, {
    form: { ...signInForm, password: 'wrong' }, cookie, status: 400 });
  if (!String(wrongPassword.body).includes('The username or password is incorrect.') || hidden(wrongPassword.body, 'transaction') !== signInForm.transaction) {
    fail('sign in, wrong password: not the sign-in page again');
  }
  // Another browser's forms: no cookie, another (well-formed: 256 bits) cookie, a CSRF token of
  // another session, an altered transaction.
  const otherBrowser = `obauth_session=${'B'.repeat(42)}A`;
  const altered = signInForm.transaction.slice(0, 20) + (signInForm.transaction[20] === 'A' ? 'B' : 'A') + signInForm.transaction.slice(21);
  await call('sign in, no session cookie', 'POST', login, { form: signInForm, status: 400 });
  await call('sign in, another browser\'s cookie', 'POST', login, { form: signInForm, cookie: otherBrowser, status: 400 });
  await call('sign in, wrong csrf', 'POST', login, { form: { ...signInForm, csrf: 'A'.repeat(43) }, cookie, status: 400 });
  await call('sign in, altered transaction', 'POST', login, { form: { ...signInForm, transaction: altered }, cookie, status: 400 });
  await call('sign in, no csrf field', 'POST', login, {
    form: { transaction: signInForm.transaction, username: 'alice', password: 'sandbox' }, cookie, status: 400, violates: 'request' });
  // 10 failed sign-ins of one username in a minute: the next is a 429 page, the password unchecked.
  for (let attempt = 1; attempt <= 10; attempt++) {
    await call(`sign in as mallory, failure ${attempt}`, 'POST', login, {
      form: { ...signInForm, username: 'mallory', password: `guess-${attempt}` }, cookie, status: 400 });
  }
  const lockedOut = await call('sign in as mallory, locked out', 'POST', login, {
    form: { ...signInForm, username: 'mallory' }, cookie, status: 429 });
  if (!lockedOut.headers.get('retry-after')) fail('sign in as mallory, locked out: 429 without Retry-After');

  const consentPage = await call('sign in', 'POST', login, { form: signInForm, cookie, status: 200 });
  const accounts = accountsOn(consentPage.body);
  const consentForm = { transaction: hidden(consentPage.body, 'transaction'), csrf: hidden(consentPage.body, 'csrf') };
  if (accounts.length !== 4 || !consentForm.transaction) fail(`sign in: the consent page has ${accounts.length} accounts, expected alice's 4`);
  const consent = '/api/v1/authorize/consent';
  const noAccount = await call('consent, no account chosen', 'POST', consent, {
    form: { ...consentForm, decision: 'approve' }, cookie, status: 400 });
  if (!String(noAccount.body).includes('Choose at least one of your accounts.')) fail('consent, no account chosen: not the consent page again');
  await call('consent, another customer\'s account', 'POST', consent, {
    form: [...Object.entries(consentForm), ['account', '0'.repeat(24)], ['decision', 'approve']], cookie, status: 400 });
  await call('consent, wrong csrf', 'POST', consent, {
    form: { ...consentForm, csrf: 'A'.repeat(43), decision: 'deny' }, cookie, status: 400 });
  await call('consent, the sign-in page\'s transaction', 'POST', consent, {
    form: { ...consentForm, transaction: signInForm.transaction, account: accounts[0], decision: 'approve' }, cookie, status: 400 });
  await call('consent, decision neither approve nor deny', 'POST', consent, {
    form: { ...consentForm, decision: 'later' }, cookie, status: 400, violates: 'request' });
  const denied = await call('consent, deny', 'POST', consent, {
    form: { ...consentForm, decision: 'deny' }, cookie, status: 302, violates: 'redirect-direct' });
  const deniedBack = backToClient('consent, deny', denied, callback, authorizeRequest.state, upstream);
  if (deniedBack.get('error') !== 'access_denied' || deniedBack.get('error_description') !== 'The user denied the access' || deniedBack.has('code')) {
    fail(`consent, deny: error ${deniedBack.get('error')}, ${deniedBack.has('code') ? 'a code' : 'no code'}`);
  }
  const shared = accounts.slice(0, 2);
  const approved = await call('consent, approve two accounts', 'POST', consent, {
    form: [...Object.entries(consentForm), ...shared.map((a) => ['account', a]), ['decision', 'approve']],
    cookie, status: 302, violates: 'redirect-direct' });
  const code = backToClient('consent, approve', approved, callback, authorizeRequest.state, upstream).get('code');
  if (!/^[0-9a-f]{11}[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{43}$/.test(code ?? '')) fail('consent, approve: no code in the redirect');

  console.log('# the authorization_code and refresh_token grants');
  const exchange = { grant_type: 'authorization_code', code, redirect_uri: callback, code_verifier: verifier };
  const grantError = async (name, credentials, fields, error, how) => {
    const answer = await call(name, 'POST', '/api/v1/token', { ...token(credentials, fields, how), status: 400 });
    if (answer.body.error !== error) fail(`${name}: ${redact(answer.body)}, expected ${error}`);
  };
  await grantError('code, wrong verifier', app, { ...exchange, code_verifier: randomBytes(32).toString('base64url') }, 'invalid_grant');
  await grantError('code, no verifier', app, { grant_type: 'authorization_code', code, redirect_uri: callback }, 'invalid_grant');
  await grantError('code, the other redirect URI', app, { ...exchange, redirect_uri: httpsCallback }, 'invalid_grant');
  await grantError('code, no redirect_uri', app, { grant_type: 'authorization_code', code, code_verifier: verifier }, 'invalid_request');
  await grantError('code, another client', recipient, exchange, 'invalid_grant');
  await grantError('code, a partner', partner, exchange, 'unauthorized_client');
  const granted = (await call('code exchanged', 'POST', '/api/v1/token', token(app, exchange))).body;
  if (granted.token_type !== 'Bearer' || granted.scope !== 'ACCOUNT_BASIC TRANSACTIONS' || !/^cn-[0-9a-f]{11}[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{43}$/.test(granted.refresh_token ?? '')) {
    fail(`code exchanged: ${redact(granted)}`);
  }
  const refresh = { grant_type: 'refresh_token', refresh_token: granted.refresh_token };
  const narrower = await call('refresh, a narrower scope, basic + JSON', 'POST', '/api/v1/token', token(app, { ...refresh, scope: 'ACCOUNT_BASIC' }, 'basic-json'));
  if (narrower.body.scope !== 'ACCOUNT_BASIC' || 'refresh_token' in narrower.body) fail(`refresh, a narrower scope: ${redact(narrower.body)}`);
  await call('refresh, post + form', 'POST', '/api/v1/token', token(app, refresh, 'post-form'));
  await grantError('refresh, beyond the consent', app, { ...refresh, scope: 'ACCOUNT_BASIC STATEMENTS' }, 'invalid_scope');
  await grantError('refresh, another client', recipient, refresh, 'invalid_grant');
  await grantError('refresh, unknown token', app, { ...refresh, refresh_token: randomBytes(32).toString('base64url') }, 'invalid_grant');
  await grantError('refresh, no refresh_token', app, { grant_type: 'refresh_token' }, 'invalid_request');
  const introspected = await call('introspect a connection\'s token', 'POST', '/api/v1/introspect', {
    form: { token: granted.access_token }, auth: basic(partner.client_id, partner.client_secret), status: 200 });
  if (introspected.body.active !== true || introspected.body.client_id !== app.client_id) fail(`introspect a connection's token: ${redact(introspected.body)}`);

  // A second connection: bob, through the https redirect URI, without PKCE, in French.
  const bobSignIn = await call('authorize, https redirect URI, no PKCE, in French', 'GET', authorize({
    redirect_uri: httpsCallback, code_challenge: undefined, code_challenge_method: undefined, lang: 'fr' }), { cookie, status: 200 });
  if (sessionOf(bobSignIn)) fail('authorize with a session cookie: set another one');
  const bobConsent = await call('sign in as bob', 'POST', login, {
    form: { transaction: hidden(bobSignIn.body, 'transaction'), csrf: hidden(bobSignIn.body, 'csrf'), username: 'bob', password: 'sandbox' },
    cookie, status: 200 });
  const bobAccounts = accountsOn(bobConsent.body);
  if (bobAccounts.length !== 2) fail(`sign in as bob: ${bobAccounts.length} accounts, expected 2`);
  const bobApproved = await call('consent, bob approves one account', 'POST', consent, {
    form: { transaction: hidden(bobConsent.body, 'transaction'), csrf: hidden(bobConsent.body, 'csrf'), account: bobAccounts[0], decision: 'approve' },
    cookie, status: 302, violates: 'redirect-direct' });
  const bobCode = backToClient('consent, bob approves', bobApproved, httpsCallback, authorizeRequest.state, upstream).get('code');
  const bobGranted = (await call('code exchanged, without PKCE', 'POST', '/api/v1/token', token(app, {
    grant_type: 'authorization_code', code: bobCode, redirect_uri: httpsCallback }))).body;

  console.log('# a recipient\'s connections');
  const connectionsPath = `/api/v1/recipients/${app.client_id}/connections`;
  const listed = await call('connections of a recipient', 'GET', connectionsPath, { auth: `Bearer ${admin}`, status: 200 });
  const listedSummary = listed.body.map?.((c) => `${c.status}:${c.accounts.length}`).join(',');
  if (listedSummary !== 'ACTIVE:2,ACTIVE:1') fail(`connections of a recipient: ${listedSummary}, expected ACTIVE:2,ACTIVE:1`);
  for (const c of listed.body) {
    if (c.client_id !== app.client_id || c.provider_id !== 9000 || c.revoked_at !== null) fail(`connection ${redact(c)}`);
  }
  const bobConnection = listed.body[1]?.connection_id;
  const onePage = await call('connections, one page', 'GET', `${connectionsPath}?limit=1`, { auth: `Bearer ${admin}`, status: 200 });
  const nextPage = /<([^>]+)>;\s*rel="next"/.exec(onePage.headers.get('link') ?? '')?.[1];
  if (onePage.body.length !== 1 || !nextPage) {
    fail('connections, one page: no next link');
  } else {
    const rest = await call('connections, next page', 'GET', nextPage, { auth: `Bearer ${admin}`, status: 200 });
    if (rest.body.length !== 1 || rest.body[0].connection_id !== bobConnection) fail(`connections, next page: ${redact(rest.body)}`);
  }
  await call('connections, limit 0', 'GET', `${connectionsPath}?limit=0`, { auth: `Bearer ${admin}`, status: 400, violates: 'request' });
  await call('connections, a query parameter', 'GET', `${connectionsPath}?page=2`, { auth: `Bearer ${admin}`, status: 400 });
  await call('connections, bad token', 'GET', connectionsPath, { auth: 'Bearer not-a-jwt', status: 401 });
  await call('connections, no token', 'GET', connectionsPath, { status: 401, violates: 'request' });
  await call('connections, recipient token', 'GET', connectionsPath, { auth: `Bearer ${recipientToken}`, status: 403 });
  await call('connections, a connection\'s token', 'GET', connectionsPath, { auth: `Bearer ${granted.access_token}`, status: 403 });
  await call('connections, other partner', 'GET', connectionsPath, { auth: `Bearer ${otherAdmin}`, status: 404 });
  await call('connections, unknown recipient', 'GET', `/api/v1/recipients/${unknownId}/connections`, { auth: `Bearer ${admin}`, status: 404 });

  // A code used twice: invalid_grant, and the connection of its first exchange is revoked.
  await grantError('code, exchanged again', app, exchange, 'invalid_grant');
  await grantError('refresh, after the code was reused', app, refresh, 'invalid_grant');

  console.log('# the sandbox\'s connected-apps page');
  const apps = '/sandbox/9000/apps';
  const appsPage = await call('connected apps', 'GET', apps, { status: 200 });
  const appsCookie = sessionOf(appsPage);
  if (!appsCookie) fail('connected apps: no session cookie');
  const french = await call('connected apps, in French', 'GET', `${apps}?lang=fr`, { cookie: appsCookie, status: 200 });
  if (!String(french.body).includes('<html lang="fr">')) fail('connected apps, in French: not in French');
  await call('connected apps, a provider without a connector', 'GET', '/sandbox/1000/apps', { status: 404 });
  await call('connected apps, unknown provider', 'GET', '/sandbox/77/apps', { status: 404 });
  await call('connected apps, provider id not a number', 'GET', '/sandbox/abc/apps', { status: 404, violates: 'request' });
  const appsSignIn = { transaction: '', csrf: hidden(appsPage.body, 'csrf'), username: 'bob', password: 'sandbox' };
  await call('connected apps, wrong csrf', 'POST', apps, { form: { ...appsSignIn, csrf: 'A'.repeat(43) }, cookie: appsCookie, status: 400 });
  await call('connected apps, no session cookie', 'POST', apps, { form: appsSignIn, status: 400 });
  await call('connected apps, no csrf field', 'POST', apps, {
    form: { username: 'bob', password: 'sandbox' }, cookie: appsCookie, status: 400, violates: 'request' });
  const appsWrong = await call('connected apps, wrong password', 'POST', apps, {
    form: { ...appsSignIn, password: 'wrong' }, cookie: appsCookie, status: 400 });
  if (!String(appsWrong.body).includes('The username or password is incorrect.')) fail('connected apps, wrong password: not the sign-in page again');
  await call('connected apps sign-in, a provider without a connector', 'POST', '/sandbox/1000/apps', {
    form: appsSignIn, cookie: appsCookie, status: 404 });
  for (let attempt = 1; attempt <= 10; attempt++) {
    await call(`connected apps as trudy, failure ${attempt}`, 'POST', apps, {
      form: { ...appsSignIn, username: 'trudy', password: `guess-${attempt}` }, cookie: appsCookie, status: 400 });
  }
  const appsLockedOut = await call('connected apps as trudy, locked out', 'POST', apps, {
    form: { ...appsSignIn, username: 'trudy' }, cookie: appsCookie, status: 429 });
  if (!appsLockedOut.headers.get('retry-after')) fail('connected apps as trudy, locked out: 429 without Retry-After');
  const bobApps = await call('connected apps, bob signs in', 'POST', apps, { form: appsSignIn, cookie: appsCookie, status: 200 });
  if (hidden(bobApps.body, 'connection') !== bobConnection) fail('connected apps, bob signs in: his connection is not listed');
  const revokeForm = {
    transaction: hidden(bobApps.body, 'transaction'), csrf: hidden(bobApps.body, 'csrf'), connection: bobConnection, revoke: bobConnection };
  const unknownConnection = await call('connected apps, revoke an unknown connection', 'POST', apps, {
    form: { ...revokeForm, connection: 'cn-' + 'x'.repeat(22) }, cookie: appsCookie, status: 200 });
  if (!String(unknownConnection.body).includes('This connection does not exist.')) fail('connected apps, revoke an unknown connection: no message');
  await call('connected apps, revoke with another page\'s transaction', 'POST', apps, {
    form: { ...revokeForm, transaction: signInForm.transaction }, cookie: appsCookie, status: 400 });
  const revokedApps = await call('connected apps, revoke', 'POST', apps, { form: revokeForm, cookie: appsCookie, status: 200 });
  if (hidden(revokedApps.body, 'connection') !== undefined || !String(revokedApps.body).includes('No application is connected.')) {
    fail('connected apps, revoke: the connection is still listed');
  }
  await grantError('refresh, after the customer revoked', app, { grant_type: 'refresh_token', refresh_token: bobGranted.refresh_token }, 'invalid_grant');
  const revokedList = await call('connections, both revoked', 'GET', connectionsPath, { auth: `Bearer ${admin}`, status: 200 });
  if (!revokedList.body.every?.((c) => c.status === 'REVOKED' && c.revoked_at)) fail(`connections, both revoked: ${redact(revokedList.body)}`);

  console.log('# the customer\'s data (FDX, reference §10) with a connection\'s token');
  // A recipient with every data scope, connected by alice (all four of her accounts).
  const kAllDataScopes = 'ACCOUNT_BASIC ACCOUNT_DETAILED ACCOUNT_PAYMENTS INVESTMENTS TRANSACTIONS STATEMENTS CUSTOMER_CONTACT CUSTOMER_PERSONAL';
  const fdxRecipient = await call('create a recipient for the FDX data', 'POST', '/api/v1/recipients', {
    json: { ...recipientBody, name: 'FDX Recipient', scope: kAllDataScopes.split(' '), redirect_uris: [callback] },
    auth: `Bearer ${admin}`, status: 200 });
  const fdxApp = { client_id: fdxRecipient.body.client_id, client_secret: fdxRecipient.body.client_secret };
  await call('FDX recipient requests the sandbox bank', 'POST', `/api/v1/recipients/providers/requests/${fdxApp.client_id}/9000`, {
    auth: `Bearer ${admin}`, status: 200 });
  for (const [action, expected] of [['approve', 'PENDING_ACTIVATION'], ['activate', 'ACTIVE']]) {
    const status = await cliStatus(action, fdxApp.client_id, 9000);
    if (status !== expected) fail(`registrations ${action} 9000 (FDX recipient): ${status}, expected ${expected}`);
  }
  const fdxSignIn = await call('FDX recipient: authorize', 'GET', authorize({
    client_id: fdxApp.client_id, scope: kAllDataScopes, code_challenge: undefined, code_challenge_method: undefined }), { status: 200 });
  const fdxCookie = sessionOf(fdxSignIn) ?? cookie;
  const fdxConsent = await call('FDX recipient: alice signs in', 'POST', login, {
    form: { transaction: hidden(fdxSignIn.body, 'transaction'), csrf: hidden(fdxSignIn.body, 'csrf'), username: 'alice', password: 'sandbox' },
    cookie: fdxCookie, status: 200 });
  const fdxAccounts = accountsOn(fdxConsent.body);
  if (fdxAccounts.length !== 4) fail(`FDX recipient: alice's consent page has ${fdxAccounts.length} accounts, expected 4`);
  const fdxApproved = await call('FDX recipient: alice approves every account', 'POST', consent, {
    form: [['transaction', hidden(fdxConsent.body, 'transaction')], ['csrf', hidden(fdxConsent.body, 'csrf')],
      ...fdxAccounts.map((a) => ['account', a]), ['decision', 'approve']],
    cookie: fdxCookie, status: 302, violates: 'redirect-direct' });
  const fdxCode = backToClient('FDX recipient: approve', fdxApproved, callback, authorizeRequest.state, upstream).get('code');
  const fdxGranted = (await call('FDX recipient: code exchanged', 'POST', '/api/v1/token', token(fdxApp, {
    grant_type: 'authorization_code', code: fdxCode, redirect_uri: callback }))).body;
  if (fdxGranted.scope !== kAllDataScopes) fail(`FDX recipient: token scope ${fdxGranted.scope}`);
  const fdxAuth = `Bearer ${fdxGranted.access_token}`;
  // The same connection, refreshed down to ACCOUNT_BASIC: every other resource is a 602.
  const basicOnly = (await call('FDX recipient: refresh to ACCOUNT_BASIC', 'POST', '/api/v1/token', token(fdxApp, {
    grant_type: 'refresh_token', refresh_token: fdxGranted.refresh_token, scope: 'ACCOUNT_BASIC' }))).body;
  const basicAuth = `Bearer ${basicOnly.access_token}`;
  const fdx = '/api/fdx/5';
  const [chequing, , card] = fdxAccounts;
  const unshared = '0'.repeat(24);
  // An FDX error answer: its §9.2 code, and the headers every FDX answer carries.
  const fdxCall = async (name, path, options, fdxCode) => {
    const answer = await call(name, 'GET', fdx + path, options);
    if (!answer.headers.get('ob-correlation-id') || !answer.headers.get('ob-trace-id')) fail(`${name}: no ob-correlation-id or ob-trace-id`);
    if (fdxCode !== undefined && answer.body?.code !== fdxCode) fail(`${name}: code ${answer.body?.code}, expected ${fdxCode}: ${redact(answer.body)}`);
    return answer;
  };

  // Get Customers.
  const customer = await fdxCall('FDX customer', '/customers/current', {
    auth: fdxAuth, headers: { 'ob-correlation-id': 'contract-corr-1' }, status: 200 });
  if (customer.headers.get('ob-correlation-id') !== 'contract-corr-1') fail('FDX customer: ob-correlation-id not repeated');
  if (customer.body.name?.first !== 'Alice' || customer.body.email?.[0] !== 'alice.martin@example.com' || customer.body.accounts?.length !== 4) {
    fail(`FDX customer: ${redact(customer.body)}`);
  }
  await fdxCall('FDX customer, a query parameter', '/customers/current?page=2', { auth: fdxAuth, status: 400 }, 401);
  await fdxCall('FDX customer, scope not consented', '/customers/current', { auth: basicAuth, status: 401 }, 602);
  const bareAnswer = await fdxCall('FDX customer, bad token', '/customers/current', { auth: 'Bearer not-a-jwt', status: 401 });
  if (bareAnswer.body.message !== 'Invalid Bearer Token' || 'code' in bareAnswer.body || !bareAnswer.headers.get('www-authenticate')) {
    fail(`FDX customer, bad token: ${redact(bareAnswer.body)}, WWW-Authenticate ${bareAnswer.headers.get('www-authenticate')}`);
  }
  await fdxCall('FDX customer, no token', '/customers/current', { status: 401, violates: 'request' });
  await fdxCall('FDX customer, a partner token', '/customers/current', { auth: `Bearer ${admin}`, status: 401 });

  // Get Accounts: lightweight, details, pages, filters.
  const lightweight = await fdxCall('FDX accounts', '/accounts', { auth: fdxAuth, status: 200 });
  const kinds = lightweight.body.accounts?.map((a) => Object.keys(a)[0]).join(',');
  if (kinds !== 'depositAccount,depositAccount,locAccount,investmentAccount' || 'currentBalance' in (lightweight.body.accounts[0].depositAccount ?? {})) {
    fail(`FDX accounts: ${redact(lightweight.body)}`);
  }
  const detailed = await fdxCall('FDX accounts, details', '/accounts?resultType=details', { auth: fdxAuth, status: 200 });
  if (typeof detailed.body.accounts?.[0]?.depositAccount?.currentBalance !== 'number') fail(`FDX accounts, details: ${redact(detailed.body.accounts?.[0])}`);
  const firstPage = await fdxCall('FDX accounts, one page', '/accounts?limit=1', { auth: fdxAuth, status: 200 });
  const nextHref = firstPage.body.links?.next?.href ?? '';
  if (firstPage.body.page?.totalElements !== 4 || !firstPage.body.page?.nextOffset || !nextHref.startsWith(`${upstream}${fdx}/accounts?`)) {
    fail(`FDX accounts, one page: ${redact(firstPage.body)}`);
  } else {
    const second = await call('FDX accounts, next page', 'GET', nextHref.slice(upstream.length), { auth: fdxAuth, status: 200 });
    if (Object.values(second.body.accounts?.[0] ?? {})[0]?.accountId !== fdxAccounts[1]) fail(`FDX accounts, next page: ${redact(second.body)}`);
  }
  const filtered = await fdxCall('FDX accounts, accountIds', `/accounts?accountIds=${card},${chequing}`, { auth: fdxAuth, status: 200 });
  if (filtered.body.accounts?.length !== 2) fail(`FDX accounts, accountIds: ${redact(filtered.body)}`);
  await fdxCall('FDX accounts, an account not shared', `/accounts?accountIds=${chequing},${unshared}`, { auth: fdxAuth, status: 404 }, 701);
  await fdxCall('FDX accounts, resultType unknown', '/accounts?resultType=everything', { auth: fdxAuth, status: 400, violates: 'request' }, 401);
  await fdxCall('FDX accounts, limit 0', '/accounts?limit=0', { auth: fdxAuth, status: 400, violates: 'request' }, 401);
  await fdxCall('FDX accounts, offset not a position', '/accounts?offset=not-a-position', { auth: fdxAuth, status: 400 }, 401);
  await fdxCall('FDX accounts, details without ACCOUNT_DETAILED', '/accounts?resultType=details', { auth: basicAuth, status: 401 }, 602);
  await fdxCall('FDX accounts, flinks-auth-key', '/accounts', { headers: { 'flinks-auth-key': fdxGranted.access_token }, status: 200 });
  await fdxCall('FDX accounts, a recipient token', '/accounts', { auth: `Bearer ${recipientToken}`, status: 401 });

  // Get Account Details.
  const one = await fdxCall('FDX account', `/accounts/${chequing}`, { auth: fdxAuth, status: 200 });
  if (one.body.depositAccount?.accountId !== chequing || typeof one.body.depositAccount?.currentBalance !== 'number') fail(`FDX account: ${redact(one.body)}`);
  await fdxCall('FDX account, lightweight with ACCOUNT_BASIC', `/accounts/${card}`, { auth: basicAuth, status: 200 });
  await fdxCall('FDX account, not shared', `/accounts/${unshared}`, { auth: fdxAuth, status: 404 }, 701);
  await fdxCall('FDX account, a query parameter', `/accounts/${chequing}?resultType=details`, { auth: fdxAuth, status: 400 }, 401);
  await fdxCall('FDX account, bad token', `/accounts/${chequing}`, { auth: 'Bearer not-a-jwt', status: 401 });

  // Get Transactions.
  const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
  const transactions = await fdxCall('FDX transactions', `/accounts/${chequing}/transactions`, { auth: fdxAuth, status: 200 });
  const firstTransaction = transactions.body.transactions?.[0]?.depositTransaction;
  if (!firstTransaction || typeof firstTransaction.amount !== 'number') fail(`FDX transactions: ${redact(transactions.body.transactions?.[0])}`);
  await fdxCall('FDX transactions, a period, one page', `/accounts/${card}/transactions?startTime=${day(-40)}&endTime=${day(-10)}&limit=2`, {
    auth: fdxAuth, status: 200 });
  await fdxCall('FDX transactions, not a date', `/accounts/${chequing}/transactions?startTime=yesterday`, {
    auth: fdxAuth, status: 400, violates: 'request' }, 702);
  await fdxCall('FDX transactions, start after end', `/accounts/${chequing}/transactions?startTime=${day(-10)}&endTime=${day(-20)}`, {
    auth: fdxAuth, status: 400 }, 703);
  await fdxCall('FDX transactions, not shared', `/accounts/${unshared}/transactions`, { auth: fdxAuth, status: 404 }, 701);
  await fdxCall('FDX transactions, scope not consented', `/accounts/${chequing}/transactions`, { auth: basicAuth, status: 401 }, 602);

  // Get Payment Networks.
  const networks = await fdxCall('FDX payment networks', `/accounts/${chequing}/payment-networks`, { auth: fdxAuth, status: 200 });
  if (networks.body.paymentNetworks?.[0]?.type !== 'CA_ACSS') fail(`FDX payment networks: ${redact(networks.body)}`);
  const none = await fdxCall('FDX payment networks of a card', `/accounts/${card}/payment-networks`, { auth: fdxAuth, status: 200 });
  if (none.body.paymentNetworks?.length !== 0) fail(`FDX payment networks of a card: ${redact(none.body)}`);
  await fdxCall('FDX payment networks, limit 501', `/accounts/${chequing}/payment-networks?limit=501`, {
    auth: fdxAuth, status: 400, violates: 'request' }, 401);
  await fdxCall('FDX payment networks, not shared', `/accounts/${unshared}/payment-networks`, { auth: fdxAuth, status: 404 }, 701);
  await fdxCall('FDX payment networks, scope not consented', `/accounts/${chequing}/payment-networks`, { auth: basicAuth, status: 401 }, 602);

  // Get Statements and Download Statement.
  const statements = await fdxCall('FDX statements', `/accounts/${chequing}/statements`, { auth: fdxAuth, status: 200 });
  const latest = statements.body.statements?.[0];
  const statementHref = latest?.links?.[0]?.href ?? '';
  if (!latest || latest.status !== 'AVAILABLE' || statementHref !== `${upstream}${fdx}/accounts/${chequing}/statements/${latest.statementId}`) {
    fail(`FDX statements: ${redact(latest)}`);
  }
  await fdxCall('FDX statements, a period', `/accounts/${chequing}/statements?startTime=${day(-100)}&endTime=${day(0)}&limit=1`, {
    auth: fdxAuth, status: 200 });
  await fdxCall('FDX statements, start after end', `/accounts/${chequing}/statements?startTime=${day(0)}&endTime=${day(-100)}`, {
    auth: fdxAuth, status: 400 }, 703);
  await fdxCall('FDX statements, not shared', `/accounts/${unshared}/statements`, { auth: fdxAuth, status: 404 }, 701);
  await fdxCall('FDX statements, scope not consented', `/accounts/${chequing}/statements`, { auth: basicAuth, status: 401 }, 602);
  const statementPath = `/accounts/${chequing}/statements/${latest?.statementId ?? '2026-01'}`;
  const pdf = await fdxCall('FDX statement, as a PDF', statementPath, {
    auth: fdxAuth, headers: { accept: 'application/pdf' }, status: 200 });
  if (!String(pdf.body).startsWith('%PDF-') || pdf.headers.get('content-type') !== 'application/pdf' ||
      !pdf.headers.get('content-disposition')?.startsWith('attachment;')) {
    fail(`FDX statement, as a PDF: ${pdf.headers.get('content-type')}, ${pdf.headers.get('content-disposition')}`);
  }
  await fdxCall('FDX statement, as a PNG', statementPath, { auth: fdxAuth, headers: { accept: 'image/png' }, status: 406 }, 1203);
  await fdxCall('FDX statement, unknown', `/accounts/${chequing}/statements/1999-01`, { auth: fdxAuth, status: 404 }, 1107);
  await fdxCall('FDX statement, a query parameter', `${statementPath}?format=pdf`, { auth: fdxAuth, status: 400 }, 401);
  await fdxCall('FDX statement, scope not consented', statementPath, { auth: basicAuth, status: 401 }, 602);

  // A revoked connection: 602 everywhere.
  await call('FDX recipient: revoke the connection', 'DELETE', '/api/v1/revoke', { auth: fdxAuth, status: 204 });
  await fdxCall('FDX accounts, connection revoked', '/accounts', { auth: fdxAuth, status: 401 }, 602);
  await fdxCall('FDX customer, connection revoked, another token of it', '/customers/current', { auth: basicAuth, status: 401 }, 602);

  console.log('# revocation: RFC 7009 and Flinks revokeConnection');
  const victim = await accessToken('recipient token to revoke', recipient, {});
  await call('RFC 7009 revoke', 'POST', '/api/v1/revoke', {
    form: { token: victim, token_type_hint: 'access_token' }, auth: basic(partner.client_id, partner.client_secret), status: 200 });
  const after = await call('introspect revoked', 'POST', '/api/v1/introspect', {
    form: { token: victim }, auth: basic(partner.client_id, partner.client_secret), status: 200 });
  if (after.body.active !== false) fail('a revoked token is still active');
  await call('RFC 7009 revoke, unknown token, JSON + post', 'POST', '/api/v1/revoke', { json: { token: 'garbage', ...recipient }, status: 200 });
  const missing = await call('RFC 7009 revoke, no token', 'POST', '/api/v1/revoke', {
    form: {}, auth: basic(partner.client_id, partner.client_secret), status: 400 });
  if (missing.body.error !== 'invalid_request') fail(`revoke without token: ${missing.body.error}`);
  await call('RFC 7009 revoke, bad secret', 'POST', '/api/v1/revoke', { form: { token: victim }, auth: basic(partner.client_id, 'wrong'), status: 401 });
  const connection = await accessToken('token for revokeConnection (POST)', partner, { scope: 'client:admin' });
  await call('revokeConnection by POST', 'POST', '/api/v1/revoke', { auth: `Bearer ${connection}`, status: 204 });
  await call('revoked token refused by the admin API', 'GET', '/api/v1/recipients', { auth: `Bearer ${connection}`, status: 401 });
  const connection2 = await accessToken('token for revokeConnection (DELETE)', recipient, {});
  await call('revokeConnection', 'DELETE', '/api/v1/revoke', { auth: `Bearer ${connection2}`, status: 204 });
  await call('revokeConnection, retried', 'DELETE', '/api/v1/revoke', { headers: { 'flinks-auth-key': connection2 }, status: 204 });
  await call('revokeConnection, bad token', 'DELETE', '/api/v1/revoke', { auth: 'Bearer not-a-jwt', status: 401 });
  await call('revokeConnection by POST, bad token', 'POST', '/api/v1/revoke', { auth: 'Bearer not-a-jwt', status: 401 });
  const bothWays = await call('revokeConnection, no token', 'DELETE', '/api/v1/revoke', { status: 400, violates: 'request' });
  if (!bothWays.body.error_description?.includes('bearer token') || !bothWays.body.error_description?.includes('token=')) {
    fail(`revoke without credentials does not name both ways: ${redact(bothWays.body)}`);
  }
  await call('revoke, nothing at all', 'POST', '/api/v1/revoke', { status: 400 });

  console.log('# delete');
  await call('delete, bad token', 'DELETE', `/api/v1/recipients/${id}`, { auth: 'Bearer not-a-jwt', status: 401 });
  await call('delete, recipient token', 'DELETE', `/api/v1/recipients/${id}`, { auth: `Bearer ${recipientToken}`, status: 403 });
  await call('delete, other partner', 'DELETE', `/api/v1/recipients/${id}`, { auth: `Bearer ${otherAdmin}`, status: 404 });
  await call('delete', 'DELETE', `/api/v1/recipients/${id}`, { auth: `Bearer ${admin}`, status: 204 });
  await call('show deleted', 'GET', `/api/v1/recipients/${id}`, { auth: `Bearer ${admin}`, status: 404 });
  await call('delete again', 'DELETE', `/api/v1/recipients/${id}`, { auth: `Bearer ${admin}`, status: 404 });
  await call('deleted recipient cannot get tokens', 'POST', '/api/v1/token', { ...token(recipient), status: 401 });

  console.log('# methods the document does not list (405)');
  for (const path of Object.keys(document.paths)) {
    const listed = kMethods.filter((m) => document.paths[path][m]);
    if (listed.includes('patch')) continue;
    const concrete = path.replace('{client_id}', id).replace('{provider_id}', '1000')
      .replace('{recipient_ids}', id).replace('{provider_ids}', '1000')
      .replace('{account_id}', chequing).replace('{statement_id}', '2026-01');
    await call(`PATCH ${path}`, 'PATCH', concrete, { auth: `Bearer ${admin}`, status: 405, violates: 'route' });
  }

  console.log('# requests over the size limits (413, 431), on every operation');
  const bareTarget = await call('create a recipient for the limits', 'POST', '/api/v1/recipients', {
    json: { name: 'Limits', scope: 'ACCOUNT_BASIC', redirect_uris: ['https://limits.example/cb'] },
    auth: `Bearer ${admin}`, status: 200 });
  const limitsId = bareTarget.body.client_id;
  for (const op of operations) {
    const concrete = op.path.replace('{client_id}', limitsId).replace('{provider_id}', '1000')
      .replace('{recipient_ids}', limitsId).replace('{provider_ids}', '1000')
      .replace('{account_id}', chequing).replace('{statement_id}', '2026-01');
    // Refused before the route runs: nothing changes, whatever the operation. Valid JSON, which
    // Prism parses before it forwards a request.
    const body = await call(`${op.method} ${op.path}, body over 64 KiB`, op.method, concrete, {
      raw: JSON.stringify({ pad: 'x'.repeat(64 * 1024) }), type: 'application/json', auth: `Bearer ${admin}`,
      status: 413, violates: op.method === 'GET' ? 'limit-direct' : 'limit' });
    // The message, error_description, or an FDX error's debugMessage (its message is §9.2's
    // "Invalid Input"); the customer's pages (413 documented as text/html) answer an HTML page
    // that says the same sentence.
    const limitMessage = 'Request body larger than 65536 bytes';
    const said = op.htmlErrors
      ? typeof body.body === 'string' && body.body.includes(limitMessage)
      : ('code' in body.body ? body.body.debugMessage : body.body.message ?? body.body.error_description) === limitMessage;
    if (!said) fail(`${op.method} ${op.path}: 413 says ${redact(body.body)}`);
    await call(`${op.method} ${op.path}, headers over ${kMaxHeaderBytes} bytes`, op.method, concrete, {
      headers: { 'x-pad': 'p'.repeat(kMaxHeaderBytes) }, auth: `Bearer ${admin}`, status: 431, violates: 'limit' });
  }
  await call('the recipient of the limits is unchanged', 'GET', `/api/v1/recipients/${limitsId}`, { auth: `Bearer ${admin}`, status: 200 });

  console.log('# brute-force limit (429), on a client id nobody owns');
  const stranger = { client_id: 'dc-' + 'q'.repeat(25), client_secret: 'guess' };
  let limited = false;
  for (let attempt = 1; attempt <= 40 && !limited; attempt++) {
    const response = await fetch(strict.base + '/api/v1/token', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(stranger.client_id, stranger.client_secret) },
      body: 'grant_type=client_credentials' });
    const text = await response.text();
    if (response.headers.get('sl-violations')) fail(`failed authentication ${attempt}: ${response.headers.get('sl-violations')}`);
    const { problems } = contract.check({ method: 'POST', target: '/api/v1/token', status: response.status,
      contentType: response.headers.get('content-type'), body: text });
    for (const problem of problems) fail(`failed authentication ${attempt}: ${problem} (Ajv)`);
    limited = response.status === 429;
  }
  if (!limited) fail('no 429 after 40 failed authentications');
  const throttled = await call('token, throttled', 'POST', '/api/v1/token', { ...token(stranger), status: 429 });
  if (!throttled.headers.get('retry-after')) fail('429 without Retry-After');
  await call('introspect, throttled', 'POST', '/api/v1/introspect', { form: { token: 'x' }, auth: basic(stranger.client_id, 'guess'), status: 429 });
  await call('RFC 7009 revoke, throttled', 'POST', '/api/v1/revoke', { form: { token: 'x' }, auth: basic(stranger.client_id, 'guess'), status: 429 });

  await call('metrics', 'GET', '/metrics', { status: 200 });
}

// ---- coverage ----

function excludedReason(op, status) {
  return kExcluded.find((e) => e.status === status && (!e.operationId || e.operationId === op.operationId))?.reason;
}

function reportCoverage() {
  console.log('# coverage of docs/openapi.yaml');
  const excludedLines = [];
  for (const op of operations) {
    const missing = [];
    for (const status of op.documented) {
      if (op.seen.has(status)) continue;
      const reason = excludedReason(op, status);
      if (reason) excludedLines.push(`  ${op.method} ${op.path} ${status}: ${reason}`);
      else missing.push(status);
    }
    const undocumented = [...op.seen].filter((s) => !op.documented.includes(s));
    const line = `${op.method} ${op.path} (${op.id}): exercised ${[...op.seen].sort().join(', ') || 'never'}`;
    if (op.seen.size === 0) fail(`${line}: operation never exercised`);
    else if (missing.length > 0) fail(`${line}; documented but not provoked: ${missing.join(', ')}`);
    else console.log(`  ok ${line}`);
    if (undocumented.length > 0) fail(`${op.method} ${op.path}: answered undocumented ${undocumented.join(', ')}`);
  }
  console.log('excluded (cannot be provoked from outside):');
  for (const line of excludedLines) console.log(line);
}

let code = 0;
try {
  await flow();
  reportCoverage();
} catch (error) {
  fail(`flow stopped: ${error.stack}`);
}
await shutdown();
clearTimeout(watchdog);
if (failures.length > 0) {
  console.log(`\n${failures.length} contract failure(s):`);
  for (const f of failures) console.log(`  - ${f}`);
  code = 1;
} else {
  console.log(`\ncontract: ${operations.length} operations, every documented status exercised or excluded; 0 failures`);
}
process.exit(code);
