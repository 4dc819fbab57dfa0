import { formatTable } from '@ktctl/plugin-api';
import type { BirdseyeHolder, BirdseyeView } from './view.js';

function age(seconds: number): string {
  if (seconds < 0) return 'never';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

/** One holder in words: `exchanged by alice (selector, since ..., shadow web-kt-exchange-abcde)`. */
export function describeHolder(h: BirdseyeHolder): string {
  const what =
    h.kind === 'exchange'
      ? 'exchanged'
      : h.kind === 'mesh'
        ? 'meshed'
        : h.kind === 'preview'
          ? 'previewed'
          : h.kind === 'lock'
            ? 'being redirected'
            : 'connected';
  const details = [
    h.mode,
    h.header ? `header "${h.header}"` : h.version ? `version ${h.version}` : undefined,
    h.label ? `label ${h.label}` : undefined,
    h.refCount ? `${h.refCount} user(s)` : undefined,
    h.since ? `since ${h.since.replace('.000Z', 'Z')}` : undefined,
    h.shadow ? `via ${h.shadow}` : h.kind === 'lock' ? 'kt-lock' : 'shadow gone',
    h.stale ? `STALE: no heartbeat for ${age(h.heartbeatAgeSeconds)}` : undefined,
  ].filter(Boolean);
  return `${what} by ${h.user} (${details.join(', ')})`;
}

/** The table people read: one row per Service (one per holder when several), then the connectors. */
export function birdseyeTable(view: BirdseyeView): string {
  const rows: string[][] = [];
  for (const svc of view.services) {
    if (!svc.holders.length) rows.push([svc.name, svc.state, '']);
    svc.holders.forEach((h, i) => rows.push([i === 0 ? svc.name : '', i === 0 ? svc.state : '', describeHolder(h)]));
  }
  const parts = [rows.length ? formatTable(['SERVICE', 'STATE', 'BY'], rows) : `# no Services to show in namespace ${view.namespace}`];
  if (view.connectors) {
    parts.push(
      view.connectors.length
        ? formatTable(
            ['CONNECTED USER', 'SHADOW', 'DETAILS'],
            view.connectors.map((c) => [
              c.user,
              c.shadow ?? '',
              describeHolder(c)
                .replace(/^connected by \S+ \(/, '')
                .replace(/\)$/, ''),
            ]),
          )
        : `# nobody connected to namespace ${view.namespace}`,
    );
  }
  if (view.hint) parts.push(`# stale runs found (no heartbeat for more than ${view.staleAfterSeconds / 60} min): ${view.hint}`);
  return parts.join('\n\n');
}
