import { ErrorCode, UserError } from '@ktctl/plugin-api';
import {
  PortForwarder,
  getService,
  requirePermissions,
  resolveTargetPort,
  type KubeClient,
  type LocalForward,
  type PortForwarderOptions,
  type ServicePortView,
  type ServiceView,
} from '@ktctl/kube';
import { ServicePodFollower, type FollowEvent } from './follow.js';
import { forwardablePorts, pickServicePort, severalPortsError, userPort } from './ports.js';

export interface ServiceForwardOptions {
  service: string;
  /** Local port; default: the Service port. */
  local?: number | undefined;
  /** Service port (or a numeric target port); default: the only TCP port. */
  remote?: number | undefined;
  /** Local address to listen on (default 127.0.0.1). */
  host?: string;
  /** Asked when the Service has several TCP ports and none was given; without it that is a usage error. */
  choosePort?: (ports: ServicePortView[], service: ServiceView) => Promise<ServicePortView>;
  onEvent?: (event: FollowEvent) => void;
  forwarder?: PortForwarderOptions;
}

/** A running `forward`: where it listens, what it reaches, and how to stop it. */
export interface ServiceForward {
  readonly host: string;
  readonly localPort: number;
  readonly service: ServiceView;
  readonly servicePort: ServicePortView;
  /** The pod port the Service port leads to. */
  readonly targetPort: number;
  /** The pod forwarded to now (undefined while none is ready). */
  readonly pod: string | undefined;
  close(): Promise<void>;
}

/**
 * `ktctl forward <svc>`: a local listener whose connections are port-forwarded to a ready pod of the
 * Service, following a new pod when that one goes away. Creates nothing in the cluster.
 */
export async function forwardService(client: KubeClient, options: ServiceForwardOptions): Promise<ServiceForward> {
  const namespace = client.namespace;
  await requirePermissions(client, [
    { verb: 'get', resource: 'services', namespace },
    { verb: 'list', resource: 'pods', namespace },
    { verb: 'create', resource: 'pods/portforward', namespace },
  ]);
  const service = await getService(client, options.service);
  const servicePort = await choosePort(service, options);
  const follower = new ServicePodFollower(client, service, options.onEvent);
  const first = await follower.start();
  try {
    const targetPort = resolveTargetPort(servicePort, first);
    const forwarder = new PortForwarder(client, { namespace, port: targetPort, pod: follower.resolve }, options.forwarder);
    const host = options.host ?? '127.0.0.1';
    const listener = await listen(forwarder, options.local ?? servicePort.port, host, service.metadata.name, servicePort.port);
    return {
      host,
      localPort: listener.port,
      service,
      servicePort,
      targetPort,
      get pod() {
        return follower.pod;
      },
      async close() {
        follower.stop();
        forwarder.close();
        await listener.close();
      },
    };
  } catch (error) {
    follower.stop();
    throw error;
  }
}

async function choosePort(service: ServiceView, options: ServiceForwardOptions): Promise<ServicePortView> {
  const picked = pickServicePort(service, options.remote);
  if (picked) return picked;
  if (!options.choosePort) throw severalPortsError(service);
  return options.choosePort(forwardablePorts(service), service);
}

/** Listens; a port below 1024 without root is a user error naming a port that works. */
async function listen(forwarder: PortForwarder, port: number, host: string, service: string, servicePort: number): Promise<LocalForward> {
  try {
    return await forwarder.listen(port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    throw new UserError(ErrorCode.PermissionDenied, `Listening on local port ${port} needs root`, {
      hint: `Pick a local port above 1023: ktctl forward ${service} ${userPort(port)}:${servicePort}`,
      cause: error,
    });
  }
}
