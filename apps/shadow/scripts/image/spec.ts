/**
 * The shadow image as an image spec for the project's OCI image builder (tools/oci-image, `--spec`). The
 * types mirror that tool's ImageSpec; they are not imported because an agent must not depend on a tool
 * package (nx layer rules), and the builder is run as a program anyway.
 */
import { ROUTER_ENTRY_PATH } from '@ktctl/agent-contract';
import { ARCHES, type Arch } from './node-base.js';
import type { Library } from './libraries.js';

export type LayerItem =
  | { path: string; from: string; mode?: number }
  | { path: string; content: string; mode?: number }
  | { path: string; symlink: string }
  | { path: string; dir: true; mode?: number };

export interface ImageSpec {
  ref: string;
  config: {
    entrypoint?: string[];
    cmd?: string[];
    env?: string[];
    user?: string;
    workdir?: string;
    exposedPorts?: string[];
    labels?: Record<string, string>;
  };
  platforms: Array<{ architecture: Arch; layers: LayerItem[][] }>;
}

/** What goes into one platform of the image. */
export interface PlatformInput {
  arch: Arch;
  node: string;
  libraries: Library[];
  interpreter: string;
}

/** In-image paths. */
export const NODE_PATH = '/usr/local/bin/node';
export const AGENT_PATH = '/opt/ktctl/shadow.cjs';
/** The mesh router ships in the same image; its pod runs `node ROUTER_PATH` instead of the entry point. */
export const ROUTER_PATH = ROUTER_ENTRY_PATH;

/** The few files glibc and Node look for in /etc; resolv.conf and hosts are mounted by the kubelet. */
const ETC: LayerItem[] = [
  { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' },
  { path: '/etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
  { path: '/etc/nsswitch.conf', content: 'hosts: files dns\n' },
  { path: '/tmp', dir: true, mode: 0o1777 },
  { path: '/root', dir: true, mode: 0o700 },
];

/** Two layers per platform: the runtime (Node and its libraries; changes rarely, so pulls reuse it) and the programs. */
export function shadowImageSpec(ref: string, version: string, bundle: string, routerBundle: string, platforms: PlatformInput[]): ImageSpec {
  return {
    ref,
    config: {
      entrypoint: [NODE_PATH, AGENT_PATH],
      env: ['PATH=/usr/local/bin', 'NODE_ENV=production'],
      // Root inside the container, but the pod drops every capability except NET_BIND_SERVICE (see README).
      user: '0:0',
      workdir: '/',
      exposedPorts: ['22/tcp', '53/udp', '53/tcp'],
      labels: {
        'org.opencontainers.image.title': 'ktctl shadow agent',
        'org.opencontainers.image.version': version,
        'org.opencontainers.image.licenses': 'Apache-2.0',
      },
    },
    platforms: platforms.map((p) => ({ architecture: p.arch, layers: [runtimeLayer(p), programsLayer(bundle, routerBundle)] })),
  };
}

function programsLayer(agent: string, router: string): LayerItem[] {
  return [
    { path: AGENT_PATH, from: agent, mode: 0o644 },
    { path: ROUTER_PATH, from: router, mode: 0o644 },
  ];
}

function runtimeLayer(p: PlatformInput): LayerItem[] {
  const triplet = ARCHES[p.arch].triplet;
  const loader = p.interpreter.split('/').pop()!;
  const items: LayerItem[] = [...ETC, { path: NODE_PATH, from: p.node, mode: 0o755 }];
  items.push(...p.libraries.map((l): LayerItem => ({ path: l.path, from: l.from, mode: 0o755 })));
  // The loader path is baked into the node binary (/lib64/... on amd64, /lib/... on arm64).
  if (p.interpreter !== `/lib/${triplet}/${loader}`) items.push({ path: p.interpreter, symlink: `/lib/${triplet}/${loader}` });
  return items;
}
