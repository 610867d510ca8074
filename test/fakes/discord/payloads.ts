// Payload shapes as Discord sends them (API v10), trimmed to the fields a bot sees in practice.

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  bot?: boolean;
  public_flags: number;
}

export function user(
  id: string,
  username: string,
  opts: { bot?: boolean; globalName?: string } = {},
): FakeUser {
  return {
    id,
    username,
    global_name: opts.globalName ?? (opts.bot ? null : username),
    discriminator: "0",
    avatar: null,
    public_flags: 0,
    ...(opts.bot ? { bot: true } : {}),
  };
}

export function member(u: FakeUser | undefined, joinedAt: string) {
  return {
    ...(u ? { user: u } : {}),
    roles: [],
    premium_since: null,
    pending: false,
    nick: null,
    mute: false,
    deaf: false,
    joined_at: joinedAt,
    flags: 0,
    communication_disabled_until: null,
    avatar: null,
    banner: null,
  };
}

export function dmChannel(id: string, recipient: FakeUser, lastMessageId: string | null) {
  return { id, type: 1 as const, flags: 0, last_message_id: lastMessageId, recipients: [recipient] };
}

export function textChannel(id: string, guildId: string, name: string, position: number) {
  return {
    id,
    type: 0 as const,
    guild_id: guildId,
    name,
    position,
    flags: 0,
    parent_id: null,
    topic: null,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: null as string | null,
    permission_overwrites: [],
  };
}

export function guildCreate(
  guildId: string,
  ownerId: string,
  channels: ReturnType<typeof textChannel>[],
  bot: FakeUser,
  joinedAt: string,
) {
  return {
    id: guildId,
    name: "Agents HQ",
    icon: null,
    owner_id: ownerId,
    unavailable: false,
    large: false,
    member_count: 2,
    joined_at: joinedAt,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 1,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    preferred_locale: "en-US",
    system_channel_id: channels[0]?.id ?? null,
    system_channel_flags: 0,
    features: [],
    roles: [
      {
        id: guildId,
        name: "@everyone",
        color: 0,
        hoist: false,
        position: 0,
        permissions: "2248473465835073",
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    channels,
    threads: [],
    members: [member(bot, joinedAt)],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function ready(o: {
  bot: FakeUser;
  guildIds: string[];
  sessionId: string;
  resumeUrl: string;
  applicationId: string;
}) {
  return {
    v: 10,
    user: { ...o.bot, verified: true, mfa_enabled: false, flags: 0, email: null },
    guilds: o.guildIds.map((id) => ({ id, unavailable: true })),
    session_id: o.sessionId,
    session_type: "normal",
    resume_gateway_url: o.resumeUrl,
    shard: [0, 1],
    application: { id: o.applicationId, flags: 8953856 },
    private_channels: [],
    relationships: [],
    presences: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: ["rotterdam", "frankfurt"],
    user_settings: {},
    _trace: ['["gateway-prd-fake",{"micros":1200}]'],
  };
}

/** A message as MESSAGE_CREATE and the REST API show it. */
export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: FakeUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: FakeUser[];
  mention_roles: string[];
  attachments: unknown[];
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  pinned: boolean;
  type: number;
  flags: number;
  message_reference?: { message_id: string; channel_id?: string; guild_id?: string };
  /** set on messages that answer an interaction */
  interaction_metadata?: {
    id: string;
    type: number;
    user: FakeUser;
    authorizing_integration_owners: Record<string, string>;
    interacted_message_id?: string;
  };
}
