/**
 * The mesh router's contract (apps/router): how the laptop starts it, where it keeps its rules and how it is
 * told about new ones. The router pod `<svc>-kt-router` runs ROUTER_COMMAND from the shadow image.
 *
 * Rules live twice: as the JSON value of the ROUTER_RULES_ANNOTATION annotation on the router pod (so they
 * survive a restart of the router; the pod sees its annotations through a downward-API volume file), and in
 * the running router, which the laptop updates at once with `PUT /rules` on the control port (through a
 * port-forward). Only a rule set with a higher generation replaces the current one, from either source.
 */
import { z } from 'zod';

/** The router's program inside the shadow image (its entry point stays the shadow agent). */
export const ROUTER_ENTRY_PATH = '/opt/ktctl/router.cjs';

/**
 * The router container's command (the image's node), with flags that bound its memory: a 1 MiB young
 * generation (streamed bodies' garbage is collected sooner), a 64 MiB old-space cap (without it V8 let the heap
 * grow under HTTP/2 load: RssAnon 40 MiB instead of 28 MiB in the loopback runs; a router's live heap is a few
 * MiB) and one V8 worker thread instead of one per core (fewer thread stacks and malloc arenas).
 */
export const ROUTER_COMMAND: readonly string[] = [
  '/usr/local/bin/node',
  '--max-semi-space-size=1',
  '--max-old-space-size=64',
  '--v8-pool-size=1',
  ROUTER_ENTRY_PATH,
];

/** The control HTTP port (`GET /healthz`, `GET /rules`, `PUT /rules`); no target port may equal it. */
export const ROUTER_CONTROL_PORT = 60080;

/** The router pod's annotation holding the current rule set as JSON. */
export const ROUTER_RULES_ANNOTATION = 'kt-router-rules';

/** Where the downward-API volume with `metadata.annotations` is mounted, and the file inside it. */
export const ROUTER_PODINFO_DIR = '/etc/kt-router';
export const ROUTER_ANNOTATIONS_FILE = 'annotations';

/** Environment variables the router reads (see apps/router/README.md). */
export const ROUTER_ENV = {
  /** Comma-separated target ports to listen on, e.g. `8080,9090`. Required. */
  ports: 'KT_ROUTER_PORTS',
  /** The control port; defaults to ROUTER_CONTROL_PORT. */
  controlPort: 'KT_ROUTER_CONTROL_PORT',
  /** Path of the annotations file; defaults to ROUTER_PODINFO_DIR/ROUTER_ANNOTATIONS_FILE. */
  annotationsFile: 'KT_ROUTER_ANNOTATIONS',
  /** The default backend when the annotations file holds no rules yet (normally `<svc>-kt-stuntman`). */
  defaultBackend: 'KT_ROUTER_DEFAULT_BACKEND',
  /** Milliseconds to wait for a client's first bytes before passing the connection through (default 300). */
  sniffTimeoutMs: 'KT_ROUTER_SNIFF_TIMEOUT_MS',
  /** debug, info, warn, error, silent. */
  logLevel: 'KT_LOG_LEVEL',
} as const;

/** A Service name in the router's namespace (RFC 1035 label, as Kubernetes requires of Services). */
const serviceName = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a Service name (RFC 1035 label)');
/** An HTTP header field name (RFC 9110 token); lower case is not required, matching ignores case. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name');

/** One developer's route: requests whose `header` equals `value` exactly go to `backend`. */
export const RouterRouteSchema = z.strictObject({
  header: headerName,
  value: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/, 'expected visible ASCII without surrounding spaces'),
  backend: serviceName,
  /** Who owns the route (the `kt-user` of that developer), for messages and `birdseye`. */
  user: z.string().min(1).max(253),
});

/** A complete rule set; `generation` only grows. The first matching route wins; no match → `default`. */
export const RouterRuleSetSchema = z
  .strictObject({
    generation: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    default: serviceName,
    routes: z.array(RouterRouteSchema).max(256),
  })
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.routes.forEach((route, index) => {
      const key = `${route.header.toLowerCase()}\n${route.value}`;
      const first = seen.get(key);
      if (first === undefined) return void seen.set(key, index);
      const owner = rules.routes[first]!.user;
      ctx.addIssue({
        code: 'custom',
        path: ['routes', index],
        message: `header ${route.header}: ${route.value} is already routed by route ${first} (user ${owner})`,
      });
    });
  });

export type RouterRoute = z.infer<typeof RouterRouteSchema>;
export type RouterRuleSet = z.infer<typeof RouterRuleSetSchema>;

/** Body of every refused control request (400 bad rule set, 409 stale generation, 404, 405, 413). */
export interface RouterControlError {
  error: string;
}

/** `GET /healthz`. */
export interface RouterHealth {
  ok: true;
  generation: number;
  /** The target ports the router listens on. */
  ports: number[];
}

/** The router's container env. */
export function routerEnv(
  targetPorts: readonly number[],
  defaultBackend: string,
  logLevel?: string,
): Array<{ name: string; value: string }> {
  const env: Array<{ name: string; value: string }> = [
    { name: ROUTER_ENV.ports, value: targetPorts.join(',') },
    { name: ROUTER_ENV.controlPort, value: String(ROUTER_CONTROL_PORT) },
    { name: ROUTER_ENV.annotationsFile, value: `${ROUTER_PODINFO_DIR}/${ROUTER_ANNOTATIONS_FILE}` },
    { name: ROUTER_ENV.defaultBackend, value: defaultBackend },
  ];
  if (logLevel) env.push({ name: ROUTER_ENV.logLevel, value: logLevel });
  return env;
}
