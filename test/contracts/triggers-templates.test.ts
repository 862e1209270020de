// The default trigger rules and the template catalog are one contract: every rule names a template that exists in
// every locale, fills variables that template declares (all of them, the required ones above all), and a realistic
// event renders with the user's own values in every locale, never with fallback text or a raw placeholder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTemplateCatalog, renderNotification, type TemplateCatalog } from '../../localization';
import { defaultTemplatesDir } from '../../localization/catalog';
import type { MessageFormatElement } from '../../localization/compile';
import { findDeclaration, findMessage, resolve } from '../../localization/resolve';
import { MESSAGE_FIELDS, type RenderResult, type VariableDeclaration } from '../../localization/types';
import { candidatesFromEvent, DEFAULT_TRIGGERS, type TriggerRule } from '../../domain/triggers';
import type { Candidate, Channel, UserEvent } from '../../domain/types';
import { utc } from '../support/instants';
import { minutes, subMs } from '../../domain/units';
import { nth, present } from '../../domain/present';

/** Every locale the templates are written in; pt-BR files may hold only what differs from pt. */
const LOCALES = ['en', 'de', 'fr', 'es', 'pt', 'pt-BR', 'ar', 'he', 'ja'];
const CHANNELS: Channel[] = ['push', 'email'];
const NOW = utc(2025, 8, 24, 9, 30);
const TIME_ZONE = 'America/Sao_Paulo';
const DAY_AND_AN_HOUR = 25 * 3_600_000;

/**
 * A realistic event per default trigger, carrying every property its rule reads, with values that differ from the
 * templates' fallbacks (so a fallback cannot pass for the user's value) and that avoid the plural cases some
 * languages spell out in words (one, two).
 */
const EXAMPLES: Record<string, UserEvent['properties']> = {
  password_reset: { expiresInMinutes: 30 },
  login_new_device: { deviceId: 'dev-9', deviceName: 'Pixel 9 Pro' },
  payment_failed: { invoiceId: 'inv-7', plan: 'Premium Family', retryInDays: 5 },
  subscription_renewed: { invoiceId: 'inv-8', plan: 'Premium Family', billingPeriod: 'year' },
  friend_joined: { friendId: 'u-42', friendName: 'Zoë Ødegaard', friendGender: 'female', mutualCount: 7 },
  comment_reply: { threadId: 't-3', authorName: 'عمر', authorGender: 'male', replyCount: 4 },
  new_content: { contentId: 'c-5', creatorName: 'Lena Bakes', postCount: 6 },
  streak_at_risk: { streakDay: '2025-09-24', streakLength: 12, endsAt: '2025-09-25T02:59:00Z' },
  cart_abandoned: { cartId: 'cart-1', itemCount: 3 },
  promo_available: { promoId: 'p-1', offerName: 'Autumn Sale', discount: 0.3, endsAt: utc(2025, 9, 1, 22) },
};

let catalog: TemplateCatalog;
beforeAll(() => {
  catalog = createTemplateCatalog();
});

function eventFor(rule: TriggerRule, properties: UserEvent['properties']): UserEvent {
  return {
    id: `evt-${rule.eventType}`,
    userId: 'u-contract',
    type: rule.eventType,
    occurredAt: subMs(NOW, minutes(1)),
    properties,
  };
}

function candidateFor(rule: TriggerRule, properties: UserEvent['properties']): Candidate {
  const candidates = candidatesFromEvent(eventFor(rule, properties), [rule], NOW);
  expect(candidates).toHaveLength(1);
  return nth(candidates, 0);
}

/** Template variable names the rule fills. */
function produced(rule: TriggerRule): string[] {
  return [...Object.keys(rule.variables ?? {}), ...(rule.eventTimeAs === undefined ? [] : [rule.eventTimeAs])];
}

/** Every variable declared for the template along the locale's fallback chain, most specific first. */
function declarations(template: string, locale: string): Map<string, VariableDeclaration> {
  const found = new Map<string, VariableDeclaration>();
  for (const document of resolve(catalog, template, locale).documents) {
    for (const [name, declaration] of Object.entries(document?.document.variables ?? {})) {
      if (!found.has(name)) found.set(name, declaration);
    }
  }
  return found;
}

/**
 * The values a choice variable has a branch of its own for in the messages this locale shows (a language that needs
 * no gender agreement has none; another may have only `female` and `other`).
 */
function selectKeys(template: string, locale: string, variable: string): Set<string> {
  const keys = new Set<string>();
  const walk = (elements: MessageFormatElement[]): void => {
    for (const element of elements) {
      if (!('options' in element)) continue;
      if (!('pluralType' in element) && element.value === variable) {
        for (const key of Object.keys(element.options)) if (key !== 'other') keys.add(key);
      }
      for (const option of Object.values(element.options)) walk(option.value);
    }
  };
  const resolution = resolve(catalog, template, locale);
  for (const field of MESSAGE_FIELDS) walk(findMessage(resolution, field)?.message.ast ?? []);
  return keys;
}

function render(candidate: Candidate, locale: string, channel: Channel): RenderResult {
  return renderNotification(
    { candidate, locale, timeZone: TIME_ZONE, channel, privacyMode: false, sensitive: false },
    catalog,
  );
}

/** Everything the user sees on the channel, one field per line. */
function visibleText(result: RenderResult): string {
  if (result.kind !== 'ok') throw new Error(`expected a rendering, got template_error: ${result.detail}`);
  return [result.title, result.body, result.subject ?? '', result.html ?? ''].join('\n');
}

/** The cells of an event type's row in the table of templates/README.md (cell 0 is the empty edge). */
function readmeRow(eventType: string): string[] | undefined {
  const readme = readFileSync(join(defaultTemplatesDir(), 'README.md'), 'utf8');
  return readme
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .find((cells) => cells[0] === '' && cells[1] === `\`${eventType}\``);
}

describe('default trigger rules and templates', () => {
  it('have a realistic example event for every rule, carrying every property the rule reads', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(DEFAULT_TRIGGERS.map((r) => r.eventType).sort());
    for (const rule of DEFAULT_TRIGGERS) {
      const example = present(EXAMPLES[rule.eventType], 'EXAMPLES[rule.eventType]');
      const read = [...Object.values(rule.variables ?? {}), ...(rule.dedupeKeyFrom ? [rule.dedupeKeyFrom] : [])];
      expect(
        read.filter((property) => !(property in example)),
        rule.eventType,
      ).toEqual([]);
    }
  });

  describe.each(DEFAULT_TRIGGERS.map((rule) => [rule.eventType, rule] as const))('%s', (_, rule) => {
    it('names a catalog template that exists in every locale', () => {
      expect(catalog.templateNames()).toContain(rule.template);
      expect(LOCALES.filter((locale) => !catalog.localesOf(rule.template).includes(locale))).toEqual([]);
    });

    it('fills only variables the template declares in every locale, the event time as a datetime', () => {
      const undeclared = LOCALES.flatMap((locale) => {
        const resolution = resolve(catalog, rule.template, locale);
        return produced(rule)
          .filter((name) => findDeclaration(resolution, name, 0) === undefined)
          .map((name) => `${locale}: ${name}`);
      });
      expect(undeclared).toEqual([]);
      if (rule.eventTimeAs !== undefined) {
        for (const locale of LOCALES) {
          expect(declarations(rule.template, locale).get(rule.eventTimeAs)?.type, locale).toBe('datetime');
        }
      }
    });

    it('fills every variable the template declares, so required ones are never missing', () => {
      const filled = new Set(produced(rule));
      const unfilled = (requiredOnly: boolean) =>
        LOCALES.flatMap((locale) =>
          [...declarations(rule.template, locale)]
            .filter(([name, declaration]) => !filled.has(name) && (!requiredOnly || 'required' in declaration))
            .map(([name]) => `${locale}: ${name}`),
        );
      expect(unfilled(true), 'required variables no event property fills').toEqual([]);
      expect(unfilled(false), 'variables that would always show their fallback').toEqual([]);
    });

    it('renders the user’s values in every locale, on push and email, with no placeholder left', () => {
      const candidate = candidateFor(rule, present(EXAMPLES[rule.eventType], 'EXAMPLES[rule.eventType]'));
      for (const locale of LOCALES) {
        const declared = declarations(rule.template, locale);
        for (const channel of CHANNELS) {
          const where = `${rule.template} ${locale} ${channel}`;
          const text = visibleText(render(candidate, locale, channel));
          expect(text, where).not.toMatch(/[{}]|undefined|NaN/);

          for (const name of produced(rule)) {
            const value = candidate.variables[name];
            expect(value, `${where}: the example fills ${name}`).toBeDefined();
            const declaration = present(declared.get(name), 'declared.get(name)');
            switch (declaration.type) {
              case 'text':
                expect(text, `${where}: ${name}`).toContain(String(value));
                break;
              case 'number': {
                const n = Number(value);
                const shown = [
                  new Intl.NumberFormat(locale).format(n),
                  new Intl.NumberFormat(locale, { style: 'percent' }).format(n),
                ];
                expect(
                  shown.some((s) => text.includes(s)),
                  `${where}: ${name} = ${n} not shown in ${text}`,
                ).toBe(true);
                break;
              }
              case 'datetime': {
                const ms = typeof value === 'number' ? value : Date.parse(String(value));
                const moved = { ...candidate.variables, [name]: ms + DAY_AND_AN_HOUR };
                const other = visibleText(render({ ...candidate, variables: moved }, locale, channel));
                expect(other, `${where}: ${name} must show in the text`).not.toBe(text);
                break;
              }
              case 'choice': {
                if (!selectKeys(rule.template, locale, name).has(String(value)) || !('fallback' in declaration)) break;
                const neutral = { ...candidate.variables, [name]: declaration.fallback };
                const other = visibleText(render({ ...candidate, variables: neutral }, locale, channel));
                expect(other, `${where}: ${name} = ${String(value)} must change the wording`).not.toBe(text);
                break;
              }
            }
          }
        }
      }
    });

    it('renders with only the required properties, the others taking their fallbacks', () => {
      const example = present(EXAMPLES[rule.eventType], 'EXAMPLES[rule.eventType]');
      const requiredProperties = Object.entries(rule.variables ?? {})
        .filter(([name]) =>
          LOCALES.some((locale) => 'required' in (declarations(rule.template, locale).get(name) ?? {})),
        )
        .map(([, property]) => property);
      const minimal = Object.fromEntries(requiredProperties.map((property) => [property, example[property] ?? null]));
      const candidate = candidateFor(rule, minimal);
      for (const locale of LOCALES) {
        for (const channel of CHANNELS) {
          expect(visibleText(render(candidate, locale, channel)), `${locale} ${channel}`).not.toMatch(/[{}]/);
        }
      }
    });

    it('is documented in templates/README.md with every event property it reads', () => {
      const cells = readmeRow(rule.eventType);
      if (cells === undefined) throw new Error(`templates/README.md has no row for ${rule.eventType}`);
      expect(cells[2]).toBe(`\`${rule.template}\` (${rule.category})`);
      for (const [variable, property] of Object.entries(rule.variables ?? {})) {
        expect(cells[3]).toMatch(new RegExp(`\`${property}\` \\([^)]*\\) → \`${variable}\``));
      }
      if (rule.eventTimeAs !== undefined) expect(cells[3]).toContain(`\`occurredAt\` → \`${rule.eventTimeAs}\``);
      expect(cells[4]).toBe(`${rule.dedupeKeyFrom ? `\`${rule.dedupeKeyFrom}\`` : '—'}, \`${rule.deepLink}\``);
    });
  });
});
