/**
 * The error hierarchy every ktctl layer throws. A UserError is something the user can fix: it is shown as
 * one line with a hint and a stable code. A BugError (or anything unknown) is ktctl's fault: it is shown
 * with a stack under --debug and asks for a report.
 *
 * Errors are recognised by a brand (Symbol.for), not by instanceof, so that an outside plugin carrying its
 * own copy of this package is still understood by the host.
 */

const BRAND = Symbol.for('ktctl.error.kind');

/** Stable error codes; tests and scripts rely on them, so codes are never renamed. */
export const ErrorCode = {
  Usage: 'KT_USAGE',
  UnknownCommand: 'KT_UNKNOWN_COMMAND',
  UnknownFlag: 'KT_UNKNOWN_FLAG',
  MissingArgument: 'KT_MISSING_ARGUMENT',
  InvalidFlag: 'KT_INVALID_FLAG',
  InvalidConfig: 'KT_INVALID_CONFIG',
  ConfigKeyUnknown: 'KT_CONFIG_KEY_UNKNOWN',
  ProfileNotFound: 'KT_PROFILE_NOT_FOUND',
  ProfileNameInvalid: 'KT_PROFILE_NAME_INVALID',
  PluginInvalid: 'KT_PLUGIN_INVALID',
  UnsupportedPlatform: 'KT_UNSUPPORTED_PLATFORM',
  NotRoot: 'KT_NOT_ROOT',
  PortInUse: 'KT_PORT_IN_USE',
  PortNotListening: 'KT_PORT_NOT_LISTENING',
  ClusterUnreachable: 'KT_CLUSTER_UNREACHABLE',
  Forbidden: 'KT_FORBIDDEN',
  NotFound: 'KT_NOT_FOUND',
  TargetPortNotFound: 'KT_TARGET_PORT_NOT_FOUND',
  ImagePullFailed: 'KT_IMAGE_PULL_FAILED',
  PodNotReady: 'KT_POD_NOT_READY',
  AlreadyRedirected: 'KT_ALREADY_REDIRECTED',
  AlreadyRunning: 'KT_ALREADY_RUNNING',
  Cancelled: 'KT_CANCELLED',
  PermissionDenied: 'KT_PERMISSION_DENIED',
  AlreadyExists: 'KT_ALREADY_EXISTS',
  ModeUnsupported: 'KT_MODE_UNSUPPORTED',
  IPv6Unsupported: 'KT_IPV6_UNSUPPORTED',
  RouteExists: 'KT_ROUTE_EXISTS',
  RestoreFailed: 'KT_RESTORE_FAILED',
  NoFirewallTool: 'KT_NO_FIREWALL_TOOL',
  PfNoAnchor: 'KT_PF_NO_ANCHOR',
  PfSkipsLoopback: 'KT_PF_SKIPS_LOOPBACK',
  WintunMissing: 'KT_WINTUN_MISSING',
  Bug: 'KT_BUG',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | `KT_${string}`;

export interface UserErrorOptions {
  /** What the user should try next; shown after the message. */
  hint?: string;
  /** The process exit code; 1 for runtime failures, 2 for usage errors. */
  exitCode?: number;
  cause?: unknown;
}

/** A failure the user can cause or fix: one line, a hint, a stable code, no stack. */
export class UserError extends Error {
  readonly [BRAND] = 'user';
  readonly code: ErrorCodeValue;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: ErrorCodeValue, message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A usage error (wrong flag, missing argument): exit code 2. */
export class UsageError extends UserError {
  constructor(message: string, options: Omit<UserErrorOptions, 'exitCode'> & { code?: ErrorCodeValue } = {}) {
    super(options.code ?? ErrorCode.Usage, message, { ...options, exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** Something that should never happen: shown with a stack under --debug and a request to report it. */
export class BugError extends Error {
  readonly [BRAND] = 'bug';
  readonly code = ErrorCode.Bug;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BugError';
  }
}

/** The structural view of a UserError, valid across package copies. */
export interface UserErrorLike extends Error {
  code: ErrorCodeValue;
  hint?: string | undefined;
  exitCode: number;
}

/** True for a UserError from any copy of this package. */
export function isUserError(error: unknown): error is UserErrorLike {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === 'user';
}

/** True for a BugError from any copy of this package. */
export function isBugError(error: unknown): error is BugError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === 'bug';
}
