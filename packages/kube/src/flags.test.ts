import { describe, expect, it } from 'vitest';
import { clientOptionsFromFlags, forwarderOptionsFromFlags, shadowOptionsFromFlags } from './flags.js';

describe('options from the global flags', () => {
  it('map every flag the shadow honours', () => {
    const o = shadowOptionsFromFlags(
      {
        imageRegistry: 'reg.corp:5000',
        imagePullSecret: 's',
        serviceAccount: 'sa',
        nodeSelector: 'a=b',
        withLabel: 'l=1',
        withAnnotation: 'n=2',
        podCreationTimeout: 30,
        useShadowDeployment: true,
        forceUpdate: true,
        podQuota: '1,1Gi',
      },
      { kind: 'connect' },
      '1.2.3',
    );
    expect(o).toMatchObject({
      image: 'reg.corp:5000/ktctl/shadow:1.2.3',
      imagePullSecret: 's',
      serviceAccount: 'sa',
      nodeSelector: 'a=b',
      withLabel: 'l=1',
      withAnnotation: 'n=2',
      podCreationTimeout: 30,
      useShadowDeployment: true,
      forceUpdate: true,
      podQuota: '1,1Gi',
    });
    expect(shadowOptionsFromFlags({ image: 'my/img:x' }, { kind: 'connect' }, '1.2.3')).toMatchObject({
      image: 'my/img:x',
      podCreationTimeout: 60,
      useShadowDeployment: false,
    });
  });

  it('map the kubeconfig flags and the port-forward timeout', () => {
    expect(clientOptionsFromFlags({ namespace: 'dev', kubeconfig: '/k', context: '' })).toEqual({
      namespace: 'dev',
      kubeconfig: '/k',
      context: undefined,
    });
    expect(forwarderOptionsFromFlags({ portForwardTimeout: 3 })).toEqual({ openTimeoutMs: 3000 });
  });
});
