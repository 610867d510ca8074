/**
 * The small shared-state interfaces the hub needs across instances. Redis backs them when
 * REDIS_URL is set; otherwise (or while Redis is down) in-process equivalents stand in, which
 * are correct for a single instance only.
 */

/** 'embedded': no external service configured, the in-process equivalent is the real thing. */
export type ServiceStatus = "up" | "down" | "embedded";

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
}

export interface Dedupe {
  /** True the first time `key` is seen within `ttlMs`, false on every repeat. */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
}

export interface RateLimitResult {
  allowed: boolean;
  /** hits left in the current window */
  remaining: number;
  /** 0 when allowed; otherwise how long until the window resets */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Counts one hit for `key` in a fixed window of `windowMs` allowing `limit` hits. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
}

export interface Lock {
  /** random per acquisition: release and extend act only while the lock still carries it */
  readonly token: string;
  release(): Promise<void>;
  /** False when the lock was lost (expired, taken by another holder, or cannot be confirmed). */
  extend(ttlMs: number): Promise<boolean>;
}

export interface Locks {
  /** Undefined when someone else holds `name`. */
  acquire(name: string, ttlMs: number): Promise<Lock | undefined>;
}

export interface Infra {
  cache: Cache;
  dedupe: Dedupe;
  rateLimiter: RateLimiter;
  locks: Locks;
  redisStatus(): ServiceStatus;
  close(): Promise<void>;
}
