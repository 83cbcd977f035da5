import type { DropFilters } from '../config';
import type { ActivityEvent } from './activity-payload';
import { commandFolder } from './partition';

export type EventFate = 'kept' | 'heartbeat' | 'filtered';

/**
 * Decides whether an event belongs in the audit log. Heartbeats (RDS's keep-alives, about one every
 * two seconds) never do; the drop filters remove whole classes, commands or users, case-insensitively.
 * A command filter matches the command as sent (`CREATE TABLE`) or as its folder (`CREATE_TABLE`).
 */
export function eventFate(event: ActivityEvent, filters: DropFilters): EventFate {
  if (lower(event.type) === 'heartbeat') return 'heartbeat';
  if (filters.classes.size > 0 && filters.classes.has(lower(event.class))) return 'filtered';
  if (filters.users.size > 0 && filters.users.has(lower(event.dbUserName))) return 'filtered';
  if (filters.commands.size > 0) {
    const command = lower(event.command);
    if (filters.commands.has(command) || filters.commands.has(commandFolder(event.command).toLowerCase())) {
      return 'filtered';
    }
  }
  return 'kept';
}

function lower(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}
