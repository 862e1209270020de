// `npm run codec:key -- <id>`: prints a new master key entry for TACT_CODEC_KEYS (id=base64 of 32 random bytes).
// Rotation: put the new entry first (or name it in TACT_CODEC_ACTIVE_KEY) and keep the old ones listed.
import { generateKeyEntry } from '../keyring';
import { wallClock } from '../../clock';

process.stdout.write(
  `${generateKeyEntry(process.argv[2] ?? `k${new Date(wallClock()).toISOString().slice(0, 10).replace(/-/g, '')}`)}\n`,
);
