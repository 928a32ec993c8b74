/**
 * Test support: an OpenAPI 3.0 document's operations as the route fuzzer uses them, and the
 * checks of an answer against its operation's entry and the error envelope.
 */
import { ERROR_CATALOG, type ErrorCode } from '@tessera/core';
import type { JsonSchema, SchemaOracle } from './schema-arbitraries.js';

export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

/** One documented operation, as the fuzzer uses it. */
export interface Op {
  method: string;
  path: string;
  pathParams: Parameter[];
  query: Parameter[];
  body: JsonSchema | undefined;
  bodyRequired: boolean;
  responses: Operation['responses'];
}

export type CaseKind =
  | 'valid'
  | 'other-credentials'
  | 'broken-body'
  | 'broken-param'
  | 'broken-query'
  | 'bad-text'
  | 'raw-body'
  | 'bad-url';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  kind: CaseKind;
  /** `METHOD /path/{template}` of the operation. */
  operation: string;
  /** With the credentials that reach the handler. */
  primary: boolean;
  /** Breaks its schema (by the oracle): must not be accepted. */
  forbidden: boolean;
  /** The status the edge rules must answer, when they decide it. */
  mustBe?: number;
  note: string;
}

export interface FuzzAnswer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, by method and path. */
export function operationsOf(doc: OpenApiDocument): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const o = item[method];
      if (!o) continue;
      const params = o.parameters ?? [];
      const json = o.requestBody?.content['application/json'];
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        query: params.filter((p) => p.in === 'query'),
        body: json?.schema,
        bodyRequired: o.requestBody?.required === true,
        responses: o.responses,
      });
    }
  }
  return ops;
}

/** The object schema of a set of parameters (path or query), for the oracle. */
export function objectSchemaOf(params: Parameter[]): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
}

/** What is wrong with an answer to `request`, or undefined when it keeps the contract. */
export function answerProblem(
  op: Op,
  request: FuzzRequest,
  answer: FuzzAnswer,
  oracle: SchemaOracle,
): string | undefined {
  const status = answer.statusCode;
  if (status >= 500) return `answered ${status}`;
  const documented = op.responses[String(status)];
  if (!documented) return `answered ${status}, which its OpenAPI entry does not list`;
  if (request.mustBe !== undefined && status !== request.mustBe)
    return `answered ${status} where the rule is ${request.mustBe}`;
  if (request.forbidden && status < 400) return `accepted (${status}) a request its schema forbids`;
  const type = String(answer.headers['content-type'] ?? '');
  if (status >= 400) return envelopeProblem(status, type, answer.body);
  if (
    request.kind === 'valid' &&
    request.primary &&
    status === 400 &&
    /"message":"invalid request: (body|query|params)/.test(answer.body)
  ) {
    return 'refused by its schema check a request its OpenAPI entry allows';
  }
  if (status === 204) return answer.body === '' ? undefined : 'a 204 with a body';
  const media = Object.entries(documented.content ?? {});
  if (media.length === 0) return undefined;
  const essence = (t: string) => t.split(';')[0]!.trim().toLowerCase();
  const match = media.find(([m]) => essence(m) === essence(type));
  if (!match) return `served ${type || 'no content type'}; its OpenAPI entry says ${media.map(([m]) => m).join(', ')}`;
  const schema = match[1].schema;
  if (essence(type) !== 'application/json' || !schema) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return 'a JSON answer that does not parse';
  }
  return oracle.accepts(schema, body) ? undefined : 'an answer that does not match its documented schema';
}

function envelopeProblem(status: number, type: string, text: string): string | undefined {
  if (!type.startsWith('application/json')) return `a ${status} that is not JSON (${type})`;
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    return `a ${status} whose body does not parse`;
  }
  const code = body.error?.code;
  if (typeof code !== 'string' || typeof body.error?.message !== 'string' || body.error.message === '') {
    return `a ${status} outside the error envelope`;
  }
  const entry = ERROR_CATALOG[code as ErrorCode];
  if (!entry) return `a ${status} with code ${code}, which the catalog does not have`;
  return entry.status === status ? undefined : `a ${status} with code ${code}, whose status is ${entry.status}`;
}
