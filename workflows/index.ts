// Every workflow the Tact worker runs (the bundler's entry point).
export { userWorkflow } from './user-workflow';
export { erasureWorkflow } from './erasure/workflow';
export { journeyWorkflow } from '../journeys/runtime';
