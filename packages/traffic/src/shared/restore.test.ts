import { describe, expect, it } from 'vitest';
import type { KubeClient, ObjectRef } from '@ktctl/kube';
import { applyRestore, ktConfigOf, type RestoreAction } from './restore.js';

const service: ObjectRef = { apiVersion: 'v1', resource: 'services', namespace: 'dev', name: 'web' };
const pod: ObjectRef = { apiVersion: 'v1', resource: 'pods', namespace: 'dev', name: 'web-kt-exchange-abcde' };

/** A client that records writes; the Service reads back as redirected, and deleting `gone` fails. */
function fakeClient() {
  const calls: unknown[] = [];
  const client = {
    get: async () => ({
      metadata: { name: 'web', annotations: { 'kt-selector': '{"app":"web"}' } },
      spec: { selector: { 'kt-target': 't1' } },
    }),
    mergePatch: async (ref: ObjectRef, patch: unknown) => void calls.push(['patch', ref.name, patch]),
    delete: async (ref: ObjectRef, options: unknown) => {
      if (ref.name === 'gone') throw new Error('forbidden');
      calls.push(['delete', ref.name, options]);
      return true;
    },
  };
  return { calls, client: client as unknown as KubeClient };
}

describe('applyRestore', () => {
  it('restores the exact selector, drops what a redirect added, keeps kt-user while a redirect needs it, and tries every action', async () => {
    const { calls, client } = fakeClient();
    const actions: RestoreAction[] = [
      { kind: 'restore-selector', service, selector: { app: 'web' }, why: 'kt-selector' },
      { kind: 'unlock', service, why: 'stale' },
      { kind: 'delete', ref: { ...pod, name: 'gone' } },
      { kind: 'delete', ref: pod, immediate: true },
    ];
    const failed: string[] = [];
    expect(await applyRestore(client, actions, { failed: (a, e) => failed.push(`${a.kind}: ${e.message}`) })).toBe(1);
    expect(failed).toEqual(['delete: forbidden']);
    expect(calls).toEqual([
      [
        'patch',
        'web',
        {
          metadata: { annotations: { 'kt-selector': null, 'kt-lock': null, 'kt-user': null, 'kt-last-heart-beat': null } },
          spec: { selector: { app: 'web', 'kt-target': null } },
        },
      ],
      ['patch', 'web', { metadata: { annotations: { 'kt-lock': null } } }],
      ['delete', pod.name, { gracePeriodSeconds: 0 }],
    ]);
  });
});

describe('ktConfigOf', () => {
  it('reads k=v pairs and skips a hand-edited part', () => {
    expect(ktConfigOf({ annotations: { 'kt-config': 'app=web, replicas=3,junk' } })).toEqual({ app: 'web', replicas: '3' });
    expect(ktConfigOf({ annotations: {} })).toEqual({});
  });
});
