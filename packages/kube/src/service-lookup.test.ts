import { describe, expect, it } from 'vitest';
import { resolveTargetPort, selectorQuery, type PodWithPorts } from './service-lookup.js';

const pod: PodWithPorts = {
  metadata: { name: 'web-1' },
  spec: {
    containers: [
      {
        image: 'x',
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'dns', containerPort: 5353, protocol: 'UDP' },
        ],
      },
    ],
  },
};

describe('resolveTargetPort', () => {
  it('takes numeric target ports as they are, and the port itself when none is set', () => {
    expect(resolveTargetPort({ port: 80, targetPort: 8080 })).toBe(8080);
    expect(resolveTargetPort({ port: 80, targetPort: '9090' })).toBe(9090);
    expect(resolveTargetPort({ port: 80 })).toBe(80);
  });

  it('looks named target ports up in the pod, by protocol', () => {
    expect(resolveTargetPort({ port: 80, targetPort: 'http' }, pod)).toBe(8080);
    expect(resolveTargetPort({ port: 53, targetPort: 'dns', protocol: 'UDP' }, pod)).toBe(5353);
    expect(() => resolveTargetPort({ port: 53, targetPort: 'dns' }, pod)).toThrow(
      expect.objectContaining({ code: 'KT_TARGET_PORT_NOT_FOUND', hint: expect.stringContaining('target ports') }),
    );
  });
});

describe('selectorQuery', () => {
  it('encodes a label selector', () => {
    expect(selectorQuery({ app: 'web', tier: 'fe' })).toBe('labelSelector=app%3Dweb%2Ctier%3Dfe');
  });
});
