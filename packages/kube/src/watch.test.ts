import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from './client.js';
import { watchObjects } from './watch.js';

type Obj = { metadata: { name: string; resourceVersion?: string } };

/** A client whose lists and watch streams are scripted; records the watch paths asked for. */
function scripted(lists: Obj[][], streams: string[][]) {
  const paths: string[] = [];
  let listed = 0;
  const client = {
    list: async () => ({ items: lists[listed] ?? [], metadata: { resourceVersion: `list${listed++}` } }),
    transport: {
      openStream: async (path: string) => {
        paths.push(path);
        return Readable.from((streams.shift() ?? []).map((l) => Buffer.from(`${l}\n`)));
      },
    },
  } as unknown as KubeClient;
  return { client, paths };
}

const ev = (type: string, name: string, rv: string) => JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } });

describe('watchObjects', () => {
  it('resumes from the last version after a drop and relists on 410 Gone', async () => {
    const { client, paths } = scripted(
      [[{ metadata: { name: 'a' } }], [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }]],
      [
        [ev('MODIFIED', 'a', '7')],
        [JSON.stringify({ type: 'ERROR', object: { code: 410, message: 'too old' } })],
        [ev('BOOKMARK', '', '12'), ev('DELETED', 'b', '13')],
      ],
    );
    const seen: string[] = [];
    const stop = new AbortController();
    const interrupts: string[] = [];
    await watchObjects<Obj>(
      client,
      { apiVersion: 'v1', resource: 'configmaps', namespace: 'ns' },
      {
        onEvent: (e) => {
          seen.push(`${e.type} ${e.object.metadata.name}`);
          if (e.type === 'DELETED') stop.abort();
        },
        onInterrupt: (err) => interrupts.push((err as Error).message),
        signal: stop.signal,
      },
    );
    expect(seen).toEqual(['ADDED a', 'MODIFIED a', 'ADDED a', 'ADDED b', 'DELETED b']);
    expect(paths.map((p) => /resourceVersion=([^&]+)/.exec(p)?.[1])).toEqual(['list0', '7', 'list1']);
    expect(interrupts).toEqual(['watch failed: too old']);
  });
});
