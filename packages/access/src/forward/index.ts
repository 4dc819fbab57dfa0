export { ServicePodFollower, type FollowEvent } from './follow.js';
export {
  describeServicePort,
  forwardablePorts,
  parsePort,
  parsePortPair,
  pickServicePort,
  severalPortsError,
  type PortPair,
} from './ports.js';
export { forwardService, type ServiceForward, type ServiceForwardOptions } from './service-forward.js';
