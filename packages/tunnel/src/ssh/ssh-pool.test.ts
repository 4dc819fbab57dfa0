// SshPool over real SSH to the bundled shadow agent: the shared SessionPool suite (test/pool-suite.ts).
import { describePoolAgainstAgent } from '../../test/pool-suite.js';
import { SshPool } from './ssh-pool.js';

describePoolAgainstAgent({
  name: 'SshPool against the shadow agent',
  agentPort: 'sshPort',
  create: (options) => new SshPool(options),
  refusedKey: /authentication/i,
});
