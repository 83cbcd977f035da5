import type { ActivityEvent, EventField } from '../../lambda/core/shared/activity-payload';
import type { FieldValue } from '../../lambda/core/shared/strict-json';

/** An activity event as the payload reader hands it over: its JSON text and the fields the core reads. */
export function event(fields: Partial<Record<EventField, FieldValue>> & Record<string, unknown>): ActivityEvent {
  return { text: JSON.stringify(fields), fields };
}
