import { defineConfig } from 'vitest/config';
import { DRILLS } from './test/drills';
import base from './vitest.config';

// `npm run test:drills`: only the fault drills that `npm test` leaves out (listed in test/drills.ts).
export default defineConfig({ ...base, test: { ...base.test, include: DRILLS, exclude: [] } });
