import type { HubEvent } from "../core/types.ts";

export interface EventRow {
  id: number | string;
  event_type: string;
  entity_type: string | null;
  entity_id: string | null;
  actor: string | null;
  payload: Record<string, unknown> | null;
  created_at: Date | string;
}

export const EVENT_COLUMNS = "id, event_type, entity_type, entity_id, actor, payload, created_at";

export function rowToEvent(r: EventRow): HubEvent {
  return {
    id: Number(r.id),
    type: r.event_type,
    entityType: r.entity_type,
    entityId: r.entity_id,
    actor: r.actor,
    payload: r.payload ?? {},
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
  };
}
