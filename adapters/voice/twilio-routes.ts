import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import twilio from "twilio";
import type { Utterance } from "../../src/channels/types.ts";
import { findPairedIdentity, identityOf, isConfiguredOwner } from "../../src/conversation/identities.ts";
import { HubError } from "../../src/errors.ts";
import type { VoiceRouteContext } from "./route-context.ts";
import {
  GREETING,
  gatherUrl,
  NOT_HEARD,
  REFUSAL,
  STILL_QUIET,
  sayAndGather,
  sayAndHangUp,
  TWILIO_GATHER_PATH,
  TWILIO_PATH,
} from "./twiml.ts";

const TROUBLE = "Sorry, something went wrong on my side, and nothing was changed. What would you like to do?";

type Params = Record<string, string>;

/** Twilio's form fields, as strings. */
function paramsOf(req: FastifyRequest): Params {
  const b = req.body;
  if (typeof b !== "object" || b === null || Array.isArray(b)) return {};
  const out: Params = {};
  for (const [k, v] of Object.entries(b)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The request came from Twilio: its signature over PUBLIC_URL + path + query and the form fields. */
function verifySignature(ctx: VoiceRouteContext, req: FastifyRequest, params: Params) {
  const token = ctx.config.voice.twilioAuthToken;
  if (!token) throw new HubError("unavailable", "Twilio is not configured (TWILIO_AUTH_TOKEN)");
  const base = ctx.config.publicUrl;
  if (!base) {
    throw new HubError(
      "unavailable",
      "Twilio calls need PUBLIC_URL: the address Twilio calls, to check its signature",
    );
  }
  const signature = req.headers["x-twilio-signature"];
  const url = `${base.replace(/\/+$/, "")}${req.url}`;
  if (typeof signature !== "string" || !twilio.validateRequest(token, signature, url, params)) {
    ctx.log.warn(
      { ip: req.ip, path: req.url.split("?")[0] },
      "twilio request with a missing or wrong signature",
    );
    throw new HubError("forbidden", "The X-Twilio-Signature does not match this request");
  }
}

/** The owner's phones (OWNER_PHONES) and phones paired with the owner are served. */
async function served(ctx: VoiceRouteContext, from: string): Promise<boolean> {
  if (!/\d/.test(from)) return false;
  const identity = identityOf({ channel: "voice", sender: from });
  if (
    isConfiguredOwner(identity, "voice", {
      telegramIds: [],
      discordIds: [],
      emails: [],
      phones: ctx.config.owner.phones,
    })
  )
    return true;
  return (await findPairedIdentity(ctx.sql, identity)) !== undefined;
}

const xml = (reply: FastifyReply, body: string) => reply.type("text/xml; charset=utf-8").send(body);

function intParam(v: unknown, fallback: number, max: number): number {
  const n = typeof v === "string" ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= max ? n : fallback;
}

/**
 * Twilio Programmable Voice: `POST /v1/voice/twilio` answers the call with a greeting and a
 * speech <Gather>; each answer comes back to `/v1/voice/twilio/gather?turn=N`, goes to the
 * dispatcher, and is answered with <Say> and the next <Gather> (or <Hangup> on goodbye).
 */
export function registerTwilioRoutes(app: FastifyInstance, ctx: VoiceRouteContext) {
  app.post(TWILIO_PATH, async (req, reply) => {
    const p = paramsOf(req);
    verifySignature(ctx, req, p);
    const from = p.From ?? "";
    if (!(await served(ctx, from))) {
      ctx.log.info({ callSid: p.CallSid }, "call from a number that is not the owner's: refused");
      return xml(reply, sayAndHangUp(REFUSAL));
    }
    ctx.log.info({ callSid: p.CallSid }, "owner call answered");
    return xml(reply, sayAndGather(GREETING, gatherUrl(1)));
  });

  app.post(TWILIO_GATHER_PATH, async (req, reply) => {
    const p = paramsOf(req);
    verifySignature(ctx, req, p);
    const from = p.From ?? "";
    if (!(await served(ctx, from))) return xml(reply, sayAndHangUp(REFUSAL));
    const q = req.query as Record<string, unknown>;
    const turnNo = intParam(q.turn, 1, 10_000);
    const quiet = intParam(q.quiet, 0, 10);
    const callSid = (p.CallSid ?? "").slice(0, 64);
    const said = (p.SpeechResult ?? "").trim();
    if (said.length === 0) {
      return xml(
        reply,
        quiet >= 1 ? sayAndHangUp(STILL_QUIET) : sayAndGather(NOT_HEARD, gatherUrl(turnNo, quiet + 1)),
      );
    }
    // Twilio says 0 when it has no estimate; only a real figure can make the hub read back.
    const confidence = Number(p.Confidence);
    const u: Utterance = {
      channel: "voice",
      sender: from,
      conversation: `twilio:${callSid}`,
      text: said,
      messageId: `twilio:${callSid}:${turnNo}`,
      receivedAt: ctx.now(),
      context: {
        heard: said,
        ...(Number.isFinite(confidence) && confidence > 0 ? { transcriptConfidence: confidence } : {}),
      },
    };
    try {
      const turn = await ctx.runner.run(u);
      return xml(
        reply,
        turn.endCall ? sayAndHangUp(turn.speech) : sayAndGather(turn.speech, gatherUrl(turnNo + 1)),
      );
    } catch (e) {
      ctx.log.error({ err: e instanceof Error ? e.message : String(e), callSid }, "twilio turn failed");
      return xml(reply, sayAndGather(TROUBLE, gatherUrl(turnNo + 1)));
    }
  });
}
