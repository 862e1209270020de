// Loaded by path into the workflow bundle (and used by clients and workers): failure messages and stack traces
// move into an encoded payload, so the payload codec seals them like any other payload.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
