// Validates docs/openapi.yaml with a third-party validator (@apidevtools/swagger-parser): the
// OpenAPI 3.0 schema, every $ref resolved, unique operationIds, path parameters declared.
//
// Usage: node validate_openapi.mjs PATH_TO_OPENAPI_YAML

import SwaggerParser from '@apidevtools/swagger-parser';

const [documentPath] = process.argv.slice(2);
if (!documentPath) {
  console.error('usage: node validate_openapi.mjs PATH_TO_OPENAPI_YAML');
  process.exit(2);
}
try {
  const api = await SwaggerParser.validate(documentPath);
  const operations = Object.values(api.paths).flatMap((item) =>
    ['get', 'put', 'post', 'delete', 'patch'].filter((m) => item[m]).map((m) => item[m]));
  const unnamed = operations.filter((op) => !op.operationId).map((op) => op.summary);
  if (unnamed.length > 0) throw new Error(`operations without operationId: ${unnamed.join('; ')}`);
  console.log(`${documentPath}: valid OpenAPI ${api.openapi}, ${operations.length} operations`);
} catch (error) {
  console.log(`${documentPath}: INVALID\n${error.message}`);
  process.exit(1);
}
