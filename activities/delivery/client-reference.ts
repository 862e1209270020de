// The one id every attempt of a (user, notification, endpoint) sends with its request and the ledger records before
// the request leaves: APNs apns-id, SMTP Message-ID, SMS idempotency key and client reference.
import type { Endpoint } from '../../domain/ports';
import { deterministicUuid, endpointKey } from '../../tokens/endpoint-identity';

export function clientReference(message: { userId: string; notificationId: string }, endpoint: Endpoint): string {
  return deterministicUuid(message.userId, message.notificationId, endpointKey(endpoint));
}
