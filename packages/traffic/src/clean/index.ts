/** `ktctl clean`'s service: what dead runs left, in the cluster (stale by cluster-time heartbeat) and on this machine. */
export { planClean, describeCleanAction, type CleanAction } from './cluster-plan.js';
export { planClusterClean, applyClusterClean } from './cluster-apply.js';
export { cleanLaptop, type LaptopCleanDeps } from './laptop.js';
export { staleKeyFiles, removeKeyFiles } from './dead-run-keys.js';
export type { SeenObject } from '../shared/restore.js';
export { STALE_AFTER_SECONDS } from '../shared/stale.js';
