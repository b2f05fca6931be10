import { defineConfig } from 'vitest/config';

/**
 * Four tiers by file name: unit (pure, no I/O), int (one service against real PostgreSQL and Kafka),
 * e2e (all four services as separate processes), ui (the operator console in Chromium against them). Packages are imported from their compiled output, so
 * `npm test` builds first.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.unit.spec.ts',
            'services/*/src/**/*.unit.spec.ts',
            'infra/*/src/**/*.unit.spec.ts',
            'packages/*/test/**/*.unit.spec.ts',
            'services/*/test/**/*.unit.spec.ts',
            'test/unit/**/*.unit.spec.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'int',
          include: [
            'packages/*/src/**/*.int.spec.ts',
            'services/*/src/**/*.int.spec.ts',
            'packages/*/test/**/*.int.spec.ts',
            'services/*/test/**/*.int.spec.ts',
          ],
          environment: 'node',
          globalSetup: ['./packages/testing/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.spec.ts'],
          environment: 'node',
          globalSetup: ['./packages/testing/src/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
      {
        test: {
          name: 'ui',
          include: ['test/ui/**/*.ui.spec.ts'],
          environment: 'node',
          globalSetup: ['./packages/testing/src/global-setup.ts', './test/ui/chromium-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
    ],
  },
});
