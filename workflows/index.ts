export { stackCheckWorkflow } from './stack-check';
