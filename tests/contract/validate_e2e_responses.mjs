// Every response the end-to-end suite read, held to docs/openapi.yaml with Ajv
// (response_contract.mjs): a documented status, a documented Content-Type, and a JSON body that
// validates against the documented schema. The e2e tests record each request they compose and
// its answer as one JSON line in DIRECTORY (tests/testing/response_recorder.hpp). What is not
// held to the document, by two rules and no list:
//   - bytes a test writes raw on a connection (malformed framing, pipelining, trickling:
//     requests that never reach a route as such) are not recorded at all;
//   - an answer without X-Request-Id answers no request obauth read: obauth's 503 sent at accept
//     beyond --max-connections, and what a proxy in front of obauth answers itself (nginx's 404
//     for /metrics in the deployment test). They are counted and listed, not validated.
// Every other response must be documented.
//
// Usage: node validate_e2e_responses.mjs PATH_TO_OPENAPI_YAML DIRECTORY
// Exit 0 when every response conforms (the recordings are then removed), 1 on any mismatch
// (they are kept), 77 when nothing was recorded (no end-to-end test ran).

import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ResponseContract } from './response_contract.mjs';

const [documentPath, directory] = process.argv.slice(2);
if (!documentPath || !directory) {
  console.error('usage: node validate_e2e_responses.mjs PATH_TO_OPENAPI_YAML DIRECTORY');
  process.exit(2);
}

const files = existsSync(directory) ? readdirSync(directory).filter((f) => f.endsWith('.jsonl')) : [];
const records = [];
for (const file of files) {
  const lines = readFileSync(join(directory, file), 'utf8').split('\n').filter((l) => l.length > 0);
  for (const line of lines) records.push(JSON.parse(line));
}
if (records.length === 0) {
  console.log(`no responses recorded in ${directory}: run with the end-to-end tests`);
  process.exit(77);
}

// A body as it may be printed: never a secret or a token, even in a failure message.
function printable(record) {
  if (record.body === undefined) return `(${record.body_bytes} bytes, not recorded)`;
  try {
    return JSON.stringify(JSON.parse(record.body), (key, v) =>
      ['client_secret', 'access_token', 'token'].includes(key) && typeof v === 'string' ? `<${v.length} chars>` : v,
    ).slice(0, 300);
  } catch {
    return `(${record.body_bytes} bytes, not JSON)`;
  }
}

const contract = await ResponseContract.load(documentPath);
const mismatches = new Map(); // "where status: problem" -> {count, tests, targets}
const seen = new Map(); // "where" -> Set of statuses
const unread = new Map(); // "METHOD target status" of answers without X-Request-Id -> count
for (const record of records) {
  if (!record.request_id) {
    const key = `${record.method} ${record.target.split('?')[0]} -> ${record.status} ${record.content_type}`;
    unread.set(key, (unread.get(key) ?? 0) + 1);
    continue;
  }
  const { where, problems } = contract.check({
    method: record.method,
    target: record.target,
    status: record.status,
    contentType: record.content_type,
    body: record.body,
    bodyBytes: record.body_bytes,
  });
  if (!seen.has(where)) seen.set(where, new Set());
  seen.get(where).add(record.status);
  for (const problem of problems) {
    const key = `${where} -> ${record.status}: ${problem}`;
    const entry = mismatches.get(key) ?? { count: 0, tests: new Set(), example: record };
    entry.count += 1;
    entry.tests.add(record.test);
    mismatches.set(key, entry);
  }
}

console.log(`${records.length} responses from ${files.length} test processes, held to ${documentPath}`);
for (const [where, statuses] of [...seen.entries()].sort()) {
  console.log(`  ${where}: ${[...statuses].sort().join(', ')}`);
}
if (unread.size > 0) {
  console.log('not validated: answers without X-Request-Id (no request of obauth\'s answered):');
  for (const [key, count] of unread) console.log(`  ${key} (${count})`);
}
if (mismatches.size > 0) {
  console.log(`\n${mismatches.size} kind(s) of response do not match the document:`);
  for (const [key, { count, tests, example }] of mismatches) {
    const names = [...tests];
    console.log(`  - ${key}`);
    console.log(`    ${count} response(s), from ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`);
    console.log(`    e.g. ${example.method} ${example.target.slice(0, 120)} -> ${example.status} ${example.content_type} ${printable(example)}`);
  }
  console.log(`\nrecordings kept in ${directory}`);
  process.exit(1);
}
rmSync(directory, { recursive: true, force: true });
console.log('every recorded response matches the document');
