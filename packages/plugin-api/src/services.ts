import type { FlagSpec } from './command.js';

/** A plain configuration tree: `{ global: { namespace: 'dev' }, connect: { mode: 'sshuttle' } }`. */
export type ConfigTree = Record<string, Record<string, unknown>>;

/** The ~/.kt/config file and its profiles. */
export interface ConfigService {
  /** Path of the config file. */
  readonly path: string;
  /** The sections and their flags that may be configured. */
  readonly sections: ReadonlyMap<string, readonly FlagSpec[]>;
  read(): Promise<ConfigTree>;
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<void>;
  unset(key: string): Promise<void>;
  unsetAll(): Promise<void>;
  listProfiles(): Promise<string[]>;
  saveProfile(name: string): Promise<void>;
  /** Loads a profile over the current config; with dryRun, returns what would be written. */
  loadProfile(name: string, options?: { dryRun?: boolean }): Promise<ConfigTree>;
  dropProfile(name: string): Promise<void>;
}

/** Core services a handler can use. Grows as core packages arrive; plugins only see these interfaces. */
export interface CoreServices {
  readonly config: ConfigService;
}
