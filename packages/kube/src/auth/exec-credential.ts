import { spawn } from 'node:child_process';
import { isatty } from 'node:tty';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { InvokingUser } from './invoking-user.js';

/** A kubeconfig user's `exec` stanza (client.authentication.k8s.io). */
export interface ExecConfig {
  apiVersion?: string;
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

/** What `spec.cluster` of KUBERNETES_EXEC_INFO carries when the stanza sets provideClusterInfo. */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  config?: unknown;
}

/** The credential a plugin printed: a bearer token and/or a client certificate, maybe with an expiry. */
export interface ExecCredential {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expiresAt?: Date;
}

export interface ExecProviderOptions {
  /** The kubeconfig user's name, for messages. */
  user: string;
  cluster?: ExecClusterInfo;
  /** Run the plugin as this user (under sudo) with their HOME, USER and LOGNAME. */
  runAs?: InvokingUser | undefined;
  env?: NodeJS.ProcessEnv;
  /** Whether our stdin is a terminal (default: isatty(0)). */
  stdinIsTerminal?: boolean;
}

const API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

/**
 * Runs a kubeconfig exec credential plugin the way client-go does: the plugin inherits our stderr always
 * and our stdin when interactive (a terminal, unless interactiveMode is Never), so device-code and MFA
 * prompts reach the user; KUBERNETES_EXEC_INFO tells it the API version, whether it is interactive and,
 * with provideClusterInfo, the cluster. The credential is cached until its expirationTimestamp; one
 * plugin run serves every request waiting for it.
 */
export class ExecCredentialProvider {
  private cached: ExecCredential | undefined;
  private pending: Promise<ExecCredential> | undefined;
  /** How many times the plugin ran (for tests and diagnostics). */
  runs = 0;

  constructor(
    readonly exec: ExecConfig,
    private readonly options: ExecProviderOptions,
  ) {}

  /** kubectl's checks of the stanza, made when a credential is first needed (loading never fails on them). */
  private check(): void {
    const exec = this.exec;
    const options = this.options;
    const where = `user "${options.user}" of the kubeconfig`;
    if (!exec.command)
      throw new UserError(ErrorCode.InvalidConfig, `The exec stanza of ${where} has no command`, { hint: 'Set users[].user.exec.command' });
    if (!exec.apiVersion || !API_VERSIONS.includes(exec.apiVersion)) {
      throw new UserError(ErrorCode.InvalidConfig, `The exec stanza of ${where} has an unsupported apiVersion "${exec.apiVersion ?? ''}"`, {
        hint: `Use one of ${API_VERSIONS.join(', ')}`,
      });
    }
    const mode = this.mode();
    if (!['Never', 'IfAvailable', 'Always'].includes(mode)) {
      throw new UserError(
        ErrorCode.InvalidConfig,
        exec.interactiveMode
          ? `The exec stanza of ${where} has an invalid interactiveMode "${exec.interactiveMode}"`
          : `The exec stanza of ${where} sets no interactiveMode`,
        { hint: 'client.authentication.k8s.io/v1 needs interactiveMode: Never, IfAvailable or Always' },
      );
    }
  }

  private mode(): string {
    // v1 makes interactiveMode mandatory; v1beta1 defaults it to IfAvailable (client-go's defaulting).
    return this.exec.interactiveMode ?? (this.exec.apiVersion === 'client.authentication.k8s.io/v1beta1' ? 'IfAvailable' : '');
  }

  /** The cached credential while it is valid, else a fresh one from the plugin. */
  async get(): Promise<ExecCredential> {
    this.check();
    if (this.cached && (!this.cached.expiresAt || this.cached.expiresAt.getTime() > Date.now())) return this.cached;
    this.pending ??= this.run().finally(() => (this.pending = undefined));
    this.cached = await this.pending;
    return this.cached;
  }

  /** Forgets the credential (the server answered 401), so the next request runs the plugin again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private interactive(): boolean {
    const terminal = this.options.stdinIsTerminal ?? isatty(0);
    const mode = this.mode();
    if (mode === 'Never') return false;
    if (mode === 'Always' && !terminal) {
      throw new UserError(
        ErrorCode.InvalidConfig,
        `The credential plugin ${this.exec.command} needs a terminal (interactiveMode: Always) and stdin is not one`,
        {
          hint: 'Run ktctl from a terminal, or log in with the plugin first',
        },
      );
    }
    return terminal;
  }

  private run(): Promise<ExecCredential> {
    const exec = this.exec;
    const command = exec.command!;
    const interactive = this.interactive();
    const spec: Record<string, unknown> = { interactive };
    if (exec.provideClusterInfo && this.options.cluster) spec.cluster = this.options.cluster;
    const info = { apiVersion: exec.apiVersion, kind: 'ExecCredential', spec };
    const runAs = this.options.runAs;
    const env: NodeJS.ProcessEnv = { ...(this.options.env ?? process.env) };
    if (runAs) Object.assign(env, { HOME: runAs.home, USER: runAs.name, LOGNAME: runAs.name });
    for (const e of exec.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify(info);
    this.runs++;
    return new Promise((resolve, reject) => {
      const child = spawn(command, exec.args ?? [], {
        env,
        stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit'],
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: runAs.home } : {}),
      });
      const out: Buffer[] = [];
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          reject(
            new UserError(
              ErrorCode.InvalidConfig,
              `The credential plugin ${command} of user "${this.options.user}" is not installed (not found)`,
              {
                hint: exec.installHint?.trim().split('\n').join(' ') || 'Install it or fix users[].user.exec.command in the kubeconfig',
                cause: err,
              },
            ),
          );
        } else {
          reject(
            new UserError(ErrorCode.ClusterUnreachable, `Cannot run the credential plugin ${command}: ${err.code ?? err.message}`, {
              cause: err,
            }),
          );
        }
      });
      child.once('close', (code, signal) => {
        if (code !== 0) {
          reject(
            new UserError(
              ErrorCode.ClusterUnreachable,
              `The credential plugin ${command} of user "${this.options.user}" failed (${signal ? `signal ${signal}` : `exit status ${code}`}); its messages are above`,
              { hint: 'Run the plugin yourself to log in, or check the exec stanza of your kubeconfig' },
            ),
          );
          return;
        }
        try {
          resolve(this.parse(Buffer.concat(out).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  private parse(text: string): ExecCredential {
    const command = this.exec.command!;
    const bad = (why: string) =>
      new UserError(ErrorCode.ClusterUnreachable, `The credential plugin ${command} printed ${why}`, {
        hint: 'It must print an ExecCredential (client.authentication.k8s.io) as JSON on stdout',
      });
    let obj: { apiVersion?: string; kind?: string; status?: Record<string, unknown> };
    try {
      obj = JSON.parse(text) as typeof obj;
    } catch {
      throw bad('no JSON');
    }
    if (obj.kind !== 'ExecCredential') throw bad(`kind "${obj.kind ?? ''}" instead of ExecCredential`);
    if (obj.apiVersion !== this.exec.apiVersion)
      throw bad(`apiVersion "${obj.apiVersion ?? ''}" where the kubeconfig asks for ${this.exec.apiVersion}`);
    const status = obj.status ?? {};
    const str = (k: string) => (typeof status[k] === 'string' && status[k] ? (status[k] as string) : undefined);
    const cred: ExecCredential = {
      token: str('token'),
      clientCertificateData: str('clientCertificateData'),
      clientKeyData: str('clientKeyData'),
    };
    if (!cred.token && !cred.clientCertificateData) throw bad('neither a token nor a client certificate');
    if (!!cred.clientCertificateData !== !!cred.clientKeyData)
      throw bad('a client certificate without its key (or a key without certificate)');
    const expiry = str('expirationTimestamp');
    if (expiry) {
      const at = new Date(expiry);
      if (Number.isNaN(at.getTime())) throw bad(`an invalid expirationTimestamp "${expiry}"`);
      cred.expiresAt = at;
    }
    return cred;
  }
}
