/** `npm run bench [count]`: every benchmark, one after the other. */
import { run as coreClaim } from "./core-claim.ts";

const count = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
await coreClaim(count === undefined ? {} : { count });
process.exit(0);
