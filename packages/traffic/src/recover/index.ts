/** `ktctl recover`'s service: a Service put back the way it was, whatever a killed exchange or mesh left. */
export { recover, type RecoverResult } from './recover.js';
export { describeRecoverAction, planRecover, type RecoverAction, type RecoverPlan } from './recover-plan.js';
export type { SeenObject } from '../shared/restore.js';
