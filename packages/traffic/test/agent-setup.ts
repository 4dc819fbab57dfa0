// The reverse-tunnel tests run the same real agent as @ktctl/tunnel's SSH tests.
export { default } from '@ktctl/tunnel/testing/agent-setup';
