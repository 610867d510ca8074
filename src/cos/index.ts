/** The Chief of Staff: how the hub answers, briefs and notifies the person. */
export { briefingReply, gatherBriefing } from "./briefing.ts";
export {
  type BriefingSchedulerDeps,
  nextBriefingAt,
  runBriefingScheduler,
  sendDailyBriefing,
} from "./briefing-scheduler.ts";
export { composeNotification, worthTelling } from "./notification-format.ts";
export { createNotifier, type Notifier, type NotifierDeps, type SendFn, type Subscribe } from "./notifier.ts";
export { type Rendered, renderEmail, renderForChannel } from "./render.ts";
export { toSpeech } from "./speech.ts";
