/** `npm run bench [count]`: every benchmark, one after the other. */
import { run as conversation } from "./conversation.ts";
import { run as coreClaim } from "./core-claim.ts";
import { run as email } from "./email.ts";
import { run as outboxRelay } from "./outbox-relay.ts";
import { run as telegram } from "./telegram.ts";
import { run as voice } from "./voice.ts";

const count = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
await coreClaim(count === undefined ? {} : { count });
await outboxRelay(count === undefined ? {} : { count });
await conversation();
await voice();
await telegram();
await email();
process.exit(0);
