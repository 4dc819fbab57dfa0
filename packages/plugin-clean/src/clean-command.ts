import { defineCommand } from '@ktctl/plugin-api';
import { cleanLaptop } from './laptop.js';

/** `ktctl clean`: only what is stale, judged by heartbeat in cluster time; never a live user's objects. */
export const cleanCommand = defineCommand({
  name: 'clean',
  description: 'Remove what dead ktctl runs left behind: stale shadow pods, redirected Services, laptop DNS/routes/firewall changes',
  flags: [
    { name: 'thresholdInMinus', type: 'number', default: 5, description: 'Minutes without a heartbeat (cluster time) after which an object is stale' },
    { name: 'dryRun', type: 'boolean', default: false, configurable: false, description: 'Print what would be done, change nothing' },
    { name: 'localOnly', type: 'boolean', default: false, configurable: false, description: 'Only clean this machine, not the cluster' },
  ],
  async handler(ctx) {
    const { dryRun, localOnly, thresholdInMinus } = ctx.options;
    await cleanLaptop(ctx, dryRun);
    if (localOnly) return;
    const { KubeClient, planClusterClean, applyClusterClean, describeCleanAction } = await import('@ktctl/kube');
    const client = KubeClient.fromOptions(ctx.options as Parameters<typeof KubeClient.fromOptions>[0]);
    const actions = await planClusterClean(client, thresholdInMinus * 60);
    if (dryRun) {
      for (const action of actions) ctx.print(`would ${describeCleanAction(action)}`);
      if (!actions.length) ctx.print(`# nothing stale in namespace ${client.namespace}`);
      return;
    }
    const failures = await applyClusterClean(client, actions, (action) => ctx.logger.info(`Done: ${describeCleanAction(action)}`));
    if (!actions.length) ctx.logger.info(`Nothing stale in namespace ${client.namespace}`);
    for (const failure of failures) ctx.logger.warn(`Could not ${failure}`);
    return failures.length ? 1 : 0;
  },
});
