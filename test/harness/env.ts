import { readFileSync } from 'node:fs';
import type { StackInfo } from '../../devstack/stack';

/** Addresses of the real services started once per test run by `test/harness/run.ts`. */
export type TestStack = StackInfo;

export const STACK_ENV = 'PITR_TEST_STACK';

/** The running stack; integration tests call this and fail clearly when run outside the harness. */
export function testStack(): TestStack {
  const file = process.env[STACK_ENV];
  if (!file) {
    throw new Error(`${STACK_ENV} is not set: run integration tests through \`npm test\`, which starts the real stack`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as TestStack;
}
