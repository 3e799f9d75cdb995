import { useMemo, useRef, useState, type FormEvent } from 'react';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { ApiError, type FieldErrors } from '@/lib/api-client';
import { useLaunchTemplate } from '@/lib/executions/launch-template';
import type { Execution } from '@/types/api';

import type { TaskTemplate } from '../api/get-templates';
import {
  fieldsFromSchema,
  initialValues,
  toParams,
  validateValues,
  type FormValue,
  type FormValues,
  type SchemaField,
} from '../schema-form';

type TemplateLaunchFormProps = {
  template: TaskTemplate;
  onLaunched: (execution: Execution) => void;
};

/** A form generated from the template's params schema; errors per field, ours or the API's. */
export function TemplateLaunchForm({ template, onLaunched }: TemplateLaunchFormProps) {
  const fields = useMemo(() => fieldsFromSchema(template.params_schema), [template.params_schema]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, template.default_params));
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const formRef = useRef<HTMLFormElement>(null);
  const launch = useLaunchTemplate({ onSuccess: onLaunched });
  const { fieldErrors, formErrors } = splitErrors(launch.error, fields);
  const errorsFor = (name: string) => clientErrors[name] ?? fieldErrors[name];

  const setValue = (name: string, value: FormValue) => {
    setValues((current) => ({ ...current, [name]: value }));
    setClientErrors(({ [name]: _dropped, ...rest }) => rest);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const errors = validateValues(fields, values);
    setClientErrors(errors);
    if (Object.keys(errors).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    launch.mutate({ templateId: template.id, params: toParams(fields, values) });
  };

  return (
    <form ref={formRef} className="form" noValidate onSubmit={submit} aria-label={`Launch ${template.name}`}>
      {formErrors.length > 0 && <Alert>{formErrors.join(' ')}</Alert>}
      {fields.length === 0 && <p className="muted">This template takes no parameters.</p>}
      <div className="form-grid">
        {fields.map((field) => (
          <SchemaInput
            key={field.name}
            field={field}
            value={values[field.name]}
            errors={errorsFor(field.name)}
            onChange={(value) => setValue(field.name, value)}
          />
        ))}
      </div>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={launch.isPending || !template.enabled}>
          {launch.isPending ? 'Launching…' : 'Launch'}
        </button>
        {!template.enabled && <span className="muted">This template is disabled.</span>}
      </div>
    </form>
  );
}

type SchemaInputProps = {
  field: SchemaField;
  value: FormValue | undefined;
  errors: string[] | undefined;
  onChange: (value: FormValue) => void;
};

function SchemaInput({ field, value, errors, onChange }: SchemaInputProps) {
  if (field.kind === 'boolean') {
    return (
      <div className="field field-checkbox">
        <label>
          <input type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} />
          {field.label}
        </label>
        {field.description && <p className="field-hint">{field.description}</p>}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <Field label={field.label} errors={errors} hint={hintFor(field)} required={field.required}>
      {(props) => {
        const common = { ...props, name: field.name, required: field.required, 'aria-required': field.required };
        if (field.kind === 'enum') {
          return (
            <select {...common} value={text} onChange={(event) => onChange(event.target.value)}>
              {!field.required || text === '' ? <option value="">—</option> : null}
              {(field.options ?? []).map((option) => (
                <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
                  {String(option)}
                </option>
              ))}
            </select>
          );
        }
        if (field.kind === 'json') {
          return <textarea {...common} rows={3} value={text} onChange={(event) => onChange(event.target.value)} />;
        }
        const numeric = field.kind === 'integer' || field.kind === 'number';
        return (
          <input
            {...common}
            type={numeric ? 'number' : 'text'}
            inputMode={field.kind === 'integer' ? 'numeric' : numeric ? 'decimal' : undefined}
            min={field.schema.minimum}
            max={field.schema.maximum}
            step={field.kind === 'integer' ? 1 : 'any'}
            value={text}
            onChange={(event) => onChange(event.target.value)}
          />
        );
      }}
    </Field>
  );
}

function hintFor(field: SchemaField): string | undefined {
  const { schema } = field;
  const parts: string[] = [];
  if (field.description) parts.push(field.description);
  if (schema.minimum !== undefined && schema.maximum !== undefined) {
    parts.push(`${schema.minimum} to ${schema.maximum}.`);
  } else if (schema.minimum !== undefined) parts.push(`At least ${schema.minimum}.`);
  else if (schema.maximum !== undefined) parts.push(`At most ${schema.maximum}.`);
  if (field.kind === 'json') parts.push('JSON.');
  return parts.length ? parts.join(' ') : undefined;
}

/** API errors: per param under `errors.params`; anything not tied to a field goes on top. */
function splitErrors(error: Error | null, fields: SchemaField[]) {
  if (!error) return { fieldErrors: {}, formErrors: [] as string[] };
  if (!(error instanceof ApiError)) {
    return { fieldErrors: {}, formErrors: [`Could not launch: ${error.message}`] };
  }
  const names = new Set(fields.map((field) => field.name));
  const fieldErrors: FieldErrors = {};
  const formErrors: string[] = [];
  for (const [name, messages] of Object.entries(error.fieldErrorsAt('params'))) {
    if (names.has(name)) fieldErrors[name] = messages;
    else formErrors.push(name === 'non_field_errors' ? messages.join(' ') : `${name}: ${messages.join(' ')}`);
  }
  const { params: paramMessages, non_field_errors: nonField } = error.fieldErrors;
  formErrors.push(...(nonField ?? []), ...(paramMessages ?? []));
  if (formErrors.length === 0 && Object.keys(fieldErrors).length === 0) {
    formErrors.push(error.detail ?? `Could not launch (${error.status}).`);
  } else if (Object.keys(fieldErrors).length > 0 && formErrors.length === 0) {
    formErrors.push('Please correct the highlighted fields.');
  }
  return { fieldErrors, formErrors };
}

function focusFirstInvalid(form: HTMLFormElement | null) {
  // After React re-renders with aria-invalid set.
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
