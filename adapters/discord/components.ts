import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
  ButtonStyle,
  ComponentType,
} from "discord.js";
import { decodeButton } from "../../src/channels/buttons.ts";
import type { ReplyButton } from "../../src/channels/types.ts";

// Discord's limits: 5 rows a message, 5 buttons a row, 80-character labels, 100-character custom ids.
const MAX_ROWS = 5;
const MAX_PER_ROW = 5;
const MAX_LABEL = 80;
const MAX_CUSTOM_ID = 100;

export type ActionRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** Reply.buttons → action rows of buttons whose custom_id is the button's data. */
export function buttonRows(buttons: readonly (readonly ReplyButton[])[] | undefined): ActionRow[] {
  const rows: ActionRow[] = [];
  const seen = new Set<string>();
  for (const row of buttons ?? []) {
    const components: APIButtonComponentWithCustomId[] = [];
    for (const b of row) {
      // Discord rejects a message whose custom ids repeat, and ones that are too long.
      if (b.data.length === 0 || b.data.length > MAX_CUSTOM_ID || seen.has(b.data)) continue;
      seen.add(b.data);
      components.push({
        type: ComponentType.Button,
        style: buttonStyle(b.data),
        label: truncate(b.label, MAX_LABEL),
        custom_id: b.data,
      });
    }
    for (let i = 0; i < components.length && rows.length < MAX_ROWS; i += MAX_PER_ROW) {
      rows.push({ type: ComponentType.ActionRow, components: components.slice(i, i + MAX_PER_ROW) });
    }
  }
  return rows;
}

function buttonStyle(data: string): APIButtonComponentWithCustomId["style"] {
  const preset = decodeButton(data);
  if (preset?.intent === "task.complete") return ButtonStyle.Success;
  if (preset?.intent === "task.cancel") return ButtonStyle.Danger;
  if (preset?.intent === "confirm" && preset.slots.answer === "yes") return ButtonStyle.Primary;
  return ButtonStyle.Secondary;
}

function truncate(s: string, max: number): string {
  const t = s.trim() || "…";
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** The label of the button with this custom_id in a message's components, if it is there. */
export function buttonLabel(components: unknown, customId: string): string | undefined {
  if (!Array.isArray(components)) return undefined;
  for (const row of components) {
    const inner = (row as { components?: unknown }).components;
    if (!Array.isArray(inner)) continue;
    for (const c of inner) {
      const b = c as { custom_id?: unknown; label?: unknown };
      if (b.custom_id === customId && typeof b.label === "string") return b.label;
    }
  }
  return undefined;
}
