/**
 * A launch form from a template's `params_schema` (a JSON Schema object): which fields,
 * their constraints, the values the inputs hold, the params sent, and the same checks the
 * API makes, so most mistakes are caught before the round trip.
 */
import type { FieldErrors } from '@/lib/api-client';

export type JsonSchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
};

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'json';

export type SchemaField = {
  name: string;
  label: string;
  description?: string;
  kind: FieldKind;
  required: boolean;
  schema: JsonSchema;
  options?: unknown[];
};

/** What an input holds: text for text, number, enum and JSON inputs; a flag for a checkbox. */
export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

export function fieldsFromSchema(schema: JsonSchema | null | undefined): SchemaField[] {
  const required = new Set(schema?.required ?? []);
  return Object.entries(schema?.properties ?? {}).map(([name, property]) => ({
    name,
    label: property.title ?? humanize(name),
    ...(property.description ? { description: property.description } : {}),
    kind: kindOf(property),
    required: required.has(name),
    schema: property,
    ...(Array.isArray(property.enum) ? { options: property.enum } : {}),
  }));
}

function kindOf(schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum)) return 'enum';
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((item) => item !== 'null');
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  return 'json';
}

function humanize(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Input values from the template's defaults, else the schema's own defaults. */
export function initialValues(fields: SchemaField[], defaults: Record<string, unknown> = {}): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const value = field.name in defaults ? defaults[field.name] : field.schema.default;
    values[field.name] = toInput(field, value);
  }
  return values;
}

function toInput(field: SchemaField, value: unknown): FormValue {
  if (field.kind === 'boolean') return value === true;
  if (value === undefined || value === null) return '';
  if (field.kind === 'enum') return JSON.stringify(value);
  const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  if (field.kind === 'json' || !scalar) return JSON.stringify(value, null, 2);
  return String(value);
}

/** The params to send: typed values; empty optional fields are left out. */
export function toParams(fields: SchemaField[], values: FormValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values[field.name];
    if (field.kind === 'boolean') {
      params[field.name] = raw === true;
      continue;
    }
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    params[field.name] = parseInput(field, raw);
  }
  return params;
}

function parseInput(field: SchemaField, raw: string): unknown {
  switch (field.kind) {
    case 'integer':
    case 'number':
      return Number(raw);
    case 'enum':
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

/** The schema's constraints on the values; an empty object when everything is fine. */
export function validateValues(fields: SchemaField[], values: FormValues): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of fields) {
    const messages = fieldErrors(field, values[field.name]);
    if (messages.length) errors[field.name] = messages;
  }
  return errors;
}

function fieldErrors(field: SchemaField, raw: FormValue | undefined): string[] {
  if (field.kind === 'boolean') return [];
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return field.required ? ['This field is required.'] : [];
  const { schema } = field;
  if (field.kind === 'integer' || field.kind === 'number') return numberErrors(field.kind, schema, text);
  if (field.kind === 'string') return stringErrors(schema, typeof raw === 'string' ? raw : '');
  if (field.kind === 'json') {
    try {
      JSON.parse(text);
    } catch {
      return ['Enter valid JSON.'];
    }
  }
  return [];
}

function numberErrors(kind: 'integer' | 'number', schema: JsonSchema, text: string): string[] {
  const value = Number(text);
  if (!Number.isFinite(value)) return ['Enter a number.'];
  if (kind === 'integer' && !Number.isInteger(value)) return ['Enter a whole number.'];
  const errors: string[] = [];
  if (schema.minimum !== undefined && value < schema.minimum) errors.push(`Must be at least ${schema.minimum}.`);
  if (schema.maximum !== undefined && value > schema.maximum) errors.push(`Must be at most ${schema.maximum}.`);
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    errors.push(`Must be more than ${schema.exclusiveMinimum}.`);
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    errors.push(`Must be less than ${schema.exclusiveMaximum}.`);
  }
  return errors;
}

function stringErrors(schema: JsonSchema, value: string): string[] {
  const errors: string[] = [];
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push(`Must be at least ${schema.minLength} characters.`);
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push(`Must be at most ${schema.maxLength} characters.`);
  }
  if (schema.pattern !== undefined && !matches(schema.pattern, value)) {
    errors.push(`Must match the pattern ${schema.pattern}.`);
  }
  return errors;
}

/** JSON Schema patterns are unanchored ECMA regexes; an invalid one is left to the server. */
function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}
