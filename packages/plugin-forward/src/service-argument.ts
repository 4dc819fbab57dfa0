import { ErrorCode, UsageError } from '@ktctl/plugin-api';

/**
 * The Service named by forward's first argument: `web`, or kubectl's `svc/web` / `service/web`.
 * KtConnect's forward also took an address (`a.b.c`) but never implemented it; pods and Deployments are
 * kubectl port-forward's job (no following there), so both are refused with what to do instead.
 */
export function serviceOfTarget(target: string): string {
  const slash = target.indexOf('/');
  const kind = slash < 0 ? 'service' : target.slice(0, slash).toLowerCase();
  const name = slash < 0 ? target : target.slice(slash + 1);
  if (!['svc', 'service', 'services'].includes(kind)) {
    throw new UsageError(`forward takes a Service, not "${target}"`, {
      code: ErrorCode.Usage,
      hint: `Name the Service in front of it (ktctl forward <service>), or use kubectl port-forward ${target}`,
    });
  }
  if (name.includes('.')) {
    throw new UsageError(`"${name}" is not a Service name: forwarding to an address is not supported`, {
      code: ErrorCode.Usage,
      hint: 'Name a Service of the namespace (-n <namespace> picks another namespace)',
    });
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
    throw new UsageError(`"${name}" is not a valid Service name`, { code: ErrorCode.Usage });
  return name;
}
