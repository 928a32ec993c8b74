/**
 * Test support: fast-check arbitraries from the JSON schemas of an OpenAPI 3.0 document (as
 * @fastify/swagger writes them: `nullable`, `enum`, `pattern`, `format: date`), of values the
 * schema takes and of values it refuses, and an oracle saying which is which.
 */
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { textProblem } from '../edge-input.js';

export interface JsonSchema {
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

/** Values to draw often for a field or parameter of this name, so requests reach real records. */
export type Examples = Readonly<Record<string, readonly unknown[]>>;

/** Longest string drawn at random (schemas allow megabytes; a fuzz case should stay small). */
const MAX_DRAWN_LENGTH = 48;
const MAX_DEPTH = 5;

// Ajv and ajv-formats are CommonJS modules: their `default` is the constructor / the plugin.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/**
 * Says whether a value is one the schema takes, the way the listeners judge: bodies exactly
 * (no coercion), URL parts from their text (`coerce`).
 */
export class SchemaOracle {
  private readonly strict = new Ajv({ strict: false, coerceTypes: false, allErrors: false });
  private readonly coercing = new Ajv({ strict: false, coerceTypes: 'array', allErrors: false });
  private readonly cache = new Map<object, { strict: (v: unknown) => boolean; coercing: (v: unknown) => boolean }>();

  constructor() {
    addFormats(this.strict);
    addFormats(this.coercing);
  }

  accepts(schema: JsonSchema, value: unknown, coerce = false): boolean {
    let c = this.cache.get(schema);
    if (!c) {
      c = { strict: this.strict.compile(schema), coercing: this.coercing.compile(schema) };
      this.cache.set(schema, c);
    }
    // Coercion changes values in place: judge a copy.
    return coerce ? c.coercing(structuredClone(value)) : c.strict(value);
  }
}

function typesOf(s: JsonSchema): string[] {
  const t = s.type === undefined ? [] : [s.type].flat();
  return s.nullable && !t.includes('null') ? [...t, 'null'] : t;
}

const wellFormed = (s: string) => textProblem(s) === undefined;

/** Strings that have broken programs before: separators, markup, paths, wide and right-to-left text. */
const AWKWARD_STRINGS = [
  ' ',
  'a b',
  '\u2028',
  '\t\r\n',
  '../../etc/passwd',
  '%00',
  '<script>',
  "'; drop table users; --",
  '\u202eevil',
  'ǅungla',
  '😀',
  '0',
  '-1',
  'null',
  '__proto__',
  'constructor',
];

/** Days from year 1 to 9999, the edges more often: what `format: date` allows. */
const dateArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.date({
      min: new Date(Date.UTC(1990, 0, 1)),
      max: new Date(Date.UTC(2100, 0, 1)),
      noInvalidDate: true,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('0001-01-01', '1970-01-01', '2000-02-29', '9999-12-31')
      .map((d) => new Date(`${d}T00:00:00Z`)),
  },
);

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? MAX_DRAWN_LENGTH, MAX_DRAWN_LENGTH));
  if (s.format === 'date') return dateArb.map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'date-time') return dateArb.map((d) => d.toISOString());
  if (s.pattern) {
    return fc
      .stringMatching(new RegExp(s.pattern), { size: 'xsmall' })
      .filter((v) => v.length >= min && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY));
  }
  const fits = (v: string) => v.length >= min && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY);
  return fc
    .oneof(
      { weight: 6, arbitrary: fc.string({ minLength: min, maxLength: max }) },
      { weight: 2, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }) },
      { weight: 1, arbitrary: fc.constantFrom(...AWKWARD_STRINGS) },
      { weight: 1, arbitrary: fc.constant('w'.repeat(Math.min(s.maxLength ?? 4096, 4096))) },
    )
    .filter((v) => wellFormed(v) && fits(v));
}

/** Values the schema takes; `name` picks examples. */
export function validArb(schema: JsonSchema, examples: Examples, name = '', depth = 0): fc.Arbitrary<unknown> {
  const random = fromSchema(schema, examples, depth);
  const known = examples[name];
  if (!known || known.length === 0) return random;
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: random });
}

function fromSchema(s: JsonSchema, examples: Examples, depth: number): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => fromSchema(a, examples, depth)));
  const types = typesOf(s);
  if (types.length > 1)
    return fc.oneof(...types.map((t) => fromSchema({ ...s, type: t, nullable: false }, examples, depth)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const min = s.minItems ?? 0;
      const items = s.items ? fromSchema(s.items, examples, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      return fc.array(items, { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 4, 4)) });
    }
    case 'object':
      return objectArb(s, examples, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArb(s: JsonSchema, examples: Examples, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (depth >= MAX_DEPTH) return fc.constant({});
  const props = s.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of Object.entries(props)) model[k] = validArb(v, examples, k, depth + 1);
  const declared = fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
  const extra = s.additionalProperties;
  if (extra === undefined || extra === false || Object.keys(props).length > 0) {
    return declared.filter((o) => Object.keys(o).length >= (s.minProperties ?? 0));
  }
  const values = extra === true ? fc.jsonValue({ maxDepth: 1 }) : fromSchema(extra, examples, depth + 1);
  const keys = fc.oneof(fc.constantFrom(...Object.keys(examples)), fc.string({ minLength: 1, maxLength: 12 }));
  return fc.dictionary(keys.filter(wellFormed), values, {
    minKeys: s.minProperties ?? 0,
    maxKeys: Math.max(s.minProperties ?? 0, Math.min(s.maxProperties ?? 4, 4)),
  });
}

/** A value that breaks one rule of the schema (the oracle, not this, says whether it does). */
export function invalidArb(s: JsonSchema): fc.Arbitrary<unknown> {
  const wrongType = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constant('text'),
    fc.constant([]),
    fc.constant({}),
    fc.constant(1.5),
  );
  const specific: fc.Arbitrary<unknown>[] = [];
  const types = typesOf(s);
  if (s.enum) specific.push(fc.constant('not-one-of-them'));
  if (types.includes('string')) {
    if (s.maxLength !== undefined && s.maxLength <= 8192) specific.push(fc.constant('x'.repeat(s.maxLength + 1)));
    if ((s.minLength ?? 0) > 0) specific.push(fc.constant(''));
    if (s.pattern) specific.push(fc.constantFrom('has space', 'slash/', 'ünïcode', '!'));
    if (s.format === 'date') specific.push(fc.constantFrom('2026-02-30', '26-01-01', '2026-1-1', 'tomorrow'));
    specific.push(
      fc.integer().map((n) => n),
      fc.constant(true),
    );
  }
  if (types.includes('integer') || types.includes('number')) {
    specific.push(fc.integer({ min: 0, max: 100 }).map(String), fc.constant('abc'), fc.constant(2.5));
    if (s.minimum !== undefined) specific.push(fc.constant(s.minimum - 1));
    if (s.maximum !== undefined) specific.push(fc.constant(s.maximum + 1));
  }
  if (types.includes('boolean')) specific.push(fc.constantFrom('true', 1, 0));
  if (types.includes('array')) {
    specific.push(fc.constant({ not: 'an array' }));
    if (s.maxItems !== undefined && s.maxItems <= 200) specific.push(fc.constant(Array(s.maxItems + 1).fill(0)));
    if (s.items) specific.push(invalidArb(s.items).map((v) => [v]));
  }
  if (types.includes('object')) specific.push(fc.constant(['an', 'array']), fc.constant('an object, once'));
  return specific.length > 0 ? fc.oneof({ weight: 1, arbitrary: wrongType }, ...specific) : wrongType;
}

/**
 * A valid value of an object schema, then one change that likely breaks it: a required field
 * dropped, a field the schema does not declare added, or one field made invalid.
 */
export function brokenObjectArb(s: JsonSchema, examples: Examples): fc.Arbitrary<unknown> {
  const props = Object.entries(s.properties ?? {});
  return fc.tuple(validArb(s, examples), fc.nat(), fc.nat({ max: 3 })).chain(([valid, pick, how]) => {
    const base = { ...(valid as Record<string, unknown>) };
    const required = s.required ?? [];
    if (how === 0 && required.length > 0) {
      delete base[required[pick % required.length]!];
      return fc.constant(base);
    }
    if (how === 1) return fc.jsonValue({ maxDepth: 1 }).map((v) => ({ ...base, zzUnknownField: v }));
    if (how === 2 || props.length === 0) return invalidArb(s);
    const [key, sub] = props[pick % props.length]!;
    const nested = typesOf(sub).includes('object') && sub.properties ? brokenObjectArb(sub, examples) : invalidArb(sub);
    return nested.map((v) => ({ ...base, [key]: v }));
  });
}

/** Every string in a value, with a setter, so one can be poisoned with NUL or a lone surrogate. */
export function stringSlots(value: unknown): { path: string; set: (v: string) => unknown }[] {
  const out: { path: string; set: (v: string) => unknown }[] = [];
  const walk = (v: unknown, path: string, rebuild: (next: unknown) => unknown) => {
    if (typeof v === 'string') out.push({ path, set: (s) => rebuild(s) });
    else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, `${path}[${i}]`, (next) => rebuild(v.map((x, j) => (j === i ? next : x))));
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        walk(item, `${path}.${k}`, (next) => rebuild({ ...v, [k]: next }));
        out.push({
          path: `${path} key ${k}`,
          set: (s) => rebuild(Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk === k ? s : kk, vv]))),
        });
      }
    }
  };
  walk(value, 'body', (next) => next);
  return out;
}
