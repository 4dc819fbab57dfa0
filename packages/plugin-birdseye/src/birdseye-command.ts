import { defineCommand, printReport } from '@ktctl/plugin-api';

/** `ktctl birdseye`: read-only (list services, pods, deployments); KtConnect's flags. */
export const birdseyeCommand = defineCommand({
  name: 'birdseye',
  description: 'Show who exchanges, meshes or previews each Service of the namespace (and who is connected), and which runs are stale',
  flags: [
    { name: 'sortBy', type: 'string', default: 'name', choices: ['status', 'name'], description: 'Order the Services by name or by state' },
    {
      name: 'showConnector',
      type: 'boolean',
      default: false,
      description: 'Also list the users connected to the namespace and their shadows',
    },
    { name: 'hideNaturalService', type: 'boolean', default: false, description: 'Leave out Services nobody redirects' },
  ],
  examples: [
    ['ktctl birdseye -n dev', 'every Service of namespace dev and who redirects it'],
    ['ktctl birdseye --showConnector --hideNaturalService -o json', 'only redirected Services, plus connected users, as JSON'],
  ],
  async handler(ctx) {
    const { clientFromFlags } = await import('@ktctl/kube');
    const { birdseye, birdseyeTable } = await import('@ktctl/traffic/birdseye');
    const client = clientFromFlags(ctx.options);
    const view = await birdseye(client, {
      sortBy: ctx.options.sortBy === 'status' ? 'status' : 'name',
      showConnector: ctx.options.showConnector,
      hideNaturalService: ctx.options.hideNaturalService,
    }).finally(() => client.close());
    printReport(ctx, view as never, () => birdseyeTable(view));
  },
});
