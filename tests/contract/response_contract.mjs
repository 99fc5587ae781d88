// What docs/openapi.yaml promises about each response, checked with Ajv (an independent JSON
// Schema validator, not Prism's): the status must be documented for the operation, the
// Content-Type must be one the document lists for it, and a JSON body must validate against its
// schema. Shared by contract_flow.mjs (every answer of the flow) and validate_e2e_responses.mjs
// (every answer the end-to-end suite read).
//
// Which documented answer a response is held to:
//   - the operation of the path template the target matches (a literal segment beats a
//     {parameter}, as in the server's route table) and of the request's method;
//   - a method the path does not list must be 405, held to the path's documented 405;
//   - a path the document does not have must be the server's 404, held to the Message schema.

import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

export const kMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

// The media type of a Content-Type value, lowercased, without parameters.
export function mediaType(contentType) {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function isJson(media) {
  return media === 'application/json' || media.endsWith('+json');
}

export class ResponseContract {
  // Loads and dereferences the document and prepares a validator for it.
  static async load(documentPath) {
    const document = await SwaggerParser.dereference(documentPath);
    return new ResponseContract(document);
  }

  constructor(document) {
    this.document = document;
    // Strict: a keyword or format Ajv does not know fails at compile time instead of being
    // ignored. OpenAPI 3.0's `nullable` is built into Ajv; `example` is an annotation.
    this.ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    addFormats(this.ajv);
    this.ajv.addFormat('password', true);
    this.ajv.addVocabulary(['example', 'externalDocs', 'xml']);
    this.validators = new Map();
    this.paths = Object.entries(document.paths).map(([template, item]) => {
      const segments = template.split('/').slice(1);
      return {
        template,
        item,
        pattern: new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
        literals: segments.filter((s) => !s.startsWith('{')).length,
      };
    });
    this.paths.sort((a, b) => b.literals - a.literals);
  }

  // The documented path of a request target, or undefined.
  pathOf(target) {
    const path = target.split('?')[0];
    return this.paths.find((p) => p.pattern.test(path));
  }

  // Every (template, METHOD) of the document.
  operations() {
    return this.paths.flatMap(({ template, item }) =>
      kMethods.filter((m) => item[m]).map((m) => ({ template, method: m.toUpperCase(), operation: item[m] })));
  }

  validatorFor(schema) {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.validators.set(schema, validate);
    }
    return validate;
  }

  // The documented answer `response` is held to, as {where, response}, or {where, problem}.
  documentedAnswer(method, target, status) {
    const path = this.pathOf(target);
    const code = String(status);
    if (!path) {
      const where = `${method} (a path the document does not have)`;
      if (code !== '404') return { where, problem: `a path the document does not have answered ${code}, not 404` };
      const schema = this.document.components.schemas.Message;
      return { where, response: { content: { 'application/json': { schema } } } };
    }
    const operation = path.item[method.toLowerCase()];
    if (!operation) {
      const where = `${method} ${path.template} (method not documented)`;
      if (code !== '405') return { where, problem: `a method the path does not list answered ${code}, not 405` };
      const documented = kMethods.map((m) => path.item[m]?.responses?.['405']).find(Boolean);
      if (!documented) return { where, problem: 'no operation of the path documents its 405' };
      return { where, response: documented };
    }
    const where = `${method} ${path.template}`;
    const response = operation.responses[code] ?? operation.responses.default;
    if (!response) {
      return { where, problem: `status ${code} is not documented (documented: ${Object.keys(operation.responses).join(', ')})` };
    }
    return { where, response };
  }

  // The problems of one answer: [] when it is what the document says. `body` is the text of
  // the body (undefined when only its length is known), `bodyBytes` its length.
  check({ method, target, status, contentType, body, bodyBytes }) {
    const { where, response, problem } = this.documentedAnswer(method, target, status);
    if (problem) return { where, problems: [problem] };
    const media = mediaType(contentType);
    const length = bodyBytes ?? body?.length ?? 0;
    if (!response.content) {
      return { where, problems: length > 0 ? [`documented without a body, answered ${length} bytes of ${media || 'no type'}`] : [] };
    }
    const entry = response.content[media];
    if (!entry) {
      return { where, problems: [`Content-Type '${media}' is not documented for ${status} (documented: ${Object.keys(response.content).join(', ')})`] };
    }
    if (!isJson(media) || !entry.schema) return { where, problems: [] };
    if (body === undefined) return { where, problems: ['a JSON body was not recorded'] };
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { where, problems: [`the body is not JSON: ${body.slice(0, 80)}`] };
    }
    const validate = this.validatorFor(entry.schema);
    if (validate(parsed)) return { where, problems: [] };
    return {
      where,
      problems: validate.errors.map((e) => {
        const detail = e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : '';
        return `body${e.instancePath} ${e.message}${detail}`;
      }),
    };
  }
}
