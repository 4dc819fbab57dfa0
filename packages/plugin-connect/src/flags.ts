import { isIP } from 'node:net';
import type { FlagSpec } from '@ktctl/plugin-api';

/** What is wrong with an IP or CIDR (`10.0.0.0/8`, `fd00::/8`), or undefined when it is one. */
export function cidrProblem(text: string, requirePrefix = false): string | undefined {
  const [ip = '', prefix, extra] = text.trim().split('/');
  const family = isIP(ip);
  const bits = family === 6 ? 128 : 32;
  const prefixOk = prefix === undefined ? !requirePrefix : /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits;
  if (family !== 0 && prefixOk && extra === undefined) return undefined;
  return `"${text}" is not ${requirePrefix ? 'a CIDR' : 'an IP or CIDR'} (e.g. 172.20.0.0/16)`;
}

/** connect's own flags, as KtConnect named them. */
export const connectFlags = [
  {
    name: 'mode',
    type: 'string',
    default: 'tun2socks',
    choices: ['tun2socks', 'sshuttle'],
    description:
      'How laptop traffic reaches the cluster: a TUN device and a userspace TCP/IP stack, TCP, UDP and ping (tun2socks), or a kernel redirect of TCP (sshuttle, Linux and macOS)',
  },
  {
    name: 'dnsMode',
    type: 'string',
    default: 'localDNS',
    choices: ['localDNS', 'podDNS', 'hosts'],
    choicePrefix: true,
    description: 'How cluster names resolve: localDNS[:cluster,upstream], podDNS, hosts or hosts:<ns1>,<ns2>',
  },
  { name: 'shareShadow', type: 'boolean', default: false, description: 'Share one shadow pod with the other developers in the namespace' },
  { name: 'clusterDomain', type: 'string', default: 'cluster.local', description: 'The cluster DNS domain' },
  { name: 'disablePodIp', type: 'boolean', default: false, description: 'Reach Services only, not pod IPs' },
  {
    name: 'skipCleanup',
    type: 'boolean',
    default: false,
    description: 'Do not clean up stale objects and laptop changes of dead runs first',
  },
  {
    name: 'includeIps',
    type: 'string[]',
    default: [],
    description: 'More CIDRs to send into the cluster, comma separated (e.g. 172.2.0.0/16)',
    check: (v) => cidrProblem(v),
  },
  {
    name: 'excludeIps',
    type: 'string[]',
    default: [],
    description: 'CIDRs or IPs never sent into the cluster, comma separated',
    check: (v) => cidrProblem(v),
  },
  {
    name: 'disableTunDevice',
    type: 'boolean',
    default: false,
    description: 'Only the SOCKS5/HTTP proxy: no TUN device, routes or DNS changes (no root needed)',
  },
  {
    name: 'disableTunRoute',
    type: 'boolean',
    default: false,
    description: 'tun2socks mode: create the TUN device kt0 but add no routes (the routes you would add are printed)',
  },
  {
    name: 'proxyPort',
    type: 'number',
    default: 2223,
    min: 1,
    max: 65535,
    integer: true,
    description: 'Port of the local SOCKS5/HTTP proxy',
  },
  { name: 'proxyAddr', type: 'string', default: '127.0.0.1', description: 'Address the local SOCKS5/HTTP proxy listens on' },
  { name: 'dnsCacheTtl', type: 'number', default: 60, min: 0, description: 'Seconds cluster DNS answers are cached' },
  {
    name: 'tunnelSessions',
    type: 'number',
    default: 3,
    min: 1,
    max: 64,
    integer: true,
    description: 'Parallel tunnel sessions to the shadow pod (each its own port-forward) carrying the traffic',
  },
  {
    name: 'disableDirectPath',
    type: 'boolean',
    default: false,
    description:
      "Send every connection through the shadow pod. By default a TCP connection to a pod IP or a ClusterIP of the namespace goes straight to one ready pod over its own port-forward (like kubectl port-forward), which bypasses kube-proxy's balancing beyond that pod, NetworkPolicy and a sidecar's inbound path, reaches the pod's loopback, and holds back the laptop's half-close until the pod ends",
  },
] as const satisfies readonly FlagSpec[];
