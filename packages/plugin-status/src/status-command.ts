import { defineCommand, printReport } from '@ktctl/plugin-api';

/** `ktctl status`: this machine only, no cluster call; exit 1 when anything is degraded or dead. */
export const statusCommand = defineCommand({
  name: 'status',
  description: 'Show the ktctl commands running on this machine (tunnel, proxy, TUN, DNS) and dead runs waiting for "ktctl clean"',
  examples: [
    ['ktctl status', 'what runs here, and whether it is healthy (exit code 1 when not)'],
    ['ktctl status -o json', 'the same for scripts'],
  ],
  async handler(ctx) {
    const { localStatus, statusText } = await import('@ktctl/access/status');
    const report = localStatus(ctx.env);
    printReport(ctx, report as never, () => statusText(report));
    return report.healthy ? 0 : 1;
  },
});
