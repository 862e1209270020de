// RFC 8058 one-click unsubscribe for promotional email: POST opts the user out of the category the
// signed link names. GET only shows a confirmation button (link scanners must not unsubscribe anyone).
import type { EpochMs } from '../../domain/types';
import { unsubscribableByLink, verifyUnsubscribeToken } from '../../tokens/unsubscribe';
import { UnknownUserError } from '../../db/errors';
import { operation, type Operation } from '../operation';
import { HttpProblem } from '../problem';
import { unsubscribePath, unsubscribeResult } from '../schemas';
import type { ApiServices } from '../services';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function unsubscribeOperations(services: ApiServices): Operation[] {
  const secret = services.unsubscribeSecret;
  if (secret === undefined) return [];
  const verified = (token: string, now: EpochMs) => {
    // The deployment's catalog decides which categories a link may switch off (not critical or transactional ones).
    const verdict = verifyUnsubscribeToken(token, secret, now, (category) =>
      unsubscribableByLink(category, services.catalog.ruleSet.policy),
    );
    if (verdict.kind === 'invalid') {
      switch (verdict.reason) {
        case 'expired':
          throw new HttpProblem(410, 'invalid-unsubscribe-link', 'this unsubscribe link has expired');
        case 'category_not_unsubscribable':
          throw new HttpProblem(
            400,
            'invalid-unsubscribe-link',
            'security and account messages cannot be unsubscribed from by a link',
          );
        case 'malformed':
        case 'bad_signature':
        case 'issued_in_future':
          throw new HttpProblem(400, 'invalid-unsubscribe-link', 'this unsubscribe link is not valid');
      }
    }
    return verdict.claims;
  };
  return [
    operation({
      operationId: 'unsubscribeOneClick',
      method: 'post',
      path: '/v1/unsubscribe/{token}',
      tag: 'email',
      summary: 'One-click unsubscribe (RFC 8058)',
      description:
        'Opts the user out of the category named in the signed link. Idempotent. Any body is accepted (mail ' +
        'providers POST `List-Unsubscribe=One-Click` as application/x-www-form-urlencoded or multipart/form-data) ' +
        'and ignored. The opt-out is stored before the answer; when the workflow service cannot be told at once, ' +
        'the answer is still 200: delivery re-checks the stored opt-outs before every send.',
      scope: 'public',
      params: unsubscribePath,
      bodyKind: 'form',
      responses: { 200: { description: 'Unsubscribed.', schema: unsubscribeResult } },
      async handle({ params, now }) {
        const { userId, category } = verified(params.token, now);
        let stored;
        try {
          stored = await services.repos.preferences.optOutOfCategory(userId, category, now);
        } catch (error) {
          if (error instanceof UnknownUserError)
            throw new HttpProblem(404, 'unknown-user', 'this user no longer exists');
          throw error;
        }
        try {
          await services.workflows.updatePreferences(userId, stored.preferences, stored.version);
        } catch (error) {
          // A mail provider's one-click POST is not repeated: a 5xx here would only hide that the opt-out holds.
          // The workflow learns it from the next preference signal or its start, and delivery re-checks it anyway.
          services.logger.warn(
            { err: error, category, unsubscribe: 'stored, not signalled' },
            'one-click unsubscribe stored but the workflow was not told',
          );
        }
        return { status: 200, body: { userId, category, status: 'unsubscribed' } };
      },
    }),
    operation({
      operationId: 'unsubscribePage',
      method: 'get',
      path: '/v1/unsubscribe/{token}',
      tag: 'email',
      summary: 'Confirmation page for the unsubscribe link (does not unsubscribe by itself)',
      scope: 'public',
      params: unsubscribePath,
      responses: { 200: { description: 'An HTML page with a confirm button.', contentType: 'text/html' } },
      async handle({ params, now }) {
        const { category } = verified(params.token, now);
        const action = `/v1/unsubscribe/${encodeURIComponent(params.token)}`;
        const html =
          '<!doctype html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head><body>' +
          `<p>Stop ${escapeHtml(category)} emails?</p>` +
          `<form method="post" action="${escapeHtml(action)}">` +
          '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
          '<button type="submit">Unsubscribe</button></form></body></html>';
        return { status: 200, body: html, contentType: 'text/html; charset=utf-8' };
      },
    }),
  ];
}
