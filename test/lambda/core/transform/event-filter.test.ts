import { eventFate, type DropFilters } from '../../../../lambda/core/transform/event-filter';
import { event } from '../../../support/activity-event';

const none: DropFilters = { classes: new Set(), commands: new Set(), users: new Set() };
const filters = (classes: string[], commands: string[], users: string[]): DropFilters => ({
  classes: new Set(classes),
  commands: new Set(commands),
  users: new Set(users),
});

describe('eventFate', () => {
  it('drops heartbeats and keeps everything else by default', () => {
    expect(eventFate(event({ type: 'heartbeat' }), none)).toBe('heartbeat');
    expect(eventFate(event({ type: 'record', command: 'SELECT', class: 'READ', dbUserName: 'rdsadmin' }), none)).toBe('kept');
    expect(eventFate(event({}), none)).toBe('kept');
  });
  it('drops by class, command and user, case-insensitively', () => {
    const f = filters(['read'], ['connect'], ['rdsadmin']);
    expect(eventFate(event({ class: 'READ' }), f)).toBe('filtered');
    expect(eventFate(event({ command: 'Connect' }), f)).toBe('filtered');
    expect(eventFate(event({ dbUserName: 'RDSADMIN' }), f)).toBe('filtered');
    expect(eventFate(event({ class: 'WRITE', command: 'INSERT', dbUserName: 'app' }), f)).toBe('kept');
  });
  it('matches a multi-word command as sent or as its folder name', () => {
    expect(eventFate(event({ command: 'CREATE TABLE' }), filters([], ['create table'], []))).toBe('filtered');
    expect(eventFate(event({ command: 'CREATE TABLE' }), filters([], ['create_table'], []))).toBe('filtered');
    expect(eventFate(event({ command: 'CREATE INDEX' }), filters([], ['create_table'], []))).toBe('kept');
  });
});
