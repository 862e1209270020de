import { defineConfig } from 'vitest/config';
import base, { DRILLS } from './vitest.config';

// `npm run test:drills`: only the fault drills that `npm test` leaves out (see vitest.config.ts).
export default defineConfig({ ...base, test: { ...base.test, include: DRILLS, exclude: [] } });
