import type { ActivityEvent } from '../shared/activity-payload';
import { commandFolder } from '../shared/partition';

/** Which events to leave out of the audit log, besides heartbeats. Values are lower-cased. */
export interface DropFilters {
  readonly classes: ReadonlySet<string>;
  readonly commands: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
}

export type EventFate = 'kept' | 'heartbeat' | 'filtered';

/**
 * Decides whether an event belongs in the audit log. Heartbeats (RDS's keep-alives, about one every
 * two seconds) never do; the drop filters remove whole classes, commands or users, case-insensitively.
 * A command filter matches the command as sent (`CREATE TABLE`) or as its folder (`CREATE_TABLE`).
 */
export function eventFate({ fields }: ActivityEvent, filters: DropFilters): EventFate {
  if (lower(fields.type) === 'heartbeat') return 'heartbeat';
  if (filters.classes.size > 0 && filters.classes.has(lower(fields.class))) return 'filtered';
  if (filters.users.size > 0 && filters.users.has(lower(fields.dbUserName))) return 'filtered';
  if (filters.commands.size > 0) {
    const command = lower(fields.command);
    if (filters.commands.has(command) || filters.commands.has(commandFolder(fields.command).toLowerCase())) {
      return 'filtered';
    }
  }
  return 'kept';
}

function lower(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}
