import { ROUTER_RULES_ANNOTATION, RouterRuleSetSchema, type RouterRuleSet } from '@ktctl/agent-contract';
import { z } from 'zod';
import { parseAnnotations } from './annotations.js';

/** Header values as Node gives them: lower-case names, a string or (set-cookie and the like) an array. */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** Why a rule set was refused: 400 for an invalid one, 409 for a stale generation. */
export class RulesRejected extends Error {
  override name = 'RulesRejected';
  constructor(
    message: string,
    readonly status: 400 | 409,
  ) {
    super(message);
  }
}

interface CompiledRoute {
  header: string;
  value: string;
  backend: string;
}

/** The current rule set, swapped atomically; lookups cost one header read per route. */
export class RuleTable {
  private compiled: CompiledRoute[] = [];
  private set: RouterRuleSet;

  constructor(
    initial: RouterRuleSet,
    private readonly onChange: (rules: RouterRuleSet, source: string) => void = () => {},
  ) {
    this.set = initial;
    this.compiled = compile(initial);
  }

  get current(): RouterRuleSet {
    return this.set;
  }

  /** The backend Service for a request with these headers: the first matching route, else the default. */
  pick(headers: HeaderBag): string {
    for (const route of this.compiled) if (headers[route.header] === route.value) return route.backend;
    return this.set.default;
  }

  /** Validates `input` and applies it when its generation is higher; throws RulesRejected otherwise. */
  apply(input: unknown, source: string): RouterRuleSet {
    const parsed = RouterRuleSetSchema.safeParse(input);
    if (!parsed.success) throw new RulesRejected(`invalid rule set: ${oneLine(parsed.error)}`, 400);
    if (parsed.data.generation <= this.set.generation) {
      throw new RulesRejected(`generation ${parsed.data.generation} is not newer than the current ${this.set.generation}`, 409);
    }
    this.set = parsed.data;
    this.compiled = compile(parsed.data);
    this.onChange(parsed.data, source);
    return parsed.data;
  }
}

function compile(rules: RouterRuleSet): CompiledRoute[] {
  return rules.routes.map((r) => ({ header: r.header.toLowerCase(), value: r.value, backend: r.backend }));
}

function oneLine(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** The rule set stored in the annotations file's text: undefined when there is none; throws when it is bad. */
export function rulesFromAnnotations(text: string): unknown {
  const json = parseAnnotations(text).get(ROUTER_RULES_ANNOTATION);
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new RulesRejected(`annotation ${ROUTER_RULES_ANNOTATION} is not JSON: ${(error as Error).message}`, 400);
  }
}
