import { ErrorCode, UsageError } from '@ktctl/plugin-api';

/** A Service name (DNS-1035 label) short enough that the shadow `<name>-kt-<5>` is one too. */
export function checkPreviewName(name: string): string {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 54) {
    throw new UsageError(`"${name}" cannot be a Service name`, {
      code: ErrorCode.Usage,
      hint: 'Use at most 54 lowercase letters, digits and "-", starting with a letter',
    });
  }
  return name;
}
