// One campaign (docs/campaigns.md): pages its segment by keyset cursor and hands each page to the members' user
// workflows from an activity (signal-with-start), at the configured rate. Pause, resume and cancel are Updates handled
// between pages; cancel then withdraws the candidates still pending. The history stays bounded: a new run (carrying
// the cursor and counts) every PAGES_PER_RUN pages or when the server suggests it. A retried page re-signals only the
// members it had not handed over yet (the target table), so a worker dying mid-page targets nobody twice.
import {
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { CAMPAIGN_TRANSITIONS, type CampaignStatus } from '../../domain/campaign';
import {
  campaignProgressQuery,
  cancelCampaignUpdate,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  type CampaignActivities,
  type CampaignCarried,
  type CampaignProgressView,
  type CampaignWorkflowInput,
} from './definitions';
import { TactCampaign, TactCampaignState } from '../search-attributes';
import { workflowNow } from '../now';
import { addMs, durationMs, EPOCH, maxOf } from '../../domain/units';

/** The most members one page hands over (one activity, its signals run concurrently inside). */
export const MAX_PAGE = 500;
/** A page covers about this much of the rate, so a slow campaign still sleeps between short pages. */
const PAGE_SECONDS = 5;
const PAGES_PER_RUN = 100;
const WITHDRAW_PAGE = 500;

// Fan-out pages: safe to repeat (target table + fixed candidate id). Heartbeats spot a dead worker within 20 s; retried
// without end, since stopping mid-segment would leave the campaign half sent.
const fanOut = proxyActivities<Pick<CampaignActivities, 'handOverPage' | 'withdrawPage'>>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

// Database reads and status writes: small, idempotent; keep trying through an outage.
const database = proxyActivities<Pick<CampaignActivities, 'beginCampaign' | 'recordCampaignStatus'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignStatus> {
  const { campaignId } = input;
  const state: CampaignCarried = input.carried ?? (await begin(campaignId));

  const move = (action: keyof typeof CAMPAIGN_TRANSITIONS) => () => {
    if (!CAMPAIGN_TRANSITIONS[action].includes(state.status)) {
      throw new Error(`cannot ${action} a campaign that is ${state.status}`);
    }
    if (action === 'pause' && state.fannedOut) throw new Error('cannot pause: every member has been reached');
  };
  setHandler(
    pauseCampaignUpdate,
    () => {
      state.status = 'paused';
      return state.status;
    },
    { validator: move('pause') },
  );
  setHandler(
    resumeCampaignUpdate,
    () => {
      state.status = workflowNow() < state.fanOutAt ? 'scheduled' : 'running';
      return state.status;
    },
    { validator: move('resume') },
  );
  setHandler(
    cancelCampaignUpdate,
    () => {
      state.status = 'cancelled';
      return state.status;
    },
    { validator: move('cancel') },
  );
  setHandler(campaignProgressQuery, () => progress(campaignId, state));

  const record = async () => {
    if (state.recorded === state.status) return;
    const status = state.status;
    await database.recordCampaignStatus({ campaignId, status, now: workflowNow() });
    state.recorded = status;
  };
  // Ops find campaigns by id and status in the Temporal UI (`TactCampaignState = "paused"`); runs started before this
  // code upsert nothing, so their histories replay.
  const searchable = patched('campaign-search-attributes');
  let shownStatus: CampaignStatus | undefined;
  const show = () => {
    setCurrentDetails(details(progress(campaignId, state)));
    if (!searchable || shownStatus === state.status) return;
    shownStatus = state.status;
    upsertSearchAttributes([
      { key: TactCampaign, value: campaignId },
      { key: TactCampaignState, value: state.status },
    ]);
  };

  for (let pagesThisRun = 0; ;) {
    show();
    await record();
    if (state.status === 'cancelled' || state.status === 'completed') break;
    if (state.status === 'paused') {
      await condition(() => state.status !== 'paused');
      continue;
    }
    if (state.status === 'scheduled') {
      const wait = state.fanOutAt - workflowNow();
      if (wait > 0 && (await condition(() => state.status !== 'scheduled', wait))) continue;
      if (state.status === 'scheduled') state.status = 'running';
      continue;
    }
    if (state.fannedOut) {
      // Open until the last candidate expires, so that a cancel can still withdraw what is pending.
      const left = state.lastExpiresAt - workflowNow();
      if (left > 0) await condition(() => state.status !== 'running', left);
      if (state.status === 'running') state.status = 'completed';
      continue;
    }
    if (pagesThisRun >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof campaignWorkflow>({ campaignId, carried: state });
    }
    const pageStarted = workflowNow();
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.round(state.ratePerSecond * PAGE_SECONDS)));
    const page = await fanOut.handOverPage({
      campaignId,
      ...(state.cursor === undefined ? {} : { afterId: state.cursor }),
      limit,
      now: pageStarted,
    });
    pagesThisRun += 1;
    state.pages += 1;
    if (page.lastId !== undefined) state.cursor = page.lastId;
    state.counts.targeted += page.targeted;
    state.counts.handedOver += page.handedOver;
    state.counts.late += page.late;
    state.lastExpiresAt = maxOf(state.lastExpiresAt, page.lastExpiresAt);
    if (page.members < limit) {
      state.fannedOut = true;
      continue;
    }
    // At most ratePerSecond members per second: wait out the rest of this page's share, woken by any lifecycle move.
    const due = pageStarted + (page.members / state.ratePerSecond) * 1000;
    if (due > workflowNow()) await condition(() => state.status !== 'running', due - workflowNow());
  }

  if (state.status === 'cancelled') {
    for (;;) {
      const done = await fanOut.withdrawPage({
        campaignId,
        ...(state.withdrawCursor === undefined ? {} : { afterId: state.withdrawCursor }),
        limit: WITHDRAW_PAGE,
      });
      state.counts.withdrawn += done.users;
      if (done.lastId !== undefined) state.withdrawCursor = done.lastId;
      show();
      if (done.users < WITHDRAW_PAGE) break;
    }
  }
  show();
  return state.status;
}

async function begin(campaignId: string): Promise<CampaignCarried> {
  const now = workflowNow();
  const begun = await database.beginCampaign({ campaignId, now });
  const status: CampaignStatus = begun.fanOutAt > now ? 'scheduled' : 'running';
  return {
    v: 1,
    status,
    recorded: status,
    counts: { targeted: 0, handedOver: 0, late: 0, withdrawn: 0 },
    segmentSize: begun.segmentSize,
    ratePerSecond: begun.ratePerSecond,
    fanOutAt: begun.fanOutAt,
    pages: 0,
    fannedOut: false,
    lastExpiresAt: EPOCH,
  };
}

function progress(campaignId: string, state: CampaignCarried): CampaignProgressView {
  const left = Math.max(0, state.segmentSize - state.counts.targeted);
  const etaAt =
    !state.fannedOut && (state.status === 'running' || state.status === 'scheduled')
      ? addMs(maxOf(workflowNow(), state.fanOutAt), durationMs(Math.ceil((left / state.ratePerSecond) * 1000)))
      : null;
  return {
    campaignId,
    status: state.status,
    counts: { ...state.counts },
    segmentSize: state.segmentSize,
    ratePerSecond: state.ratePerSecond,
    fannedOut: state.fannedOut,
    etaAt,
    pages: state.pages,
  };
}

/** The Temporal UI's current details: no user ids, counts only. */
function details(p: CampaignProgressView): string {
  return [
    `**Campaign ${p.campaignId}: ${p.status}**`,
    `targeted ${p.counts.targeted} of ${p.segmentSize} · handed over ${p.counts.handedOver} · late ${p.counts.late}` +
      (p.counts.withdrawn > 0 ? ` · withdrawn ${p.counts.withdrawn}` : ''),
    `rate ${p.ratePerSecond}/s · pages ${p.pages}` +
      (p.etaAt === null ? '' : ` · ETA ${new Date(p.etaAt).toISOString()}`),
  ].join('\n\n');
}
