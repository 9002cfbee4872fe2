import { appEnvOverrides } from './app-process';

describe('appEnvOverrides (HUB_APP_ENV)', () => {
  it('reads NAME=value pairs separated by spaces, a value may hold = and be empty', () => {
    expect(appEnvOverrides(' SF_PIPELINE_MAX_IN_FLIGHT=2000  LOG_LEVEL=debug A_B=x=y EMPTY= ')).toEqual({
      SF_PIPELINE_MAX_IN_FLIGHT: '2000',
      LOG_LEVEL: 'debug',
      A_B: 'x=y',
      EMPTY: '',
    });
  });

  it('is empty when unset', () => {
    expect(appEnvOverrides(undefined)).toEqual({});
    expect(appEnvOverrides('')).toEqual({});
  });

  it('refuses a pair that is not NAME=value, naming it', () => {
    expect(() => appEnvOverrides('SF_X=1 lower=2')).toThrow('HUB_APP_ENV: "lower=2" is not NAME=value');
    expect(() => appEnvOverrides('NOVALUE')).toThrow('"NOVALUE"');
  });
});
