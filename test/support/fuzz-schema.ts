import fc from 'fast-check';
import { hostileJsonValue, loadedKey, withKey, word } from './fuzz-values.js';
import { aTaxCode, aVatNumber } from './subjects.js';

/**
 * Values shaped by the OpenAPI document's JSON schemas: valid ones (a base for the fuzz suite's
 * bodies and parameters), and the same with one field replaced by a hostile value, one unknown
 * field added or one field dropped. Only what the document uses is understood: $ref,
 * allOf, oneOf/anyOf, enum, nullable, the types and their bounds, formats date, date-time, uri, uuid,
 * and the API's own it-tax-code and it-company-tax-id (a case's subject).
 */

export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  nullable?: boolean;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

export interface SchemaDocument {
  components?: { schemas?: Record<string, Schema> };
}

export interface SchemaValuesOptions {
  /** Dates valid values take: those the machines accept as acts (after the cases began, before the clock). */
  dates: { from: Date; to: Date };
  /**
   * Constants to favour: a oneOf/anyOf branch with a property fixed to one of them (a one-value enum,
   * as discriminators are) is drawn twenty times as often. The events a case can take now, say.
   */
  favoured?: ReadonlySet<unknown>;
}

export class SchemaValues {
  private readonly cache = new Map<Schema, fc.Arbitrary<unknown>>();

  constructor(
    private readonly document: SchemaDocument,
    private readonly options: SchemaValuesOptions,
  ) {}

  /** A value the schema accepts (constraints between fields, such as the machines' guards, aside). */
  valid(schema: Schema): fc.Arbitrary<unknown> {
    let arbitrary = this.cache.get(schema);
    if (!arbitrary) {
      arbitrary = this.build(schema);
      this.cache.set(schema, arbitrary);
    }
    return arbitrary;
  }

  /**
   * A valid value spoilt once: a node (a field at any depth, or the whole value) replaced by a
   * hostile value, an unknown or loaded key added, or a field dropped. Free-text fields are picked
   * six times as often as other nodes: most of what a database refuses is text.
   */
  spoilt(schema: Schema): fc.Arbitrary<unknown> {
    return fc
      .tuple(this.valid(schema), fc.nat(), hostileJsonValue, fc.oneof(loadedKey, word), fc.nat({ max: 9 }))
      .map(([value, pick, hostile, key, how]) => {
        const text = this.freeTextPaths(schema, value);
        const paths = [...pathsOf(value), ...text, ...text, ...text, ...text, ...text];
        const path = paths[pick % paths.length];
        if (how === 0) return addKey(value, path, key, hostile);
        if (how === 1) return dropLeaf(value, path);
        return replaceAt(value, path, hostile);
      });
  }

  /** The paths of a value's free-text fields: strings its schema leaves open (no enum, format or pattern). */
  freeTextPaths(schema: Schema, value: unknown, prefix: Path = []): Path[] {
    const resolved = this.branchOf(this.flatten(schema), value);
    if (typeof value === 'string')
      return resolved.type === 'string' && !resolved.enum && !resolved.format && !resolved.pattern ? [prefix] : [];
    if (Array.isArray(value)) {
      const items = resolved.items;
      return items ? value.flatMap((item, i) => this.freeTextPaths(items, item, [...prefix, i])) : [];
    }
    if (value === null || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([key, child]) => {
      const property = resolved.properties?.[key];
      return property ? this.freeTextPaths(property, child, [...prefix, key]) : [];
    });
  }

  /** The oneOf/anyOf branch a value was made from: the first whose fixed (one-value enum) properties it has. */
  private branchOf(schema: Schema, value: unknown): Schema {
    const branches = schema.oneOf ?? schema.anyOf;
    if (!branches) return schema;
    const shared = sharedPart(schema);
    for (const branch of branches) {
      const merged = { ...shared, ...this.flatten(branch) };
      const fixed = Object.entries(merged.properties ?? {}).filter(([, p]) => p.enum?.length === 1);
      if (fixed.every(([name, p]) => (value as Record<string, unknown> | null)?.[name] === p.enum?.[0]))
        return this.branchOf(merged, value);
    }
    return shared;
  }

  /** The names of the properties a schema's values can have, at any depth: how much there is to fuzz in it. */
  propertyNames(schema: Schema, seen = new Set<Schema>()): Set<string> {
    const resolved = this.resolve(schema);
    if (seen.has(resolved)) return new Set();
    seen.add(resolved);
    const children = [
      ...Object.values(resolved.properties ?? {}),
      ...(resolved.items ? [resolved.items] : []),
      ...(resolved.allOf ?? []),
      ...(resolved.oneOf ?? []),
      ...(resolved.anyOf ?? []),
    ];
    return new Set([...Object.keys(resolved.properties ?? {}), ...children.flatMap((child) => [...this.propertyNames(child, seen)])]);
  }

  private resolve(schema: Schema): Schema {
    if (!schema.$ref) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = this.document.components?.schemas?.[name];
    if (!target) throw new Error(`unknown schema ${schema.$ref}`);
    return this.resolve(target);
  }

  /** allOf merged into one schema: properties and required lists joined, the rest overridden in order. */
  private flatten(schema: Schema): Schema {
    const resolved = this.resolve(schema);
    if (!resolved.allOf) return resolved;
    const { allOf, ...rest } = resolved;
    return [...allOf.map((part) => this.flatten(part)), rest].reduce<Schema>(
      (merged, part) => ({
        ...merged,
        ...part,
        properties: { ...merged.properties, ...part.properties },
        required: [...(merged.required ?? []), ...(part.required ?? [])],
      }),
      {},
    );
  }

  private build(input: Schema): fc.Arbitrary<unknown> {
    const schema = this.flatten(input);
    const value = this.buildNonNull(schema);
    return schema.nullable ? fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: fc.constant(null) }) : value;
  }

  private buildNonNull(schema: Schema): fc.Arbitrary<unknown> {
    const branches = schema.oneOf ?? schema.anyOf;
    if (branches) {
      const shared = sharedPart(schema);
      // A branch may only add to the shared part (`{type: string, anyOf: [{format: date}, ...]}`).
      return fc.oneof(
        ...branches.map((branch) => {
          const merged = { ...shared, ...this.flatten(branch) };
          return { weight: this.isFavoured(merged) ? 20 : 1, arbitrary: this.valid(merged) };
        }),
      );
    }
    if (schema.enum) {
      const values = schema.enum.filter((v) => v !== null);
      return values.length > 0 ? fc.constantFrom(...values) : fc.constant(null);
    }
    switch (schema.type) {
      case 'string':
        return this.string(schema);
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
      case 'number':
        return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'array': {
        const items = schema.items ? this.valid(schema.items) : fc.jsonValue({ maxDepth: 1 });
        const maxLength = Math.min(schema.maxItems ?? 3, 3);
        return schema.uniqueItems || schema.items?.enum
          ? fc.uniqueArray(items, { maxLength, selector: (v) => JSON.stringify(v) })
          : fc.array(items, { maxLength });
      }
      case 'object':
      case undefined: {
        if (!schema.properties) return schema.type === 'object' ? fc.constant({}) : fc.jsonValue({ maxDepth: 1 });
        const required = schema.required ?? [];
        const model = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, this.valid(property)]));
        return fc.record(model, { requiredKeys: required.filter((name) => name in model) });
      }
      default:
        return fc.jsonValue({ maxDepth: 1 });
    }
  }

  private isFavoured(schema: Schema): boolean {
    const favoured = this.options.favoured;
    return Object.values(schema.properties ?? {}).some((p) => p.enum?.length === 1 && favoured?.has(p.enum[0]));
  }

  private string(schema: Schema): fc.Arbitrary<string> {
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const date = fc.date({ min: this.options.dates.from, max: this.options.dates.to, noInvalidDate: true });
    switch (schema.format) {
      case 'date':
        return date.map(day);
      case 'date-time':
        return date.map((d) => d.toISOString());
      case 'uri':
        return fc.stringMatching(/^[a-z]{1,12}$/).map((path) => `https://hooks.example.org/${path}`);
      case 'uuid':
        return fc.uuid();
      case 'it-tax-code':
        return aTaxCode;
      case 'it-company-tax-id':
        return fc.oneof(aVatNumber, aTaxCode);
    }
    const max = schema.maxLength ?? 200;
    return word.map((w) => w.slice(0, max));
  }
}

/** The schema without its oneOf/anyOf: what its branches share. */
function sharedPart(schema: Schema): Schema {
  const shared = { ...schema };
  delete shared.oneOf;
  delete shared.anyOf;
  return shared;
}

// ---------------------------------------------------------------------------------------------
// Paths into a JSON value, and edits at a path.

export type Path = (string | number)[];

/** The paths of every node of a value, the whole value (the empty path) included. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const children: Path[] =
    value !== null && typeof value === 'object'
      ? Object.entries(value).flatMap(([key, child]) => pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key]))
      : [];
  return [prefix, ...children];
}

const valueAt = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, step) => (node as Record<string, unknown>)[step], value);

function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, i) => (i === head ? replaceAt(item, rest, replacement) : item));
  const object = value as Record<string, unknown>;
  return withKey(object, String(head), replaceAt(object[head], rest, replacement));
}

/** Adds a key to the object at the path (or at the closest object above it). */
function addKey(value: unknown, path: Path, key: string, added: unknown): unknown {
  const target = path.slice(0, path.length - 1);
  const at = valueAt(value, target);
  if (at === null || typeof at !== 'object' || Array.isArray(at)) return path.length > 0 ? addKey(value, target, key, added) : value;
  return replaceAt(value, target, withKey(at, key, added));
}

function dropLeaf(value: unknown, path: Path): unknown {
  if (path.length === 0) return undefined;
  const parent = path.slice(0, -1);
  const at = valueAt(value, parent);
  const last = path[path.length - 1];
  const without = Array.isArray(at)
    ? at.filter((_, i) => i !== last)
    : Object.fromEntries(Object.entries(at as object).filter(([key]) => key !== last));
  return replaceAt(value, parent, without);
}
