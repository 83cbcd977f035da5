import type { DropFilters } from '../../../lambda/config';
import { eventFate } from '../../../lambda/core/event-filter';

const none: DropFilters = { classes: new Set(), commands: new Set(), users: new Set() };
const filters = (classes: string[], commands: string[], users: string[]): DropFilters => ({
  classes: new Set(classes),
  commands: new Set(commands),
  users: new Set(users),
});

describe('eventFate', () => {
  it('drops heartbeats and keeps everything else by default', () => {
    expect(eventFate({ type: 'heartbeat' }, none)).toBe('heartbeat');
    expect(eventFate({ type: 'record', command: 'SELECT', class: 'READ', dbUserName: 'rdsadmin' }, none)).toBe('kept');
    expect(eventFate({}, none)).toBe('kept');
  });
  it('drops by class, command and user, case-insensitively', () => {
    const f = filters(['read'], ['connect'], ['rdsadmin']);
    expect(eventFate({ class: 'READ' }, f)).toBe('filtered');
    expect(eventFate({ command: 'Connect' }, f)).toBe('filtered');
    expect(eventFate({ dbUserName: 'RDSADMIN' }, f)).toBe('filtered');
    expect(eventFate({ class: 'WRITE', command: 'INSERT', dbUserName: 'app' }, f)).toBe('kept');
  });
  it('matches a multi-word command as sent or as its folder name', () => {
    expect(eventFate({ command: 'CREATE TABLE' }, filters([], ['create table'], []))).toBe('filtered');
    expect(eventFate({ command: 'CREATE TABLE' }, filters([], ['create_table'], []))).toBe('filtered');
    expect(eventFate({ command: 'CREATE INDEX' }, filters([], ['create_table'], []))).toBe('kept');
  });
});
