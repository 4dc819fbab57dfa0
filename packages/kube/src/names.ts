import { randomInt } from 'node:crypto';
import { ErrorCode, UsageError } from '@ktctl/plugin-api';

/** Label and annotation keys KtConnect leaves on cluster objects; kept byte-for-byte so its leftovers are understood. */
export const Keys = {
  controlBy: 'control-by',
  role: 'kt-role',
  target: 'kt-target',
  user: 'kt-user',
  refCount: 'kt-ref-count',
  lastHeartBeat: 'kt-last-heart-beat',
  config: 'kt-config',
  selector: 'kt-selector',
  lock: 'kt-lock',
} as const;

/** The value of `control-by` on everything ktctl creates. */
export const CONTROLLED_BY_KT = 'kt';

/** Values of the `kt-role` label. */
export const Role = {
  connect: 'shadow-connect',
  exchange: 'shadow-exchange',
  mesh: 'shadow-mesh',
  preview: 'shadow-preview',
  router: 'router',
} as const;
export type RoleValue = (typeof Role)[keyof typeof Role];

const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** `n` random lowercase letters (KtConnect's suffix alphabet), usable in DNS-1123 names. */
export function randomLetters(n = 5, random: (max: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < n; i++) out += LOWER[random(LOWER.length)];
  return out;
}

/** The shared shadow of `connect --shareShadow`. */
export const SHARED_CONNECT_SHADOW = 'kt-connect-shadow-daemon';

/** What a shadow is for; decides its name per spec §4. */
export type ShadowPurpose =
  | { kind: 'connect'; shared?: boolean }
  | { kind: 'exchange'; service: string }
  | { kind: 'mesh'; service: string; version: string }
  | { kind: 'preview'; name: string };

/** The object name of a shadow: `kt-connect-shadow-<5>`, `<svc>-kt-exchange-<5>`, `<svc>-kt-mesh-<ver>`, `<name>-kt-<5>`. */
export function shadowName(purpose: ShadowPurpose, suffix: string = randomLetters()): string {
  switch (purpose.kind) {
    case 'connect':
      return purpose.shared ? SHARED_CONNECT_SHADOW : `kt-connect-shadow-${suffix}`;
    case 'exchange':
      return `${purpose.service}-kt-exchange-${suffix}`;
    case 'mesh':
      return `${purpose.service}-kt-mesh-${purpose.version}`;
    case 'preview':
      return `${purpose.name}-kt-${suffix}`;
  }
}

/** The `kt-role` label value for a purpose. */
export function shadowRole(purpose: ShadowPurpose): RoleValue {
  return Role[purpose.kind];
}

/** The router pod and stuntman Service of `mesh` auto mode. */
export function routerName(service: string): string {
  return `${service}-kt-router`;
}
export function stuntmanName(service: string): string {
  return `${service}-kt-stuntman`;
}

/** The local user to record in `kt-user`: the invoking user under sudo, not root. */
export function invokingUser(env: NodeJS.ProcessEnv = process.env, fallback = (): string => 'unknown'): string {
  const sudo = env.SUDO_USER;
  if (sudo && sudo !== 'root') return sudo;
  return env.USER || env.LOGNAME || env.USERNAME || fallback();
}

/** `a=1,b=2` → `{a:'1', b:'2'}`; used for `kt-config`, `--withLabel`, `--withAnnotation`, `--nodeSelector`. */
export function parseKeyValues(text: string | undefined, what = 'value'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid ${what}: expected key=value,..., got "${trimmed}"`, { code: ErrorCode.InvalidFlag });
    out[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return out;
}

/** `{a:'1'}` → `a=1`, keys in insertion order; the format of `kt-config`. */
export function formatKeyValues(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
