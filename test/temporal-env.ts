// Workflow tests get their Temporal server from the devserver package's test helper (auto, temporal or bundled).
export * from '@tact/temporal-devserver/testing';
