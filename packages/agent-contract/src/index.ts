/**
 * @ktctl/agent-contract — the one place where the shadow agent, the mesh router and the laptop side agree
 * on ports, paths, environment variables and wire formats. Depends on nothing but zod (for the router's rule
 * set schema), so every side can import it.
 */
export * from './shadow.js';
export * from './udp-relay/index.js';
export * from './router.js';
export * from './program.js';
