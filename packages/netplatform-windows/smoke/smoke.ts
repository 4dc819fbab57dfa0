// The real Windows adapter on a real Windows machine, no cluster: creates a Wintun adapter, routes a test
// range through it, sends a test domain to a nameserver on it (interface DNS + an NRPT rule), checks each
// change with PowerShell's own view, then closes the session and checks the machine is back as it was
// (adapters, IPv4 routes, NRPT rules, hosts). CI runs it in an Administrator shell (.github/workflows/ci.yml):
//   KTCTL_WINTUN_DLL=<wintun.dll> npx tsx packages/netplatform-windows/smoke/smoke.ts
// The exact netsh/PowerShell commands the adapter issues are asserted by the unit tests with a recorded runner.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWindowsPlatform, windowsHostsPath } from '../src/index.js';

// 198.18.0.0/15 is reserved for benchmarking: nothing on a runner uses it.
const TUN_ADDRESS = '198.18.77.1/32';
const ROUTED = '198.18.78.0/24';
const DOMAIN = 'ktctl-smoke.test';

const ps = (script: string): string =>
  execFileSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], { encoding: 'utf8' }).trim();

/** What the session may touch, as text. */
function snapshot(): Record<string, string> {
  return {
    adapters: ps('(Get-NetAdapter -IncludeHidden | Sort-Object Name | ForEach-Object { $_.Name }) -join ","'),
    routes: ps(
      '(Get-NetRoute -AddressFamily IPv4 | Sort-Object DestinationPrefix,InterfaceAlias | ForEach-Object { "$($_.DestinationPrefix) $($_.InterfaceAlias)" }) -join ","',
    ),
    nrpt: ps('(Get-DnsClientNrptRule | ForEach-Object { $_.Namespace -join "|" }) -join ","'),
    hosts: readFileSync(windowsHostsPath(process.env), 'utf8'),
  };
}

function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exitCode = 1;
}

const before = snapshot();
const home = mkdtempSync(join(tmpdir(), 'ktctl-smoke-'));
const platform = createWindowsPlatform({ ktHome: home, env: process.env, wintunDll: process.env.KTCTL_WINTUN_DLL });
check(platform.isAdmin(), 'runs as Administrator');
const session = await platform.openSession({ command: 'smoke' });
try {
  const tun = await session.tun!.create({ address: TUN_ADDRESS });
  check(ps(`(Get-NetAdapter -Name '${tun.name}').Status`).length > 0, `Wintun adapter ${tun.name} exists`);
  await session.routes.add({ cidr: ROUTED, device: tun.name });
  check(
    ps(`(Find-NetRoute -RemoteIPAddress 198.18.78.9 | Select-Object -First 1).InterfaceAlias`) === tun.name,
    `${ROUTED} goes through ${tun.name}`,
  );
  await session.dns.apply({ nameservers: ['198.18.77.1'], routeDomains: [DOMAIN], device: tun.name });
  check(ps('(Get-DnsClientNrptRule | ForEach-Object { $_.Namespace -join "|" }) -join ","').includes(DOMAIN), `an NRPT rule for ${DOMAIN}`);
  check(
    ps(`(Get-DnsClientServerAddress -InterfaceAlias '${tun.name}' -AddressFamily IPv4).ServerAddresses -join ","`).includes('198.18.77.1'),
    `${tun.name} uses the test nameserver`,
  );
} finally {
  await session.close();
}
const after = snapshot();
for (const key of Object.keys(before)) check(before[key] === after[key], `${key} back as before`);
if (before.routes !== after.routes) console.log(`before: ${before.routes}\nafter:  ${after.routes}`);
check((await platform.staleChanges()).length === 0, 'no journal left behind');
rmSync(home, { recursive: true, force: true });
