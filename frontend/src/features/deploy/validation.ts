import type { FieldErrors } from '@/lib/api-client';

import type { DeploymentInput } from './api/types';

/** What the inputs hold (text), before it becomes a DeploymentInput. */
export type DeployFormValues = Record<keyof DeploymentInput, string>;

export const EMPTY_DEPLOY_FORM: DeployFormValues = {
  hostname: '',
  vcenter_host: '',
  datacenter: '',
  template: '',
  cpu: '2',
  memory_gb: '4',
  disk_gb: '40',
  network: '',
  ip_address: '',
};

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
export function isHostname(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => LABEL.test(label));
}

export function isIpAddress(value: string): boolean {
  if (IPV4.test(value)) return true;
  if (!value.includes(':')) return false;
  try {
    return new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

const RANGES = { cpu: [1, 64], memory_gb: [1, 1024], disk_gb: [1, 65536] } as const;

/** The checks the API also makes (issue 6), so most mistakes show before the round trip. */
export function validateDeployForm(values: DeployFormValues): FieldErrors {
  const errors: FieldErrors = {};
  const hostname = values.hostname.trim();
  if (!hostname) errors.hostname = ['Enter a host name.'];
  else if (!isHostname(hostname)) {
    errors.hostname = ['Letters, digits and hyphens only (RFC 1123), no hyphen at either end.'];
  }
  for (const field of ['vcenter_host', 'datacenter', 'template', 'network'] as const) {
    if (!values[field].trim()) errors[field] = ['This field is required.'];
  }
  for (const [field, [min, max]] of Object.entries(RANGES) as [keyof typeof RANGES, readonly [number, number]][]) {
    const value = Number(values[field]);
    if (values[field].trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      errors[field] = [`A whole number from ${min} to ${max}.`];
    }
  }
  const ip = values.ip_address.trim();
  if (ip && !isIpAddress(ip)) errors.ip_address = ['Not a valid IP address (leave empty for DHCP).'];
  return errors;
}

export function toDeploymentInput(values: DeployFormValues): DeploymentInput {
  return {
    hostname: values.hostname.trim(),
    vcenter_host: values.vcenter_host.trim(),
    datacenter: values.datacenter.trim(),
    template: values.template.trim(),
    cpu: Number(values.cpu),
    memory_gb: Number(values.memory_gb),
    disk_gb: Number(values.disk_gb),
    network: values.network.trim(),
    ip_address: values.ip_address.trim(),
  };
}
