import { useRef, useState, type FormEvent } from 'react';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { ApiError, type FieldErrors } from '@/lib/api-client';

import { useCreateDeployment } from '../api/create-deployment';
import type { DeploymentAccepted, DeploymentInput } from '../api/types';
import {
  EMPTY_DEPLOY_FORM,
  toDeploymentInput,
  validateDeployForm,
  type DeployFormValues,
} from '../validation';

type FieldSpec = {
  name: keyof DeploymentInput;
  label: string;
  type?: 'text' | 'number';
  hint?: string;
  min?: number;
  max?: number;
  optional?: boolean;
  placeholder?: string;
  autoComplete?: string;
};

const FIELDS: FieldSpec[] = [
  { name: 'hostname', label: 'Hostname', hint: 'RFC 1123, e.g. web-01.example.com', placeholder: 'web-01' },
  { name: 'vcenter_host', label: 'vCenter host', placeholder: 'vcenter.example.com' },
  { name: 'datacenter', label: 'Datacenter', placeholder: 'DC1' },
  { name: 'template', label: 'Template', placeholder: 'ubuntu-24.04' },
  { name: 'cpu', label: 'CPU', type: 'number', min: 1, max: 64, hint: '1 to 64 vCPUs' },
  { name: 'memory_gb', label: 'Memory (GB)', type: 'number', min: 1, max: 1024, hint: '1 to 1024 GB' },
  { name: 'disk_gb', label: 'Disk (GB)', type: 'number', min: 1, max: 65536, hint: '1 to 65536 GB' },
  { name: 'network', label: 'Network', placeholder: 'VM Network' },
  { name: 'ip_address', label: 'IP address', optional: true, hint: 'Leave empty for DHCP.', placeholder: 'DHCP' },
];

type DeployFormProps = { onAccepted: (accepted: DeploymentAccepted, input: DeploymentInput) => void };

/** Seed 000's deployment form, posted with fetch; the progress panel takes over from here. */
export function DeployForm({ onAccepted }: DeployFormProps) {
  const [values, setValues] = useState<DeployFormValues>(EMPTY_DEPLOY_FORM);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const formRef = useRef<HTMLFormElement>(null);
  const create = useCreateDeployment();
  const apiErrors = create.error instanceof ApiError ? create.error.fieldErrors : {};

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const errors = validateDeployForm(values);
    setClientErrors(errors);
    if (Object.keys(errors).length > 0) {
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const input = toDeploymentInput(values);
    create.mutate(input, { onSuccess: (accepted) => onAccepted(accepted, input) });
  };

  const change = (name: keyof DeploymentInput, value: string) => {
    setValues((current) => ({ ...current, [name]: value }));
    setClientErrors(({ [name]: _dropped, ...rest }) => rest);
  };

  return (
    <form ref={formRef} className="form" noValidate onSubmit={submit} aria-label="Deploy a VM">
      {create.error && <Alert>{describeError(create.error)}</Alert>}
      <div className="form-grid">
        {FIELDS.map((spec) => (
          <Field
            key={spec.name}
            label={spec.label}
            hint={spec.hint}
            required={!spec.optional}
            errors={clientErrors[spec.name] ?? apiErrors[spec.name]}
          >
            {(props) => (
              <input
                {...props}
                name={spec.name}
                type={spec.type ?? 'text'}
                inputMode={spec.type === 'number' ? 'numeric' : undefined}
                min={spec.min}
                max={spec.max}
                placeholder={spec.placeholder}
                autoComplete="off"
                aria-required={!spec.optional}
                value={values[spec.name]}
                onChange={(event) => change(spec.name, event.target.value)}
              />
            )}
          </Field>
        ))}
      </div>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Submitting…' : 'Deploy VM'}
        </button>
      </div>
    </form>
  );
}

function describeError(error: Error): string {
  if (!(error instanceof ApiError)) return `Could not submit the deployment: ${error.message}`;
  if (error.status === 429) return error.detail ?? 'Too many deployments launched; wait a minute.';
  const nonField = error.fieldErrors.non_field_errors;
  if (nonField) return nonField.join(' ');
  if (error.status === 400) return error.detail ?? 'Please correct the highlighted fields.';
  return error.detail ?? `The deployment was refused (${error.status}).`;
}
