import { describe, expect, it } from 'vitest';
import { developmentMode, loadConfig } from '../config';
import { createKeyRing, DEV_ADMIN_KEY, NO_CREDENTIALS_MESSAGE } from './api-keys';

const modeOf = (env: Record<string, string>) => developmentMode(loadConfig(env));
const noTokens = { tokensConfigured: false };

describe('development mode', () => {
  it('is off when NODE_ENV is unset, and on only when asked for explicitly', () => {
    expect(modeOf({})).toBe(false);
    expect(modeOf({ NODE_ENV: 'test' })).toBe(false);
    expect(modeOf({ GATEWAY_DEV_MODE: 'true' })).toBe(true);
    expect(modeOf({ NODE_ENV: 'development' })).toBe(true);
  });

  it('cannot be asked for in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', GATEWAY_DEV_MODE: 'true' })).toThrow(
      /GATEWAY_DEV_MODE/,
    );
  });
});

describe('createKeyRing', () => {
  it('refuses to start without keys when development mode was not asked for', () => {
    expect(() => createKeyRing('[]', { developmentMode: false, ...noTokens })).toThrow(
      NO_CREDENTIALS_MESSAGE,
    );
  });

  it('accepts the development admin key in explicit development mode without keys, and says so', () => {
    const ring = createKeyRing('[]', { developmentMode: true, ...noTokens });
    expect(ring.usesDevelopmentKey).toBe(true);
    expect(ring.authenticate(DEV_ADMIN_KEY)).toEqual({ kind: 'admin', id: 'dev-admin' });
  });

  it('never accepts the development key once keys are configured, even in development mode', () => {
    const keys = JSON.stringify([{ key: 'admin-key-000000000001', role: 'admin' }]);
    const ring = createKeyRing(keys, { developmentMode: true, ...noTokens });
    expect(ring.usesDevelopmentKey).toBe(false);
    expect(ring.authenticate(DEV_ADMIN_KEY)).toBeNull();
    expect(ring.authenticate('admin-key-000000000001')?.kind).toBe('admin');
  });

  it('starts without keys when bearer tokens are the credential, with no development key', () => {
    const ring = createKeyRing('[]', { developmentMode: false, tokensConfigured: true });
    expect(ring.usesDevelopmentKey).toBe(false);
    expect(ring.authenticate(DEV_ADMIN_KEY)).toBeNull();
  });
});
