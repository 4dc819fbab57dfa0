/** `ktctl mesh`'s service: requests carrying a developer's header reach their laptop, all others the original pods. */
export { MESH_MODES, mesh, type Mesh, type MeshDeps, type MeshEvent, type MeshMode, type MeshOptions } from './mesh.js';
export { DEFAULT_MARK_KEY, headerExample, meshObjectName, parseVersionMark, type VersionMark } from './version-mark.js';
export type { ExposedPorts, PortMapping, ReverseTunnelStatus } from '../shared/reverse-tunnel.js';
