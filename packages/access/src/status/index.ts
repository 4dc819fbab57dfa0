/** `ktctl status`'s service: what ktctl runs on this machine, from ~/.kt alone (no cluster call). */
import { ktHome } from '@ktctl/config';
import { type AliveCheck, isProcessAlive, listRunStates, listStaleRuns, platformPaths, runStateDir } from '@ktctl/netplatform';
import { formatTable } from '@ktctl/plugin-api';

/** Tunnel states a run publishes; `ready` for commands without a tunnel of their own (forward). */
export type RunHealth = 'starting' | 'connected' | 'ready' | 'degraded' | 'reconnecting' | 'failed' | 'dead';

/** One ktctl process as `ktctl status` reports it: its published state, and whether it still runs. */
export interface RunStatus {
  readonly command: string;
  readonly pid: number;
  readonly since: string;
  readonly updatedAt: string;
  readonly alive: boolean;
  /** `dead` when the process is gone (killed, crashed), else the tunnel state it published. */
  readonly state: RunHealth;
  readonly namespace?: string;
  readonly context?: string;
  readonly shadow?: string;
  /** `host:port` of connect's SOCKS5/HTTP proxy. */
  readonly proxy?: string;
  readonly tun?: { readonly device: string; readonly address?: string; readonly routes: readonly string[] };
  readonly dnsMode?: string;
  readonly mode?: string;
  /** Everything else the command published (service, local port, header, ...). */
  readonly [field: string]: unknown;
}

/** A dead run whose laptop changes still wait for `ktctl clean`. */
export interface PendingClean {
  readonly pid: number;
  readonly command: string;
  /** Each change still to undo, newest first. */
  readonly changes: readonly string[];
}

export interface StatusReport {
  readonly runs: readonly RunStatus[];
  readonly pendingClean: readonly PendingClean[];
  /** Nothing degraded, reconnecting, failed or dead, nothing waiting for clean: `ktctl status` exits 0. */
  readonly healthy: boolean;
  readonly hint?: string;
}

const UNHEALTHY: readonly RunHealth[] = ['degraded', 'reconnecting', 'failed', 'dead'];

/** Reads the run-state files and journals under `~/.kt` (KT_HOME); changes nothing. */
export function localStatus(env: NodeJS.ProcessEnv, isAlive: AliveCheck = isProcessAlive): StatusReport {
  const home = ktHome(env);
  const runs: RunStatus[] = listRunStates(runStateDir(home), isAlive)
    .filter((r) => r.pid !== process.pid)
    .map(({ file: _file, ...r }) => ({
      ...r,
      state: !r.alive ? 'dead' : typeof r.state === 'string' ? (r.state as RunHealth) : 'starting',
    }));
  const pendingClean = listStaleRuns({ journalDir: platformPaths(home).journalDir, isAlive })
    .filter((j) => j.changes.length)
    .map((j) => ({ pid: j.pid, command: j.command, changes: j.changes }));
  const healthy = !runs.some((r) => UNHEALTHY.includes(r.state)) && !pendingClean.length;
  const cleanable = runs.some((r) => r.state === 'dead') || pendingClean.length > 0;
  return {
    runs,
    pendingClean,
    healthy,
    ...(cleanable ? { hint: 'run "ktctl clean" (with sudo when a dead run changed routes or DNS) to undo what dead runs left' } : {}),
  };
}

function ago(since: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** The text `ktctl status` prints. */
export function statusText(report: StatusReport, now: number = Date.now()): string {
  const parts: string[] = [];
  if (!report.runs.length && !report.pendingClean.length) return '# no ktctl command runs on this machine';
  if (report.runs.length) {
    parts.push(
      formatTable(
        ['COMMAND', 'PID', 'AGE', 'STATE', 'NAMESPACE', 'CONTEXT', 'SHADOW', 'DETAILS'],
        report.runs.map((r) => [
          r.command,
          String(r.pid),
          ago(r.since, now),
          r.state,
          r.namespace ?? '',
          r.context ?? '',
          r.shadow ?? '',
          [
            r.proxy ? `proxy ${r.proxy}` : '',
            r.tun ? `tun ${r.tun.device}${r.tun.routes.length ? ` routes ${r.tun.routes.join(',')}` : ''}` : '',
            r.dnsMode ? `dns ${r.dnsMode}` : '',
            typeof r.detail === 'string' ? r.detail : '',
          ]
            .filter(Boolean)
            .join('; '),
        ]),
      ),
    );
  }
  for (const run of report.pendingClean)
    parts.push(
      `dead ${run.command} (pid ${run.pid}) left ${run.changes.length} change(s) on this machine:\n${run.changes.map((c) => `  ${c}`).join('\n')}`,
    );
  if (report.hint) parts.push(`# ${report.hint}`);
  return parts.join('\n\n');
}
