import { type ServiceHealth, stackHealth } from './stack';

export interface StackCheckActivities {
  checkServices(): Promise<ServiceHealth[]>;
}

/** Health of the services of the local stack in `stateDir`, as this worker sees them. */
export function createStackCheckActivities(stateDir: string): StackCheckActivities {
  return { checkServices: () => stackHealth(stateDir) };
}
