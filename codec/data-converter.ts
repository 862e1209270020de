// The DataConverter every Tact client and worker uses: the payload codec (when keys exist) and a failure converter
// that encodes failure messages, so errors carrying user data are sealed too.
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { TactPayloadCodec } from './payload-codec';

// The SDK loads the converter with require() and bundles it into the workflow code: it needs the file itself,
// failure-converter.js when built, failure-converter.ts when run from source.
export const FAILURE_CONVERTER_PATH =
  ['.js', '.ts']
    .map((extension) => path.join(__dirname, `failure-converter${extension}`))
    .find((file) => fs.existsSync(file)) ?? missingFailureConverter();

function missingFailureConverter(): never {
  throw new Error(`failure-converter.js or .ts not found beside ${__filename}`);
}

export function tactDataConverter(codec: TactPayloadCodec | undefined): DataConverter {
  return codec === undefined ? {} : { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
