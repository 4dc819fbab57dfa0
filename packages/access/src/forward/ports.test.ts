import { describe, expect, it } from 'vitest';
import type { ServiceView } from '@ktctl/kube';
import { describeServicePort, parsePortPair, pickServicePort, severalPortsError } from './ports.js';

const echo: ServiceView = {
  metadata: { name: 'echo', namespace: 'dev' },
  spec: {
    selector: { app: 'echo' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'tcp-echo', port: 9000, protocol: 'TCP', targetPort: 9000 },
      { name: 'udp-echo', port: 9001, protocol: 'UDP', targetPort: 'udp-echo' },
    ],
  },
};
const web: ServiceView = { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };

describe('parsePortPair', () => {
  it('reads local, local:remote and :remote', () => {
    expect(parsePortPair(undefined)).toEqual({});
    expect(parsePortPair('8080')).toEqual({ local: 8080 });
    expect(parsePortPair('8080:80')).toEqual({ local: 8080, remote: 80 });
    expect(parsePortPair(':80')).toEqual({ remote: 80 });
  });

  it('rejects what is not a port with a usage error', () => {
    for (const bad of ['http', '8080:', '1:2:3', '70000', '0'])
      expect(() => parsePortPair(bad), bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'KT_INVALID_FLAG' }));
  });
});

describe('pickServicePort', () => {
  it('takes the only TCP port when none is asked for', () => {
    expect(pickServicePort(web)?.port).toBe(80);
  });

  it('leaves the choice to the caller when there are several TCP ports', () => {
    expect(pickServicePort(echo)).toBeUndefined();
    const error = severalPortsError(echo);
    expect(error.message).toBe('Service echo has 2 ports: 80 (http), 9000 (tcp-echo); say which one');
    expect(error.exitCode).toBe(2);
    expect(error.hint).toBe('ktctl forward echo <local>:<port>, e.g. ktctl forward echo 8080:80');
  });

  it('finds a Service port, or else a numeric target port', () => {
    expect(pickServicePort(echo, 9000)?.name).toBe('tcp-echo');
    expect(pickServicePort(web, 8080)?.port).toBe(80);
  });

  it('refuses UDP ports and unknown ports, naming the ports there are', () => {
    expect(() => pickServicePort(echo, 9001)).toThrow(/9001 of Service echo is UDP; port-forwarding carries TCP only/);
    expect(() => pickServicePort(echo, 81)).toThrow(
      expect.objectContaining({
        code: 'KT_TARGET_PORT_NOT_FOUND',
        message: 'Service echo has no port 81; its ports: 80 (http), 9000 (tcp-echo)',
      }),
    );
  });
});

describe('describeServicePort', () => {
  it('shows the name, the target when it differs, and a non-TCP protocol', () => {
    expect(describeServicePort({ port: 80, targetPort: 8080 })).toBe('80 (target 8080)');
    expect(describeServicePort({ port: 53, name: 'dns', protocol: 'UDP', targetPort: 53 })).toBe('53/UDP (dns)');
    expect(describeServicePort({ port: 80, name: 'web', targetPort: 'http' })).toBe('80 (web → target http)');
    expect(describeServicePort({ port: 80, name: 'http', targetPort: 'http' })).toBe('80 (http)');
  });
});
