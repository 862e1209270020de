// Profiles, preferences and devices: stored first, then signalled so the user's workflow re-plans at once.
import type { z } from 'zod';
import { redactedDestination } from '../../tokens/endpoint-identity';
import type { ContactChannel } from '../../db/devices';
import { UnknownUserError } from '../../db/errors';
import type { Endpoint } from '../../domain/ports';
import type { UserRecord } from '../../db/users';
import { formatMinuteOfDay } from '../../domain/time';
import type { Preferences } from '../../domain/types';
import { operation, type Operation } from '../operation';
import { HttpProblem, validationProblem } from '../problem';
import {
  contactEndpointResponse,
  deviceInput,
  devicePath,
  deviceResponse,
  emailEndpointInput,
  preferencesPatch,
  preferencesResponse,
  profileInput,
  smsEndpointInput,
  userPath,
  userResponse,
} from '../schemas';
import { signalOrQueue, type ApiServices } from '../services';

export function preferencesBody(preferences: Preferences): z.output<typeof preferencesResponse> {
  return {
    ...preferences,
    quietHours:
      preferences.quietHours === null
        ? null
        : {
            start: formatMinuteOfDay(preferences.quietHours.start),
            end: formatMinuteOfDay(preferences.quietHours.end),
          },
  };
}

function userBody(user: UserRecord, preferences: Preferences): z.output<typeof userResponse> {
  return {
    id: user.id,
    timeZone: user.timeZone,
    locale: user.locale,
    attributes: user.attributes,
    preferences: preferencesBody(preferences),
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
}

export function unknownUser(userId: string): HttpProblem {
  return new HttpProblem(404, 'unknown-user', `no user ${userId}: store the profile first (PUT /v1/users/{id})`);
}

export function userOperations(services: ApiServices): Operation[] {
  const { repos, workflows } = services;
  const storedOr404: StoredOr404 = async (userId, write) => {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UnknownUserError) throw unknownUser(userId);
      throw error;
    }
  };

  return [
    operation({
      operationId: 'putUser',
      method: 'put',
      path: '/v1/users/{id}',
      tag: 'users',
      summary: 'Create or replace a user profile',
      description:
        'Stores the profile, then signals the workflow (a time-zone change re-plans at once). ' +
        'When Temporal is unreachable the stored profile is queued and reaches the workflow once it is back.',
      scope: 'users:write',
      params: userPath,
      body: profileInput,
      responses: {
        200: { description: 'Replaced.', schema: userResponse },
        201: { description: 'Created.', schema: userResponse },
      },
      async handle({ params, body, now }) {
        const { user, created } = await repos.users.upsert(
          { id: params.id, timeZone: body.timeZone, locale: body.locale, attributes: body.attributes ?? {} },
          now,
        );
        const preferences = await repos.preferences.get(params.id);
        await signalOrQueue(services, { userId: params.id, kind: 'profile', now }, () =>
          workflows.updateProfile(params.id, { timeZone: user.timeZone, locale: user.locale }),
        );
        return { status: created ? 201 : 200, body: userBody(user, preferences) };
      },
    }),
    operation({
      operationId: 'getUser',
      method: 'get',
      path: '/v1/users/{id}',
      tag: 'users',
      summary: 'Read a user profile and preferences',
      scope: 'users:read',
      params: userPath,
      responses: { 200: { description: 'The stored profile.', schema: userResponse } },
      async handle({ params }) {
        const user = await repos.users.get(params.id);
        if (user === null) throw unknownUser(params.id);
        return { status: 200, body: userBody(user, await repos.preferences.get(params.id)) };
      },
    }),
    operation({
      operationId: 'patchPreferences',
      method: 'patch',
      path: '/v1/users/{id}/preferences',
      tag: 'users',
      summary: 'Change notification preferences',
      description:
        'Absent fields keep their value. Stored, then signalled: an opt-out drops the pending notifications it ' +
        'covers at once (logged `opted_out`). When Temporal is unreachable the stored change is queued and reaches the workflow once it is back.',
      scope: 'users:write',
      params: userPath,
      body: preferencesPatch,
      responses: { 200: { description: 'The preferences now in force.', schema: preferencesResponse } },
      async handle({ params, body, now }) {
        const categories = services.catalog.ruleSet.policy.categories;
        const unknown = (body.optedOutCategories ?? []).flatMap((category, index) =>
          Object.hasOwn(categories, category)
            ? []
            : [
                {
                  in: 'body' as const,
                  field: `optedOutCategories[${index}]`,
                  message: `unknown category "${category}" (GET /v1/catalog lists them)`,
                },
              ],
        );
        if (unknown.length > 0) throw validationProblem(unknown);
        const patch: Partial<Preferences> = Object.fromEntries(
          Object.entries(body).filter(([, value]) => value !== undefined),
        );
        const stored = await storedOr404(params.id, () => repos.preferences.patch(params.id, patch, now));
        // The whole preference set with its version, not the patch: the workflow converges on what is stored, and
        // ignores a signal older than one it applied when two changes overtake each other.
        await signalOrQueue(services, { userId: params.id, kind: 'preferences', now }, () =>
          workflows.updatePreferences(params.id, stored.preferences, stored.version),
        );
        return { status: 200, body: preferencesBody(stored.preferences) };
      },
    }),
    operation({
      operationId: 'putDevice',
      method: 'put',
      path: '/v1/users/{id}/devices/{token}',
      tag: 'users',
      summary: 'Register (or re-activate) a push device',
      description: 'A token registered by another user moves to this one. The token is never echoed or logged.',
      scope: 'users:write',
      params: devicePath,
      body: deviceInput,
      responses: {
        200: { description: 'Known device, active again.', schema: deviceResponse },
        201: { description: 'New device.', schema: deviceResponse },
      },
      async handle({ params, body, now }) {
        const { created } = await storedOr404(params.id, () =>
          repos.endpoints.put(params.id, { channel: 'push', platform: body.platform, token: params.token }, now),
        );
        await signalOrQueue(services, { userId: params.id, kind: 'devices', now }, () =>
          workflows.devicesChanged(params.id, now),
        );
        return {
          status: created ? 201 : 200,
          body: { userId: params.id, platform: body.platform, status: created ? 'registered' : 'reactivated' },
        };
      },
    }),
    operation({
      operationId: 'deleteDevice',
      method: 'delete',
      path: '/v1/users/{id}/devices/{token}',
      tag: 'users',
      summary: 'Remove a push device',
      scope: 'users:write',
      params: devicePath,
      responses: { 204: { description: 'Removed.' } },
      async handle({ params, now }) {
        const removed = await repos.endpoints.delete(params.id, 'push', params.token);
        if (!removed) throw new HttpProblem(404, 'unknown-device', `user ${params.id} has no such device`);
        await signalOrQueue(services, { userId: params.id, kind: 'devices', now }, () =>
          workflows.devicesChanged(params.id, now),
        );
        return { status: 204 };
      },
    }),
    ...contactOperations(services, storedOr404, {
      channel: 'email',
      noun: 'email address',
      body: emailEndpointInput,
      endpoint: (input) => ({ channel: 'email', address: input.address }),
    }),
    ...contactOperations(services, storedOr404, {
      channel: 'sms',
      noun: 'phone number (SMS)',
      body: smsEndpointInput,
      endpoint: (input) => ({ channel: 'sms', phone: input.phone }),
    }),
  ];
}

type StoredOr404 = <T>(userId: string, write: () => Promise<T>) => Promise<T>;

interface ContactSpec<B extends z.ZodType> {
  channel: ContactChannel;
  noun: string;
  body: B;
  endpoint: (input: z.output<B>) => Endpoint;
}

/** PUT and DELETE of a user's one email address or one phone number. */
function contactOperations<B extends z.ZodType>(
  services: ApiServices,
  storedOr404: StoredOr404,
  { channel, noun, body, endpoint }: ContactSpec<B>,
): Operation[] {
  const { repos, workflows } = services;
  const path = `/v1/users/{id}/endpoints/${channel}`;
  const Name = channel === 'email' ? 'Email' : 'Sms';
  return [
    operation({
      operationId: `put${Name}Endpoint`,
      method: 'put',
      path,
      tag: 'users',
      summary: `Set the user's ${noun}`,
      description:
        `A user has one ${noun}: this one replaces any other, and is active again if delivery had turned it off. ` +
        'Stored, then signalled so the workflow re-plans with the channel available. It is never logged, and ' +
        'answers show it redacted. When Temporal is unreachable the change is queued and reaches the workflow once it is back.',
      scope: 'users:write',
      params: userPath,
      body,
      responses: {
        200: { description: 'Replaced or re-activated.', schema: contactEndpointResponse },
        201: { description: `The user had no ${noun}.`, schema: contactEndpointResponse },
      },
      async handle({ params, body: input, now }) {
        const contact = endpoint(input as z.output<B>);
        const { created, replaced } = await storedOr404(params.id, () => repos.endpoints.put(params.id, contact, now));
        await signalOrQueue(services, { userId: params.id, kind: 'devices', now }, () =>
          workflows.devicesChanged(params.id, now),
        );
        const reply: z.output<typeof contactEndpointResponse> = {
          userId: params.id,
          channel,
          destination: redactedDestination(contact),
          status: created ? 'registered' : replaced ? 'replaced' : 'reactivated',
        };
        return { status: created ? 201 : 200, body: reply };
      },
    }),
    operation({
      operationId: `delete${Name}Endpoint`,
      method: 'delete',
      path,
      tag: 'users',
      summary: `Remove the user's ${noun}`,
      description: `Stored, then signalled: the workflow stops routing to ${channel} at once.`,
      scope: 'users:write',
      params: userPath,
      responses: { 204: { description: 'Removed.' } },
      async handle({ params, now }) {
        if (!(await repos.endpoints.deleteContact(params.id, channel))) {
          throw new HttpProblem(404, 'unknown-endpoint', `user ${params.id} has no ${noun}`);
        }
        await signalOrQueue(services, { userId: params.id, kind: 'devices', now }, () =>
          workflows.devicesChanged(params.id, now),
        );
        return { status: 204 };
      },
    }),
  ];
}
