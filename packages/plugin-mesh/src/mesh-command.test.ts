import { describe, expect, it } from 'vitest';
import { meshCommand, readyLines } from './mesh-command.js';

const base = {
  service: 'web',
  namespace: 'dev',
  shadow: 'web-kt-mesh-abcde',
  header: 'version: abcde',
  label: 'version=abcde',
  ports: [{ local: 3000, remote: 8080 }],
  servicePort: 80,
};

describe('ktctl mesh', () => {
  it('prints the exact header to send in auto mode', () => {
    const lines = readyLines({ ...base, mode: 'auto' });
    expect(lines[0]).toBe(
      'Service web in namespace dev is meshed (shadow web-kt-mesh-abcde): requests with header "version: abcde" reach this machine (8080 → localhost:3000); all others its own pods',
    );
    expect(lines[1]).toBe("Try: curl -H 'version: abcde' http://web.dev:80/");
  });

  it('names the label to select on in manual mode, and says nothing else changed', () => {
    const lines = readyLines({ ...base, mode: 'manual' });
    expect(lines.join('\n')).toMatch(
      /plus version=abcde[\s\S]*Nothing else was changed: route to it in your own mesh rules by selecting on label version=abcde/,
    );
  });

  it('has KtConnect’s flags, with auto the default mode', () => {
    const flags = Object.fromEntries((meshCommand.flags ?? []).map((f) => [f.name, f]));
    expect(Object.keys(flags)).toEqual(['mode', 'expose', 'versionMark', 'routerImage', 'skipPortChecking']);
    expect(flags.mode).toMatchObject({ default: 'auto', choices: ['auto', 'manual'] });
    expect(flags.expose!.description).toMatch(/TARGET ports/);
  });
});
