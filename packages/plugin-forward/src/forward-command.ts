import { defineCommand, printReadyEvent, runUntilStopped, type CommandContext } from '@ktctl/plugin-api';
import type { ForwardStatus, ServicePortView } from '@ktctl/kube';
import type { FollowEvent, ServiceForward } from '@ktctl/access/forward';
import { askChoice, processTerminal } from './prompt.js';
import { serviceOfTarget } from './service-argument.js';

function describeFollow(ctx: CommandContext, service: string, event: FollowEvent): void {
  ctx.runState?.update(
    event.kind === 'lost'
      ? { state: 'reconnecting', detail: `pod ${event.pod} is ${event.why}` }
      : { state: 'ready', pod: event.pod, detail: undefined },
  );
  if (event.kind === 'lost') ctx.logger.warn(`Pod ${event.pod} is ${event.why}; waiting for another ready pod of service ${service}…`);
  else ctx.logger.info(`Now forwarding to pod ${event.pod}${event.previous ? ` (was ${event.previous})` : ''}`);
}

function describeStatus(ctx: CommandContext, status: ForwardStatus): void {
  if (status.state === 'failed') ctx.logger.warn(`A connection could not be forwarded: ${status.error.message}`);
  else if (status.state === 'reconnecting') ctx.logger.debug(`port-forward: ${status.reason}`);
}

/** `ktctl forward <svc> [local[:remote]]` */
export const forwardCommand = defineCommand({
  name: 'forward',
  description: 'Forward a local port to a ready pod of a Service, following the next pod when it goes away; creates nothing in the cluster',
  positionals: [
    { name: 'service', required: true, description: 'The Service (name, or svc/<name>)' },
    {
      name: 'ports',
      description:
        '<local>[:<remote>]: remote is a Service port (default: its only TCP port; asked for on a terminal when it has several); local defaults to the same number',
    },
  ],
  examples: [
    ['ktctl forward web', "localhost:<port> reaches a pod of Service web, on the Service's only port"],
    ['ktctl forward echo 8080:80', 'localhost:8080 reaches Service port 80 of echo (its target port in the pod)'],
  ],
  async handler(ctx) {
    const service = serviceOfTarget(String(ctx.args.service));
    const { clientFromFlags, forwarderOptionsFromFlags } = await import('@ktctl/kube');
    const { describeServicePort, forwardService, parsePortPair } = await import('@ktctl/access/forward');
    const { local, remote } = parsePortPair(ctx.args.ports as string | undefined);
    const client = clientFromFlags(ctx.options);
    const terminal = processTerminal();
    const choosePort = terminal
      ? (ports: ServicePortView[]) =>
          askChoice(
            terminal,
            `Service ${service} has several ports; forward which one?`,
            ports.map((p) => ({ label: describeServicePort(p), value: p, keys: [String(p.port), ...(p.name ? [p.name] : [])] })),
            ctx.signal,
          )
      : undefined;
    let forward: ServiceForward;
    try {
      forward = await forwardService(client, {
        service,
        local,
        remote,
        choosePort,
        onEvent: (event) => describeFollow(ctx, service, event),
        forwarder: { ...forwarderOptionsFromFlags(ctx.options), onStatus: (status) => describeStatus(ctx, status) },
      });
    } catch (error) {
      client.close();
      throw error;
    }
    const { host, localPort, servicePort, targetPort, pod } = forward;
    ctx.runState?.update({
      state: 'ready',
      namespace: client.namespace,
      context: client.context,
      service,
      pod,
      localAddress: `${host}:${localPort}`,
    });
    printReadyEvent(ctx, {
      namespace: client.namespace,
      service,
      host,
      localPort,
      servicePort: servicePort.port,
      targetPort,
      pod,
    });
    return runUntilStopped(ctx, {
      ready: [
        `Forwarding ${host}:${localPort} → service ${service} port ${servicePort.port} (pod ${pod}, port ${targetPort}) in namespace ${client.namespace}`,
      ],
      stopHint: 'Press Ctrl-C to stop',
      close: async () => {
        await forward.close().finally(() => client.close());
        return [];
      },
    });
  },
});
