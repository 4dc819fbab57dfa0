import { describe, expect, it } from 'vitest';
import type { ServiceView } from '@ktctl/kube';
import { carriedPorts, checkRemotePorts, serviceTargetPorts } from './target-ports.js';

const svc: ServiceView = {
  metadata: { name: 'echo' },
  spec: {
    selector: { app: 'echo' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'tcp-echo', port: 9000, protocol: 'TCP', targetPort: 9000 },
      { name: 'udp-echo', port: 9001, protocol: 'UDP', targetPort: 'udp-echo' },
    ],
  },
};
const pod = {
  metadata: { name: 'echo-1' },
  spec: {
    containers: [
      {
        image: 'x',
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'udp-echo', containerPort: 9001, protocol: 'UDP' },
        ],
      },
    ],
  },
} as never;

describe('target ports', () => {
  it('resolves named target ports through a pod, UDP apart', () => {
    expect(serviceTargetPorts(svc, [pod])).toEqual({ tcp: [8080, 9000], udp: [9001], unresolved: [] });
    expect(serviceTargetPorts(svc, [])).toEqual({ tcp: [9000], udp: [], unresolved: ['http', 'udp-echo'] });
  });

  it('carries each TCP target port once, with its name when any Service port names it', () => {
    const both: ServiceView = {
      ...svc,
      spec: { ...svc.spec, ports: [{ name: 'plain', port: 81, protocol: 'TCP', targetPort: 8080 }, ...svc.spec.ports!] },
    };
    const { tcp, udp } = carriedPorts(both, [pod]);
    expect(tcp.map((p) => [p.number, p.name, p.servicePort.port])).toEqual([
      [8080, 'http', 81],
      [9000, undefined, 9000],
    ]);
    expect(udp).toEqual([9001]);
    expect(carriedPorts(svc, []).tcp.map((p) => p.number)).toEqual([9000]);
  });

  it('accepts target ports and explains a Service port or a UDP port', () => {
    const targets = serviceTargetPorts(svc, [pod]);
    expect(() =>
      checkRemotePorts(
        svc,
        [
          { local: 1, remote: 8080 },
          { local: 2, remote: 9000 },
        ],
        targets,
      ),
    ).not.toThrow();
    expect(() => checkRemotePorts(svc, [{ local: 1, remote: 80 }], targets)).toThrow(
      /Port 80 is not a target port of Service echo \(80 is a Service port; its target port is http\); its TCP target ports are 8080, 9000/,
    );
    expect(() => checkRemotePorts(svc, [{ local: 1, remote: 9001 }], targets)).toThrow(/is UDP; exchange carries TCP only/);
    expect(() => checkRemotePorts(svc, [{ local: 1, remote: 1234 }], targets)).toThrow(
      expect.objectContaining({ code: 'KT_TARGET_PORT_NOT_FOUND', hint: expect.stringMatching(/TARGET ports/) }),
    );
  });
});
