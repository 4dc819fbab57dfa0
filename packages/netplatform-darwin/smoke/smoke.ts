// The real macOS adapter on a real Mac, no cluster: creates a utun device, routes a test range through it,
// points a test domain at a nameserver on it (/etc/resolver), checks each change is visible to the system,
// then closes the session and checks the machine is back as it was (routes, interfaces, resolver files,
// hosts). Run as root by CI (.github/workflows/ci.yml, macOS runner): sudo npx tsx packages/netplatform-darwin/smoke/smoke.ts
// The exact commands the adapter issues are asserted by the unit tests with a recorded runner.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDarwinPlatform } from '../src/index.js';

// 198.18.0.0/15 is reserved for benchmarking: nothing on a runner uses it.
const TUN_ADDRESS = '198.18.77.1/32';
const ROUTED = '198.18.78.0/24';
const DOMAIN = 'ktctl-smoke.test';

const sh = (command: string, args: string[]): string => execFileSync(command, args, { encoding: 'utf8' });

/** What the session may touch, as text: the IPv4 routes (without use counters), the interfaces, resolver files, hosts. */
function snapshot(): Record<string, string> {
  const resolvers = existsSync('/etc/resolver') ? readdirSync('/etc/resolver').sort().join(' ') : '(none)';
  const routes = sh('netstat', ['-rn', '-f', 'inet'])
    .split('\n')
    .map((line) => line.split(/\s+/).slice(0, 4).join(' '))
    .join('\n');
  return { routes, interfaces: sh('ifconfig', ['-l']).trim(), resolvers, hosts: readFileSync('/etc/hosts', 'utf8') };
}

function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exitCode = 1;
}

const before = snapshot();
const home = mkdtempSync(join(tmpdir(), 'ktctl-smoke-'));
const platform = createDarwinPlatform({ ktHome: home });
check(platform.isAdmin(), 'runs as root');
const session = await platform.openSession({ command: 'smoke' });
try {
  const tun = await session.tun!.create({ address: TUN_ADDRESS });
  check(/^utun\d+$/.test(tun.name) && sh('ifconfig', ['-l']).split(/\s+/).includes(tun.name), `utun device ${tun.name} exists`);
  await session.routes.add({ cidr: ROUTED, device: tun.name });
  check(/interface: (\S+)/.exec(sh('route', ['-n', 'get', '198.18.78.9']))?.[1] === tun.name, `${ROUTED} goes through ${tun.name}`);
  await session.dns.apply({ nameservers: ['198.18.77.1'], routeDomains: [DOMAIN], device: tun.name });
  const resolver = join('/etc/resolver', DOMAIN);
  check(existsSync(resolver) && readFileSync(resolver, 'utf8').includes('198.18.77.1'), `${resolver} names the test nameserver`);
  check(sh('scutil', ['--dns']).includes(DOMAIN), `scutil --dns lists ${DOMAIN}`);
} finally {
  await session.close();
}
const after = snapshot();
for (const key of Object.keys(before)) check(before[key] === after[key], `${key} back as before`);
if (before.routes !== after.routes) console.log(`before:\n${before.routes}\nafter:\n${after.routes}`);
check((await platform.staleChanges()).length === 0, 'no journal left behind');
rmSync(home, { recursive: true, force: true });
