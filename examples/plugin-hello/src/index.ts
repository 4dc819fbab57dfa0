import { UserError, defineCommand } from '@ktctl/plugin-api';

const hello = defineCommand({
  name: 'hello',
  description: 'Greet someone (an example outside plugin)',
  positionals: [{ name: 'name', description: 'who to greet' }],
  flags: [
    { name: 'shout', type: 'boolean', default: false, description: 'Greet in capitals' },
    { name: 'greeting', type: 'string', default: 'Hello', description: 'The greeting word' },
  ],
  handler(ctx) {
    const name = typeof ctx.args.name === 'string' ? ctx.args.name : 'world';
    if (name === 'nobody') {
      throw new UserError('KT_HELLO_NOBODY', 'There is nobody to greet', { hint: 'Name someone, e.g. "ktctl hello Ada"' });
    }
    const text = `${ctx.options.greeting}, ${name}! (namespace: ${String(ctx.options.namespace ?? 'from kubeconfig')})`;
    ctx.logger.debug(`greeting ${name}`);
    ctx.print(ctx.options.shout ? text.toUpperCase() : text);
  },
});

/** What ktctl loads from this plugin. */
export const commands = [hello];
