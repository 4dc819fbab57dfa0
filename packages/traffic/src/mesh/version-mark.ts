// `--versionMark`: which header (and, in manual mode, which label) marks a developer's requests, and the
// names that follow from it.
import { createHash } from 'node:crypto';
import { ErrorCode, UsageError } from '@ktctl/plugin-api';
import { randomLetters } from '@ktctl/kube';

/** The header key when `--versionMark` names none (KtConnect's). */
export const DEFAULT_MARK_KEY = 'version';

export interface VersionMark {
  /** The header name (and manual mode's label key). */
  readonly key: string;
  /** The header value (and label value); it also names the shadow and mesh Service. */
  readonly value: string;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A label key's name part, which is also a header name: manual mode's key is both. */
const LABEL_KEY = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** The value goes into object names (`<svc>-kt-mesh-<value>`): a DNS label's characters. */
const VALUE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const HINT = 'Use --versionMark <value>, <key>: or <key>:<value>, e.g. --versionMark version:alice';

/** `v`, `key:` or `key:v` → the mark; the key defaults to `version`, the value to 5 random lowercase letters. */
export function parseVersionMark(
  text: string | undefined,
  mode: 'auto' | 'manual',
  random: () => string = () => randomLetters(5),
): VersionMark {
  const raw = (text ?? '').trim();
  const colon = raw.indexOf(':');
  const key = colon < 0 ? DEFAULT_MARK_KEY : raw.slice(0, colon).trim();
  const value = (colon < 0 ? raw : raw.slice(colon + 1).trim()) || random();
  if (!HEADER.test(key))
    throw new UsageError(`Invalid --versionMark "${raw}": "${key}" is not a valid HTTP header name`, {
      code: ErrorCode.InvalidFlag,
      hint: HINT,
    });
  if (mode === 'manual' && !LABEL_KEY.test(key)) {
    throw new UsageError(`Invalid --versionMark "${raw}": in manual mode "${key}" is also a label key (letters, digits, - _ .)`, {
      code: ErrorCode.InvalidFlag,
      hint: HINT,
    });
  }
  if (!VALUE.test(value)) {
    throw new UsageError(
      `Invalid --versionMark "${raw}": the value "${value}" names cluster objects, so it takes lowercase letters, digits and inner dashes only`,
      { code: ErrorCode.InvalidFlag, hint: HINT },
    );
  }
  return { key, value };
}

/**
 * What follows `<svc>-kt-mesh-` in the shadow's and mesh Service's names. KtConnect's names use the value
 * alone, and so do we for the default key; another key adds 4 letters derived from it, so `version: abc`
 * and `x-dev: abc` (different routes, both allowed) never want the same objects. Header names ignore case,
 * so the key is hashed in lower case.
 */
export function meshSuffix(mark: VersionMark): string {
  if (mark.key.toLowerCase() === DEFAULT_MARK_KEY) return mark.value;
  const digest = createHash('sha256').update(mark.key.toLowerCase()).digest();
  const letters = [...digest.subarray(0, 4)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${mark.value}-${letters}`;
}

/** `<svc>-kt-mesh-<suffix>`, refused when longer than a Service name may be. */
export function meshObjectName(service: string, mark: VersionMark): string {
  const name = `${service}-kt-mesh-${meshSuffix(mark)}`;
  if (name.length > 63) {
    throw new UsageError(`The mesh objects would be named ${name}, longer than the 63 characters Kubernetes allows`, {
      code: ErrorCode.InvalidFlag,
      hint: 'Pick a shorter --versionMark value',
    });
  }
  return name;
}

/** The line that tells the user how to reach their laptop. */
export function headerExample(mark: VersionMark): string {
  return `${mark.key}: ${mark.value}`;
}
