/** Inputs for the OpenAPI fuzz test: a seeded generator of valid-looking, boundary and hostile values. */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  nullable?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
};

/** mulberry32: small, fast and reproducible from its seed. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
export type Random = ReturnType<typeof seededRandom>;

const HOSTILE_STRINGS = [
  '', ' ', '   ', '\t\n', 'a\u0000b', '\ud800', 'x\udc00y', '💥📐', 'ß'.repeat(50), '<script>alert(1)</script>', "' OR 1=1 --", '../../etc/passwd',
  '%00', '%ZZ', '${jndi:ldap://x}', 'null', 'undefined', 'true', '-1', '0', '1e309', 'NaN', 'Infinity', '2030-01-01T00:00:00Z', '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z', '2030-02-30T25:61:00Z', 'x'.repeat(201), 'y'.repeat(5000), '\u202eevil', 'A\u0301', '\uFEFFbom',
];
const HOSTILE_NUMBERS = [0, -1, 1, -0, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE, 999_999_999, 1_000_001];

function randomText(r: Random, max = 40): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ .@';
  let s = '';
  for (let i = r.int(1, max); i > 0; i--) s += alphabet[r.int(0, alphabet.length - 1)];
  return s;
}

/**
 * Percent-encodes any string, an unpaired surrogate included: it becomes the bytes UTF-8 forbids for it
 * (`%ED%A0%80`), which is exactly what a hostile client would send.
 */
export function encodeLoose(value: string): string {
  const marked = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\u0001');
  return encodeURIComponent(marked).replace(/%01/g, '%ED%A0%80');
}

export function hostileString(r: Random): string {
  return r.chance(0.7) ? r.pick(HOSTILE_STRINGS) : randomText(r, 300);
}

function hostileValue(r: Random, depth = 0): unknown {
  switch (r.int(0, 7)) {
    case 0: return hostileString(r);
    case 1: return r.pick(HOSTILE_NUMBERS);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return depth > 3 ? [] : [hostileValue(r, depth + 1), hostileValue(r, depth + 1)];
    case 5: return depth > 3 ? {} : { [hostileString(r)]: hostileValue(r, depth + 1) };
    case 6: return Array.from({ length: r.int(0, 600) }, () => 'x');
    default: {
      // Deep nesting: parsers and validators must not recurse without bound.
      let v: unknown = 1;
      for (let i = 0; i < r.int(50, 3000); i++) v = [v];
      return v;
    }
  }
}

/** A value the schema accepts, where it can be guessed; ids come from the pool of real ones. */
export function validValue(schema: JsonSchema, r: Random, key: string, ids: string[]): unknown {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return validValue(r.pick(variants), r, key, ids);
  if (schema.enum?.length) return r.pick(schema.enum);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(schema.properties ?? {})) if (schema.required?.includes(k) || r.chance(0.6)) out[k] = validValue(s, r, k, ids);
    return out;
  }
  if (type === 'array') return Array.from({ length: r.int(0, 3) }, () => validValue(schema.items ?? {}, r, key, ids));
  if (type === 'integer' || type === 'number') {
    const lo = schema.minimum ?? 0;
    const hi = Math.min(schema.maximum ?? lo + 100, lo + 10_000);
    return r.int(lo, hi);
  }
  if (type === 'boolean') return r.chance(0.5);
  if (/id$/i.test(key) || /Ids$/.test(key)) return r.pick(ids);
  if (key === 'email') return `fuzz-${r.int(0, 1e9)}@example.org`;
  if (schema.format === 'date-time' || /At$|^from$|^to$/.test(key)) return new Date(Date.UTC(2030, 0, 1) + r.int(0, 1e9)).toISOString();
  const min = schema.minLength ?? 1;
  const max = Math.min(schema.maxLength ?? 40, 60);
  let s = randomText(r, Math.max(min, max));
  while (s.length < min) s += 'a';
  return s.slice(0, Math.max(min, max));
}

/** A valid body with one thing broken: a field's type, a required field gone, an extra field, or the whole shape. */
export function mutatedBody(schema: JsonSchema, r: Random, ids: string[]): { text: string; contentType: string } {
  const json = (v: unknown) => ({ text: JSON.stringify(v), contentType: 'application/json' });
  const base = validValue(schema, r, '', ids);
  const obj = typeof base === 'object' && base !== null && !Array.isArray(base) ? (base as Record<string, unknown>) : null;
  const keys = Object.keys(schema.properties ?? {});
  switch (r.int(0, 11)) {
    case 0: return json(base);
    case 1:
    case 2:
    case 3: {
      if (!obj || keys.length === 0) return json(hostileValue(r));
      return json({ ...obj, [r.pick(keys)]: hostileValue(r) });
    }
    case 4: {
      if (!obj || !schema.required?.length) return json(base);
      const copy = { ...obj };
      delete copy[r.pick(schema.required)];
      return json(copy);
    }
    case 5: return json({ ...(obj ?? {}), [hostileString(r)]: 1 });
    case 6: return json(hostileValue(r));
    case 7: return { text: r.pick(['{', '{"a":', 'nul', '[1,2', '{"a":1}}', '\u0000', '', ' ', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}']), contentType: 'application/json' };
    case 8: return { text: JSON.stringify(base), contentType: r.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json;;', '']) };
    case 9: return { text: JSON.stringify({ ...(obj ?? {}), padding: 'p'.repeat(r.int(10_000, 200_000)) }), contentType: 'application/json' };
    case 10: return { text: JSON.stringify(obj ? Object.fromEntries(keys.map((k) => [k, hostileString(r)])) : base), contentType: 'application/json' };
    default: return { text: '\xff\xfe' + JSON.stringify(base), contentType: 'application/json' };
  }
}

/** A query-string value: valid for the schema, or a boundary or hostile one. */
export function queryValue(schema: JsonSchema, r: Random, key: string, ids: string[]): string {
  if (r.chance(0.45)) {
    const v = validValue(schema, r, key, ids);
    return String(v);
  }
  return r.pick([...HOSTILE_STRINGS, '201', '500', '-5', '1.5', '99999999999999999999999', '0x10', ' 5', '5 ', '[object Object]']);
}

/** A path parameter: a real id (maybe of the wrong kind), or something that is not an id at all. */
export function pathValue(r: Random, ids: string[]): string {
  if (r.chance(0.5)) return r.pick(ids);
  return r.pick([
    encodeLoose(hostileString(r)), '%ZZ', '%E0%A4%A', '%C0%AF', '%00', '%20', 'a'.repeat(399), 'a'.repeat(401), '..', '.', '%2e%2e%2f', 'null', '0',
    '-1', encodeURIComponent('💥'), '%F0%9F', encodeURIComponent(r.pick(ids) + ' '), `${r.pick(ids)}%00`,
  ]);
}
