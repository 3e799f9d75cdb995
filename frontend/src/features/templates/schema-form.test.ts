import { describe, expect, it } from 'vitest';

import { fieldsFromSchema, initialValues, toParams, validateValues, type JsonSchema } from './schema-form';

const schema: JsonSchema = {
  type: 'object',
  required: ['hostname', 'cpu'],
  properties: {
    hostname: { type: 'string', pattern: '^[a-z0-9-]+$', maxLength: 10 },
    cpu: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
    ratio: { type: ['number', 'null'], exclusiveMaximum: 1 },
    dry_run: { type: 'boolean', description: 'Do nothing for real.' },
    size: { enum: ['small', 'large', 3] },
    tags: { type: 'array' },
  },
};

describe('schema form', () => {
  it('turns each property into a field of the right kind', () => {
    const fields = fieldsFromSchema(schema);
    expect(fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['hostname', 'string', true],
      ['cpu', 'integer', true],
      ['ratio', 'number', false],
      ['dry_run', 'boolean', false],
      ['size', 'enum', false],
      ['tags', 'json', false],
    ]);
    expect(fields[3]?.label).toBe('Dry run');
  });

  it('starts from the template defaults over the schema defaults and sends typed params', () => {
    const fields = fieldsFromSchema(schema);
    const values = initialValues(fields, { hostname: 'web-01', size: 3 });
    expect(values).toMatchObject({ hostname: 'web-01', cpu: '2', size: '3', dry_run: false });

    values.ratio = '0.5';
    values.tags = '["a"]';
    expect(toParams(fields, values)).toEqual({
      hostname: 'web-01',
      cpu: 2,
      ratio: 0.5,
      dry_run: false,
      size: 3,
      tags: ['a'],
    });
  });

  it('checks required, types, bounds, length and pattern', () => {
    const fields = fieldsFromSchema(schema);
    const errors = validateValues(fields, {
      hostname: 'Web_01 too long',
      cpu: '2.5',
      ratio: '1',
      dry_run: true,
      size: '',
      tags: '[',
    });
    expect(errors).toEqual({
      hostname: ['Must be at most 10 characters.', 'Must match the pattern ^[a-z0-9-]+$.'],
      cpu: ['Enter a whole number.'],
      ratio: ['Must be less than 1.'],
      tags: ['Enter valid JSON.'],
    });
    expect(validateValues(fields, { hostname: '', cpu: '65' })).toEqual({
      hostname: ['This field is required.'],
      cpu: ['Must be at most 64.'],
    });
  });
});
