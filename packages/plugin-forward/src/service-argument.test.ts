import { describe, expect, it } from 'vitest';
import { serviceOfTarget } from './service-argument.js';

describe('serviceOfTarget', () => {
  it('takes a name, svc/<name> and service/<name>', () => {
    expect(serviceOfTarget('web')).toBe('web');
    expect(serviceOfTarget('svc/web')).toBe('web');
    expect(serviceOfTarget('service/web-2')).toBe('web-2');
  });

  it('refuses pods, Deployments and addresses with a usage error saying what to do', () => {
    expect(() => serviceOfTarget('pod/web-1')).toThrow(
      expect.objectContaining({ exitCode: 2, hint: expect.stringContaining('kubectl port-forward pod/web-1') }),
    );
    expect(() => serviceOfTarget('deployment/web')).toThrow(/forward takes a Service/);
    expect(() => serviceOfTarget('web.example.com')).toThrow(/forwarding to an address is not supported/);
    expect(() => serviceOfTarget('Web_1')).toThrow(/not a valid Service name/);
  });
});
