// Connections routed through the laptop (a container behind a bridge) reach the cluster too when the
// redirect also hooks PREROUTING: here a second namespace stands for the container. The laptop starts
// without a nat table, so the ruleset after must not even keep an empty one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUserRules, CLUSTER, hostKtTraces, Netns, Sandbox, snapshot, Subject, tcpProbe } from './sandbox.js';

for (const backend of ['iptables', 'nft'] as const) {
  describe(`forwarded connections with ${backend}`, () => {
    const laptop = new Netns();
    const container = new Netns();
    const sandbox = new Sandbox();
    let subject: Subject | undefined;
    let before: Record<string, string>;

    beforeAll(async () => {
      await laptop.create();
      await laptop.attachClient(container);
      await addUserRules(laptop, { nat: false });
      before = await snapshot(laptop, sandbox);
    });

    afterAll(async () => {
      subject?.kill();
      await container.destroy();
      await laptop.destroy();
      sandbox.remove();
    });

    it('are not redirected without includeForwarded', async () => {
      subject = new Subject(laptop, sandbox, { action: 'connect', backend, ...CLUSTER, listenHost: '0.0.0.0' });
      await subject.next('ready');
      expect(await container.node(tcpProbe('10.99.0.7', 8080))).not.toContain('10.99.0.7');
      expect(await subject.stop()).toBe(0);
    });

    it('reach the listener with their original destination with includeForwarded', async () => {
      const redirect = { ...CLUSTER.redirect, includeForwarded: true };
      subject = new Subject(laptop, sandbox, { action: 'connect', backend, ...CLUSTER, redirect, listenHost: '0.0.0.0' });
      await subject.next('ready');
      expect(JSON.parse(await container.node(tcpProbe('10.99.0.7', 8080)))).toEqual({ address: '10.99.0.7', port: 8080 });
      expect(JSON.parse(await laptop.node(tcpProbe('10.99.1.1', 80)))).toEqual({ address: '10.99.1.1', port: 80 });
    });

    it('and everything is as before after SIGTERM, with no nat table left', async () => {
      expect(await subject!.stop()).toBe(0);
      expect(await snapshot(laptop, sandbox)).toEqual(before);
      expect(before.iptables).not.toContain('*nat');
    });
  });
}

describe('the host', () => {
  it('never saw any of it', async () => {
    expect(await hostKtTraces()).toEqual([]);
  });
});
