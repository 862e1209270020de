// Every repository over one pool, for the API and the worker to wire up in one line.
import type pg from 'pg';
import { StateViewRepository } from './state-views';
import { AcceptedEventRepository } from './events-accepted';
import { CampaignRepository, ScheduledRuleRepository } from './campaigns';
import { ApiKeyRepository } from './api-keys';
import { DecisionRepository } from './decisions';
import { EndpointRepository } from './devices';
import { IngestQueueRepository } from './ingest-queue';
import { JourneyRunRepository } from './journeys';
import { LedgerRepository } from './ledger';
import { MeasurementRepository } from './measurement';
import { NotificationEventRepository } from './notification-events';
import { OutboxRepository } from './outbox';
import { PreferencesRepository } from './preferences';
import { SegmentRepository } from './segments';
import { SessionRepository } from './sessions';
import { UserRepository } from './users';

export interface Repositories {
  users: UserRepository;
  preferences: PreferencesRepository;
  endpoints: EndpointRepository;
  decisions: DecisionRepository;
  ledger: LedgerRepository;
  journeyRuns: JourneyRunRepository;
  notificationEvents: NotificationEventRepository;
  outbox: OutboxRepository;
  apiKeys: ApiKeyRepository;
  acceptedEvents: AcceptedEventRepository;
  sessions: SessionRepository;
  ingest: IngestQueueRepository;
  segments: SegmentRepository;
  campaigns: CampaignRepository;
  scheduledRules: ScheduledRuleRepository;
  measurement: MeasurementRepository;
  stateViews: StateViewRepository;
}

export function createRepositories(pool: pg.Pool): Repositories {
  return {
    users: new UserRepository(pool),
    preferences: new PreferencesRepository(pool),
    endpoints: new EndpointRepository(pool),
    decisions: new DecisionRepository(pool),
    ledger: new LedgerRepository(pool),
    journeyRuns: new JourneyRunRepository(pool),
    notificationEvents: new NotificationEventRepository(pool),
    outbox: new OutboxRepository(pool),
    apiKeys: new ApiKeyRepository(pool),
    acceptedEvents: new AcceptedEventRepository(pool),
    sessions: new SessionRepository(pool),
    ingest: new IngestQueueRepository(pool),
    segments: new SegmentRepository(pool),
    campaigns: new CampaignRepository(pool),
    scheduledRules: new ScheduledRuleRepository(pool),
    measurement: new MeasurementRepository(pool),
    stateViews: new StateViewRepository(pool),
  };
}
