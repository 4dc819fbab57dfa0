import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { KubeconfigExtras } from '../kubeconfig.js';
import { ExecCredentialProvider, type ExecClusterInfo, type ExecConfig } from './exec-credential.js';
import { invokingUser } from './invoking-user.js';

/** TLS and auth for one connection: what https.request and the `ws` client both accept. */
export interface Authentication {
  ca?: Buffer | undefined;
  cert?: Buffer | string | undefined;
  key?: Buffer | string | undefined;
  rejectUnauthorized?: boolean | undefined;
  servername?: string | undefined;
  headers: Record<string, string | string[]>;
  auth?: string | undefined;
}

/** kubectl re-reads a token file at most once a minute (client-go's cachingTokenSource). */
const TOKEN_FILE_PERIOD_MS = 60_000;

/**
 * The current context's credentials as client-go applies them: CA / client certificate (file or data),
 * insecure-skip-tls-verify, tls-server-name, a static token, a token file re-read as it rotates, basic
 * auth, impersonation, an exec plugin (our own runner: terminal, KUBERNETES_EXEC_INFO, expiry cache, the
 * invoking user under sudo), and client-node's legacy auth-providers for the rest.
 */
export class Credentials {
  private readonly exec: ExecCredentialProvider | undefined;
  private tokenRead: { token: string; at: number } | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly extras: KubeconfigExtras = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    const user = kubeConfig.getCurrentUser();
    if (user?.exec) {
      this.exec = new ExecCredentialProvider(user.exec as ExecConfig, {
        user: user.name,
        cluster: this.clusterInfo(),
        runAs: invokingUser(env),
        // The plugin inherits our environment, as kubectl's do; a caller's own env (tests) is laid over it.
        env: env === process.env ? env : { ...process.env, ...env },
      });
    }
  }

  /** The exec plugin runner, when the user has one. */
  get execProvider(): ExecCredentialProvider | undefined {
    return this.exec;
  }

  async apply(): Promise<Authentication> {
    const cluster = this.kubeConfig.getCurrentCluster();
    const user = this.kubeConfig.getCurrentUser();
    const out: Authentication = { headers: {} };
    if (cluster?.skipTLSVerify) out.rejectUnauthorized = false;
    if (cluster?.tlsServerName) out.servername = cluster.tlsServerName;
    out.ca = fileOrData(cluster?.caFile, cluster?.caData, 'certificate-authority');
    if (!user) return out;
    out.cert = fileOrData(user.certFile, user.certData, 'client-certificate');
    out.key = fileOrData(user.keyFile, user.keyData, 'client-key');
    if (user.username) out.auth = `${user.username}:${user.password ?? ''}`;
    if (user.impersonateUser) out.headers['Impersonate-User'] = user.impersonateUser;
    if (this.extras.impersonateGroups?.length) out.headers['Impersonate-Group'] = this.extras.impersonateGroups;
    if (this.extras.impersonateUid) out.headers['Impersonate-Uid'] = this.extras.impersonateUid;
    for (const [k, v] of Object.entries(this.extras.impersonateExtra ?? {})) out.headers[`Impersonate-Extra-${encodeURIComponent(k)}`] = v;
    if (this.exec) {
      const cred = await this.exec.get();
      if (cred.clientCertificateData) {
        out.cert = cred.clientCertificateData;
        out.key = cred.clientKeyData;
      }
      if (cred.token) out.headers.Authorization = `Bearer ${cred.token}`;
    } else if (user.authProvider) {
      // gcp/azure/oidc auth-provider stanzas: client-node still knows them.
      const legacy: { headers: Record<string, string> } = { headers: {} };
      await this.kubeConfig.applyToHTTPSOptions(legacy);
      if (legacy.headers.Authorization) out.headers.Authorization = legacy.headers.Authorization;
    }
    const token = this.extras.tokenFile ? this.fileToken(this.extras.tokenFile) : user.token;
    if (token && !out.headers.Authorization) out.headers.Authorization = `Bearer ${token}`;
    return out;
  }

  /** After a 401: forget what may have gone stale (exec credential, token file); true if a retry can help. */
  invalidate(): boolean {
    let changed = false;
    if (this.exec) {
      this.exec.invalidate();
      changed = true;
    }
    if (this.extras.tokenFile && this.tokenRead) {
      const before = this.tokenRead.token;
      this.tokenRead = undefined;
      try {
        changed ||= this.fileToken(this.extras.tokenFile) !== before;
      } catch {
        // Unreadable now: the next request says so.
      }
    }
    return changed;
  }

  private fileToken(file: string): string {
    const now = Date.now();
    if (this.tokenRead && now - this.tokenRead.at < TOKEN_FILE_PERIOD_MS) return this.tokenRead.token;
    let token: string;
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new UserError(
        ErrorCode.InvalidConfig,
        this.extras.inCluster
          ? `Cannot read the pod's service-account token ${file} (${code})`
          : `Cannot read the token file ${file} (${code})`,
        {
          hint: this.extras.inCluster
            ? 'Mount a service-account token (automountServiceAccountToken) or pass --kubeconfig'
            : 'Fix token-file in the kubeconfig user',
          cause: err,
        },
      );
    }
    if (!token) {
      throw new UserError(ErrorCode.InvalidConfig, `The token file ${file} is empty`, {
        hint: this.extras.inCluster ? 'Mount a service-account token or pass --kubeconfig' : 'Fix token-file in the kubeconfig user',
      });
    }
    this.tokenRead = { token, at: now };
    return token;
  }

  private clusterInfo(): ExecClusterInfo | undefined {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) return undefined;
    const info: ExecClusterInfo = { server: cluster.server };
    if (cluster.tlsServerName) info['tls-server-name'] = cluster.tlsServerName;
    if (cluster.skipTLSVerify) info['insecure-skip-tls-verify'] = true;
    try {
      const ca = fileOrData(cluster.caFile, cluster.caData, 'certificate-authority');
      if (ca) info['certificate-authority-data'] = ca.toString('base64');
    } catch {
      // The request itself reports an unreadable CA file.
    }
    if (cluster.proxyUrl) info['proxy-url'] = cluster.proxyUrl;
    if (this.extras.disableCompression) info['disable-compression'] = true;
    if (this.extras.execClusterConfig !== undefined) info.config = this.extras.execClusterConfig;
    return info;
  }
}

function fileOrData(file: string | undefined | null, data: string | undefined | null, field: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UserError(
      ErrorCode.InvalidConfig,
      `Cannot read ${field} ${file} of the kubeconfig (${(err as NodeJS.ErrnoException).code ?? err})`,
      {
        hint: `Fix ${field} in the kubeconfig`,
        cause: err,
      },
    );
  }
}
