import { describe, expect, it } from 'vitest';
import { simulatorOptionsFromEnv } from './config';

describe('simulatorOptionsFromEnv', () => {
  it('uses the defaults when nothing is set, and treats empty values as unset', () => {
    const defaults = { port: 4010, latencyMs: 0, failureRate: 0, voidFailureRate: 0, lateAnswerMs: 5000 };
    expect(simulatorOptionsFromEnv({})).toEqual(defaults);
    expect(simulatorOptionsFromEnv({ PORT: '', SIMULATOR_FAILURE_RATE: '' })).toEqual(defaults);
  });

  it('reads every variable', () => {
    const env = {
      PORT: '0',
      SIMULATOR_LATENCY_MS: '25',
      SIMULATOR_FAILURE_RATE: '0.2',
      SIMULATOR_VOID_FAILURE_RATE: '0.1',
      SIMULATOR_LATE_ANSWER_MS: '1500',
    };
    expect(simulatorOptionsFromEnv(env)).toEqual({
      port: 0,
      latencyMs: 25,
      failureRate: 0.2,
      voidFailureRate: 0.1,
      lateAnswerMs: 1500,
    });
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['SIMULATOR_LATENCY_MS', '-5'],
    ['SIMULATOR_FAILURE_RATE', '1.5'],
    ['SIMULATOR_VOID_FAILURE_RATE', '2'],
    ['SIMULATOR_LATE_ANSWER_MS', 'soon'],
  ])('names %s when it is %s', (name, value) => {
    expect(() => simulatorOptionsFromEnv({ [name]: value })).toThrow(new RegExp(`${name} must be`));
  });

  it('reports every bad variable at once', () => {
    const env = { PORT: 'x', SIMULATOR_FAILURE_RATE: '2' };
    expect(() => simulatorOptionsFromEnv(env)).toThrow(/PORT must be.*SIMULATOR_FAILURE_RATE must be/);
  });
});
