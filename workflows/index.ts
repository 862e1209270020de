// Every workflow the Tact worker runs (the bundler's entry point).
export { userWorkflow } from './user-workflow';
export { erasureWorkflow } from './erasure/workflow';
export { campaignWorkflow } from './campaign/workflow';
export { scheduledRuleWorkflow } from './campaign/rule-workflow';
