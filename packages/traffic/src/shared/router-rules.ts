// The mesh router's rule set as ktctl edits it: pure functions shared by mesh (join, leave) and clean
// (a crashed participant's route), so both agree on what a route, a conflict and the ref count are.
import { ROUTER_RULES_ANNOTATION, RouterRuleSetSchema, type RouterRoute, type RouterRuleSet } from '@ktctl/agent-contract';
import { Keys } from '@ktctl/kube';

export type { RouterRoute, RouterRuleSet };

/** The rule set kept on a router pod (its `kt-router-rules` annotation), or undefined when missing or unreadable. */
export function storedRules(annotations: Readonly<Record<string, string>> | undefined): RouterRuleSet | undefined {
  const text = annotations?.[ROUTER_RULES_ANNOTATION];
  if (!text) return undefined;
  try {
    const parsed = RouterRuleSetSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // edited by hand: treated as no rules
  }
}

/** The route already using this header (case-insensitive, as the router matches) and value, if any. */
export function conflictingRoute(rules: RouterRuleSet, header: string, value: string): RouterRoute | undefined {
  return rules.routes.find((r) => r.header.toLowerCase() === header.toLowerCase() && r.value === value);
}

/** The rule set with `route` added (or replacing the route to the same backend), one generation on. */
export function withRoute(rules: RouterRuleSet, route: RouterRoute): RouterRuleSet {
  const others = rules.routes.filter((r) => r.backend !== route.backend);
  return { ...rules, generation: rules.generation + 1, routes: [...others, route] };
}

/** The rule set without the routes to these backends, one generation on (unchanged when none matched). */
export function withoutBackends(rules: RouterRuleSet, backends: readonly string[]): RouterRuleSet {
  const routes = rules.routes.filter((r) => !backends.includes(r.backend));
  return routes.length === rules.routes.length ? rules : { ...rules, generation: rules.generation + 1, routes };
}

/**
 * The annotations that store a rule set on the router pod: the rules themselves and `kt-ref-count`,
 * which is the number of developers routed (one route each), so the two can never disagree.
 */
export function rulesAnnotations(rules: RouterRuleSet): Record<string, string> {
  return { [ROUTER_RULES_ANNOTATION]: JSON.stringify(rules), [Keys.refCount]: String(rules.routes.length) };
}
