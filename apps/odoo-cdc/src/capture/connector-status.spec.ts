import { interpretStatus } from './connector-status';

const body = (connector: string, ...tasks: string[]) => ({
  name: 'odoo-postgres',
  connector: { state: connector, worker_id: 'w:8083' },
  tasks: tasks.map((state, id) => ({
    id,
    state,
    worker_id: 'w:8083',
    ...(state === 'FAILED' ? { trace: 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat x' } : {}),
  })),
});

describe('interpretStatus', () => {
  it('is running only when the connector and every task run', () => {
    expect(interpretStatus(body('RUNNING', 'RUNNING'))).toEqual({
      connector: 'RUNNING',
      tasks: [{ id: 0, state: 'RUNNING' }],
      failed: false,
      running: true,
    });
    expect(interpretStatus(body('RUNNING')).running).toBe(false);
    expect(interpretStatus(body('RUNNING', 'RUNNING', 'UNASSIGNED')).running).toBe(false);
  });

  it('is failed when a task failed under a running connector, with the first line of its trace', () => {
    expect(interpretStatus(body('RUNNING', 'RUNNING', 'FAILED'))).toMatchObject({
      connector: 'RUNNING',
      failed: true,
      running: false,
      failure: 'org.apache.kafka.connect.errors.ConnectException: boom',
    });
  });

  it('is failed when the connector itself failed', () => {
    const status = interpretStatus({ ...body('FAILED'), connector: { state: 'FAILED', trace: 'bad config\nmore' } });
    expect(status).toMatchObject({ failed: true, failure: 'bad config' });
  });

  it('treats a paused, stopped or restarting connector as neither running nor failed (nothing to restart)', () => {
    for (const state of ['PAUSED', 'STOPPED', 'RESTARTING']) {
      expect(interpretStatus(body(state, state === 'STOPPED' ? 'RUNNING' : state))).toMatchObject({
        failed: false,
        running: false,
      });
    }
  });

  it('reads a state it does not know as UNASSIGNED: not healthy, not restarted', () => {
    expect(interpretStatus(body('SOMETHING_NEW', 'RUNNING'))).toMatchObject({
      connector: 'UNASSIGNED',
      failed: false,
      running: false,
    });
  });
});
