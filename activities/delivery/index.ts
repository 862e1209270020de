// Real delivery: FCM, APNs, SMTP email, Twilio-shaped SMS, and a dry-run outbox for unconfigured channels.
export { createDeliverNotification, DELIVERY_RETRYABLE, DEFAULT_IN_FLIGHT_WINDOW_MS } from './deliver';
export type { DeliveryDeps, DeliveryLog, ProviderCall } from './deliver';
export {
  closeProviders,
  providersFromEnv,
  describeProviders,
  unsubscribeConfigFromEnv,
  DeliveryConfigError,
} from './config';
export type { Env } from './config';
export {
  signUnsubscribeToken,
  verifyUnsubscribeToken,
  unsubscribeUrl,
  UNSUBSCRIBE_TOKEN_LIFETIME_MS,
  UNSUBSCRIBE_TOKEN_MAX_SKEW_MS,
  unsubscribableByLink,
} from '../../tokens/unsubscribe';
export type { UnsubscribeClaims, UnsubscribeVerification } from '../../tokens/unsubscribe';
export type { UnsubscribeConfig } from './content';
export { endpointKey, redactedDestination } from '../../tokens/endpoint-identity';
export { DRY_RUN_PREFIX } from './providers/dry-run-outbox';
export { ApnsProvider } from './providers/apns';
export { FcmProvider } from './providers/fcm';
export { SmtpEmailProvider } from './providers/smtp';
export { TwilioSmsProvider } from './providers/twilio-sms';
export type * from './types';
