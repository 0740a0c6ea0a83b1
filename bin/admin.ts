/** `npm run admin -- set-tier <email> <tier>`: operator commands (see lib/admin.ts). */
import { runAdmin } from '../lib/admin';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runAdmin(process.argv.slice(2)).then(
  (message) => console.log(message),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
