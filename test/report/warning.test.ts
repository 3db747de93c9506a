import { pluginWarningLine } from '../../report/warning.ts';

describe('plugin warnings', () => {
  test('say the plugin, hook and trial once, whatever prefixes the message already carries', () => {
    expect(
      pluginWarningLine({
        plugin: 'throws',
        hook: 'onReport',
        trialId: 0,
        message: 'throws failed in onReport: instance.onReport is not a function',
      }),
    ).toBe('warning: throws failed in onReport (trial 0): instance.onReport is not a function');
    expect(
      pluginWarningLine({ plugin: 'pool', hook: 'close', message: 'batchtune: warning: batchtune: pool failed in close: worker 2 exited' }),
    ).toBe('warning: pool failed in close: worker 2 exited');
    expect(pluginWarningLine({ plugin: 'cb', hook: 'onTrialEnd', message: 'disk full' })).toBe(
      'warning: cb failed in onTrialEnd: disk full',
    );
  });
});
