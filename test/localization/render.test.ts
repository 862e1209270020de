import { afterAll, describe, expect, it } from 'vitest';
import { createTemplateCatalog, renderNotification, type RenderResult } from '../../localization';
import { FSI, GENERIC_EN, input, PDI, writeTree } from './support';

type Ok = Extract<RenderResult, { kind: 'ok' }>;

function ok(result: RenderResult): Ok {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.detail}`);
  return result;
}

/** ICU puts narrow no-break spaces in times and some groupings; compare with plain spaces. */
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

const JAN_15_1305_UTC = Date.UTC(2025, 0, 15, 13, 5);

describe('English', () => {
  it('fills variables and picks plural branches including =0 and large numbers', () => {
    const render = (mutual_count: number) =>
      ok(renderNotification(input('friend_joined', { friend_name: 'Dana', mutual_count }, 'en')));
    expect(render(0)).toMatchObject({ title: 'Dana just joined', body: 'Say hello and welcome them!' });
    expect(render(1).body).toBe('You have 1 friend in common. Say hello!');
    expect(render(2).body).toBe('You have 2 friends in common. Say hello!');
    expect(render(1_234_567).body).toBe('You have 1,234,567 friends in common. Say hello!');
    expect(render(1)).toMatchObject({ direction: 'ltr', locale: 'en' });
  });

  it('formats dates and times in the user time zone, across midnight and DST', () => {
    const at = (when: number, timeZone: string) =>
      plain(ok(renderNotification(input('login_new_device', { device: 'Pixel 9', when }, 'en', { timeZone }))).body);
    expect(at(JAN_15_1305_UTC, 'UTC')).toContain('from Pixel 9 on Jan 15, 2025 at 1:05 PM.');
    expect(at(JAN_15_1305_UTC, 'America/New_York')).toContain('on Jan 15, 2025 at 8:05 AM.');
    // 23:30 UTC is already the next morning in Tokyo.
    expect(at(Date.UTC(2025, 0, 15, 23, 30), 'Asia/Tokyo')).toContain('on Jan 16, 2025 at 8:30 AM.');
    // New York is UTC-4 in July (DST) and UTC-5 in January.
    expect(at(Date.UTC(2025, 6, 1, 13, 5), 'America/New_York')).toContain('on Jul 1, 2025 at 9:05 AM.');
  });

  it('accepts ISO 8601 strings for datetime variables', () => {
    const body = ok(
      renderNotification(input('login_new_device', { device: 'Pixel', when: '2025-01-15T13:05:00Z' }, 'en')),
    ).body;
    expect(plain(body)).toContain('Jan 15, 2025 at 1:05 PM');
  });

  it('formats percentages and long dates (promo)', () => {
    const r = ok(
      renderNotification(
        input('promo_available', { offer: 'Pro plan', discount: 0.25, ends_at: Date.UTC(2025, 8, 30, 12) }, 'en'),
      ),
    );
    expect(r.title).toBe('25% off: Pro plan');
    expect(r.body).toBe('Your offer ends on September 30, 2025. Tap to take a look.');
  });
});

describe('German', () => {
  it('renders German text, plurals and 24-hour times in Berlin (CET and CEST)', () => {
    const friend = (mutual_count: number) =>
      ok(renderNotification(input('friend_joined', { friend_name: 'Jörg', mutual_count }, 'de')));
    expect(friend(1)).toMatchObject({ title: 'Jörg ist jetzt dabei', locale: 'de', direction: 'ltr' });
    expect(friend(1).body).toBe('Ihr habt 1 gemeinsamen Freund. Sag Hallo!');
    expect(friend(12_345).body).toBe('Ihr habt 12.345 gemeinsame Freunde. Sag Hallo!');
    const login = (when: number) =>
      ok(renderNotification(input('login_new_device', { device: 'Pixel', when }, 'de', { timeZone: 'Europe/Berlin' })))
        .body;
    expect(login(JAN_15_1305_UTC)).toContain('am 15. Jan. 2025 um 14:05 von Pixel aus genutzt');
    expect(login(Date.UTC(2025, 6, 1, 13, 5))).toContain('am 1. Juli 2025 um 15:05');
  });

  it('uses the regional locale for numbers when the text is in its language (de-AT → de)', () => {
    const r = ok(renderNotification(input('friend_joined', { friend_name: 'Anna', mutual_count: 2 }, 'de-AT')));
    expect(r.locale).toBe('de');
    expect(r.title).toBe('Anna ist jetzt dabei');
  });
});

describe('Portuguese fallback chain', () => {
  it('pt-BR takes its own title and falls back to pt for the body it lacks', () => {
    const r = ok(renderNotification(input('friend_joined', { friend_name: 'Ana', mutual_count: 2 }, 'pt-BR')));
    expect(r.title).toBe('Ana acabou de entrar'); // pt-BR
    expect(r.body).toBe('Tem 2 amigos em comum. Diga olá!'); // pt
    expect(r.locale).toBe('pt-BR');
    const european = ok(renderNotification(input('friend_joined', { friend_name: 'Ana', mutual_count: 2 }, 'pt')));
    expect(european.title).toBe('Ana acabou de aderir');
  });

  it('formats pt text with pt-BR number conventions for a Brazilian user', () => {
    const vars = { creator: 'Lia', count: 1_234_567 };
    const br = ok(renderNotification(input('new_content', vars, 'pt-BR')));
    expect(br.title).toBe('1.234.567 novas publicações de Lia'); // title from pt, numbers as in Brazil
    expect(br.body).toBe('Toque para ver todas.'); // body from pt-BR
    // Our pt files are European Portuguese; a pt-PT user gets European grouping (CLDR's bare pt is Brazilian).
    const pt = ok(renderNotification(input('new_content', vars, 'pt-PT')));
    expect(plain(pt.title)).toBe('1 234 567 novas publicações de Lia');
    expect(pt).toMatchObject({ body: 'Toca para as ver todas.', locale: 'pt' });
  });

  it('uses the regional variable fallback when the regional file declares one', () => {
    expect(ok(renderNotification(input('payment_failed', {}, 'pt-BR'))).body).toContain('pagamento de sua assinatura');
    expect(ok(renderNotification(input('payment_failed', {}, 'pt'))).body).toContain('pagamento de a tua subscrição');
    expect(ok(renderNotification(input('payment_failed', {}, 'pt-BR'))).title).toBe('Falha no pagamento');
  });

  describe('down to the default locale', () => {
    const tree = writeTree({
      ...GENERIC_EN,
      'greeting/en.json': {
        title: 'Hello {name}',
        body: 'Welcome, {name}',
        variables: { name: { type: 'text', fallback: 'friend' } },
      },
      'greeting/pt.json': { title: 'Olá {name}', variables: { name: { type: 'text', fallback: 'amigo' } } },
      'greeting/pt-BR.json': { description: 'nothing differs yet' },
    });
    afterAll(tree.cleanup);
    const catalog = createTemplateCatalog({ dir: tree.dir });

    it('takes a key missing in pt-BR and pt from en, with the English fallback', () => {
      const r = ok(renderNotification(input('greeting', {}, 'pt-BR'), catalog));
      expect(r).toMatchObject({ title: 'Olá amigo', body: 'Welcome, friend', locale: 'pt' });
    });

    it('renders a locale without any file (ko) and an invalid tag in the default locale', () => {
      expect(ok(renderNotification(input('greeting', { name: 'Min' }, 'ko-KR'), catalog))).toMatchObject({
        title: 'Hello Min',
        locale: 'en',
      });
      expect(ok(renderNotification(input('greeting', {}, 'not a locale!'), catalog)).locale).toBe('en');
      expect(ok(renderNotification(input('greeting', {}, 'pt_br'), catalog)).title).toBe('Olá amigo');
    });
  });
});

describe('right-to-left', () => {
  it('Arabic: marks rtl, isolates user strings, agrees the verb with select', () => {
    const r = ok(
      renderNotification(
        input('friend_joined', { friend_name: 'Dana', friend_gender: 'female', mutual_count: 0 }, 'ar'),
      ),
    );
    expect(r).toMatchObject({ direction: 'rtl', locale: 'ar', title: `${FSI}Dana${PDI} انضمت للتو` });
    const male = ok(renderNotification(input('friend_joined', { friend_name: 'Omar', friend_gender: 'male' }, 'ar')));
    expect(male.title).toBe(`${FSI}Omar${PDI} انضم للتو`);
  });

  it('Arabic plurals: zero (=0), one, two, few (3–10), many (11–99), other (100, 1000)', () => {
    const body = (mutual_count: number) =>
      ok(renderNotification(input('friend_joined', { friend_name: 'x', mutual_count }, 'ar'))).body;
    const n = (x: number) => new Intl.NumberFormat('ar').format(x);
    expect(body(0)).toBe('قل مرحبًا!');
    expect(body(1)).toBe('لديكما صديق واحد مشترك. قل مرحبًا!');
    expect(body(2)).toBe('لديكما صديقان مشتركان. قل مرحبًا!');
    expect(body(3)).toBe(`لديكما ${n(3)} أصدقاء مشتركين. قل مرحبًا!`);
    expect(body(10)).toBe(`لديكما ${n(10)} أصدقاء مشتركين. قل مرحبًا!`);
    expect(body(11)).toBe(`لديكما ${n(11)} صديقًا مشتركًا. قل مرحبًا!`);
    expect(body(99)).toBe(`لديكما ${n(99)} صديقًا مشتركًا. قل مرحبًا!`);
    expect(body(100)).toBe(`لديكما ${n(100)} صديق مشترك. قل مرحبًا!`);
    expect(body(103)).toBe(`لديكما ${n(103)} أصدقاء مشتركين. قل مرحبًا!`); // 103 % 100 = 3 → few
  });

  it('Hebrew: rtl, isolates Latin and mixed-direction strings, two-form plural', () => {
    const r = ok(
      renderNotification(input('login_new_device', { device: 'iPhone 15 Pro', when: JAN_15_1305_UTC }, 'he')),
    );
    expect(r.direction).toBe('rtl');
    expect(r.body).toContain(`מ${FSI}iPhone 15 Pro${PDI} ב-`);
    const friend = (mutual_count: number) =>
      ok(
        renderNotification(input('friend_joined', { friend_name: 'David', friend_gender: 'male', mutual_count }, 'he')),
      );
    expect(friend(2).title).toBe(`${FSI}David${PDI} הצטרף עכשיו`);
    expect(friend(2).body).toBe('יש לכם שני חברים משותפים. אמרו שלום!');
    expect(friend(5).body).toBe('יש לכם 5 חברים משותפים. אמרו שלום!');
  });

  it('isolates a user string carrying a bidi override, so the override cannot leak into the message', () => {
    const sneaky = 'evil\u202Egnp.exe';
    const r = ok(renderNotification(input('friend_joined', { friend_name: sneaky }, 'he')));
    expect(r.title.startsWith(`${FSI}${sneaky}${PDI}`)).toBe(true);
  });

  it('isolates RTL user strings inside LTR messages, but leaves Latin names alone', () => {
    expect(ok(renderNotification(input('friend_joined', { friend_name: 'دانة' }, 'en'))).title).toBe(
      `${FSI}دانة${PDI} just joined`,
    );
    expect(ok(renderNotification(input('friend_joined', { friend_name: 'Dana' }, 'en'))).title).toBe(
      'Dana just joined',
    );
  });

  it('accepts the deprecated code iw for Hebrew', () => {
    expect(ok(renderNotification(input('friend_joined', {}, 'iw'))).locale).toBe('he');
  });
});

describe('Japanese', () => {
  it('renders Japanese with a single plural form and Japanese date formats', () => {
    const r = ok(renderNotification(input('friend_joined', { friend_name: 'Yuki', mutual_count: 3 }, 'ja')));
    expect(r).toMatchObject({ title: 'Yukiさんが参加しました', direction: 'ltr', locale: 'ja' });
    expect(r.body).toBe('共通の友達が3人います。あいさつしてみましょう!');
    const login = ok(
      renderNotification(
        input('login_new_device', { device: 'Pixel', when: JAN_15_1305_UTC }, 'ja', { timeZone: 'Asia/Tokyo' }),
      ),
    );
    expect(login.body.startsWith('2025年1月15日 22:05にPixelから')).toBe(true);
  });
});

describe('other plural rules', () => {
  const tree = writeTree({
    ...GENERIC_EN,
    'files/en.json': {
      title: 'Files',
      body: '{n, plural, one {# file} other {# files}}',
      variables: { n: { type: 'number', fallback: 0 } },
    },
    'files/ru.json': {
      title: 'Файлы',
      body: '{n, plural, one {# файл} few {# файла} many {# файлов} other {# файла}}',
      variables: { n: { type: 'number', fallback: 0 } },
    },
    'files/fr.json': {
      title: 'Fichiers',
      body: '{n, plural, one {# fichier} many {# de fichiers} other {# fichiers}}',
      variables: { n: { type: 'number', fallback: 0 } },
    },
  });
  afterAll(tree.cleanup);
  const catalog = createTemplateCatalog({ dir: tree.dir });
  const body = (locale: string, n: number) =>
    plain(ok(renderNotification(input('files', { n }, locale), catalog)).body);

  it('Russian one/few/many, including 11–14 and 21/22', () => {
    expect([1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 111].map((n) => body('ru', n))).toEqual([
      '1 файл',
      '2 файла',
      '4 файла',
      '5 файлов',
      '11 файлов',
      '12 файлов',
      '14 файлов',
      '21 файл',
      '22 файла',
      '25 файлов',
      '111 файлов',
    ]);
    expect(body('ru', 1.5)).toBe('1,5 файла'); // fractions are "other"
  });

  it('French counts 0 as singular and a million as "many"', () => {
    expect(body('fr', 0)).toBe('0 fichier');
    expect(body('fr', 1)).toBe('1 fichier');
    expect(body('fr', 2)).toBe('2 fichiers');
    expect(body('fr', 1_000_000)).toBe('1 000 000 de fichiers');
    expect(body('fr', 1_000_001)).toBe('1 000 001 fichiers');
  });

  it('English large numbers and numeric strings', () => {
    expect(body('en', 1_000_000)).toBe('1,000,000 files');
    expect(plain(ok(renderNotification(input('files', { n: '1' }, 'en'), catalog)).body)).toBe('1 file');
  });
});

describe('missing and unusable variables', () => {
  it('uses declared fallbacks for missing, null, empty and unusable values', () => {
    const fallback = ok(renderNotification(input('friend_joined', {}, 'en')));
    expect(fallback).toMatchObject({ title: 'A friend just joined', body: 'Say hello and welcome them!' });
    const junk = ok(
      renderNotification(
        input('friend_joined', { friend_name: '  ', mutual_count: 'lots', friend_gender: null }, 'en'),
      ),
    );
    expect(junk).toMatchObject({ title: 'A friend just joined', body: 'Say hello and welcome them!' });
    expect(ok(renderNotification(input('friend_joined', { friend_name: null }, 'fr'))).title).toBe(
      'Un de vos amis vient de s’inscrire',
    );
  });

  it('returns template_error when a variable without fallback is missing or unusable', () => {
    const missing = renderNotification(input('streak_at_risk', { streak_days: 3 }, 'en'));
    expect(missing).toMatchObject({ kind: 'error', reason: 'template_error' });
    expect(missing.kind === 'error' && missing.detail).toMatch(/missing variable "deadline"/);
    const unusable = renderNotification(input('streak_at_risk', { streak_days: 'many', deadline: 0 }, 'en'));
    expect(unusable.kind === 'error' && unusable.detail).toMatch(/unusable number value for variable "streak_days"/);
    const badDate = renderNotification(input('streak_at_risk', { streak_days: 2, deadline: 'yesterday' }, 'de'));
    expect(badDate.kind).toBe('error');
  });

  it('does not put the offending value in the error detail', () => {
    const r = renderNotification(input('streak_at_risk', { streak_days: 'alice@example.com', deadline: 0 }, 'en'));
    expect(r.kind === 'error' && r.detail).not.toContain('alice');
  });

  it('renders the required variables when present, in the user zone', () => {
    const r = ok(
      renderNotification(
        input('streak_at_risk', { streak_days: 1, deadline: Date.UTC(2025, 0, 15, 20) }, 'en', {
          timeZone: 'America/Sao_Paulo',
        }),
      ),
    );
    expect(plain(r.body)).toBe('You’ve kept it up for 1 day. Practice before 5:00 PM to keep your streak.');
  });

  it('cuts long user strings to the declared length at a grapheme boundary', () => {
    const name = '👨‍👩‍👧‍👦'.repeat(50);
    const title = ok(renderNotification(input('friend_joined', { friend_name: name }, 'en'))).title;
    const cut = title.slice(0, -' just joined'.length);
    expect(cut).toBe('👨‍👩‍👧‍👦'.repeat(29) + '…'); // maxLength 30 graphemes, ellipsis included
  });

  it('rejects an unknown template and an invalid time zone (only where a date is formatted)', () => {
    expect(renderNotification(input('no_such_template', {}, 'en'))).toMatchObject({
      kind: 'error',
      reason: 'template_error',
    });
    const bad = renderNotification(
      input('login_new_device', { device: 'x', when: 0 }, 'en', { timeZone: 'Mars/Olympus_Mons' }),
    );
    expect(bad.kind === 'error' && bad.detail).toMatch(/invalid time zone/);
    expect(renderNotification(input('friend_joined', {}, 'en', { timeZone: 'Mars/Olympus_Mons' })).kind).toBe('ok');
  });
});

describe('privacy', () => {
  const secret = { device: 'Secret Laptop', when: JAN_15_1305_UTC };

  it('sensitive categories and privacy mode get lock-screen-safe localized text with no details', () => {
    for (const flags of [{ sensitive: true }, { privacyMode: true }]) {
      const en = ok(renderNotification(input('login_new_device', secret, 'en', flags)));
      expect(en).toMatchObject({ title: 'New activity', body: 'Open the app to see the details.' });
      expect(JSON.stringify(en)).not.toContain('Secret');
      expect(ok(renderNotification(input('login_new_device', secret, 'de', flags))).title).toBe('Neue Aktivität');
      expect(ok(renderNotification(input('login_new_device', secret, 'ar', flags)))).toMatchObject({
        title: 'نشاط جديد',
        direction: 'rtl',
      });
    }
  });

  it('still renders a push when the candidate lacks required variables', () => {
    const r = ok(renderNotification(input('streak_at_risk', {}, 'pt-BR', { privacyMode: true })));
    expect(r).toMatchObject({ title: 'Nova atividade', body: 'Abra o app para ver os detalhes.' });
  });

  it('gives email and SMS the real localized text even for sensitive categories and privacy mode', () => {
    for (const flags of [{ sensitive: true }, { privacyMode: true }]) {
      const email = ok(renderNotification(input('login_new_device', secret, 'en', { ...flags, channel: 'email' })));
      expect(email.subject).toBe('New sign-in to your account');
      expect(email.body).toContain('Secret Laptop');
      expect(email.html).toContain('Secret Laptop');
      const sms = ok(renderNotification(input('login_new_device', secret, 'en', { ...flags, channel: 'sms' })));
      expect(sms.body).toContain('Secret Laptop');
      expect(sms.title).not.toBe('New activity');
    }
  });
});

describe('email', () => {
  it('adds subject and HTML with user strings escaped; push gets neither', () => {
    const vars = { device: '<script>alert(1)</script>', when: JAN_15_1305_UTC };
    const email = ok(renderNotification(input('login_new_device', vars, 'en', { channel: 'email' })));
    expect(email.subject).toBe('New sign-in to your account');
    expect(email.html).toContain('<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
    expect(email.html).not.toContain('<script>');
    expect(email.body).toContain('<script>alert(1)</script>'); // plain text is not HTML
    const push = ok(renderNotification(input('login_new_device', vars, 'en')));
    expect(push.html).toBeUndefined();
    expect(push.subject).toBeUndefined();
  });

  it('derives subject and HTML from title and body for push-only templates, with direction', () => {
    const en = ok(renderNotification(input('friend_joined', { friend_name: 'A & B' }, 'en', { channel: 'email' })));
    expect(en.subject).toBe('A & B just joined');
    expect(en.html).toBe('<p dir="ltr">Say hello and welcome them!</p>');
    const ar = ok(renderNotification(input('friend_joined', {}, 'ar', { channel: 'email' })));
    expect(ar.html).toBe('<p dir="rtl">قل مرحبًا!</p>');
  });

  it('wraps RTL email HTML in dir="rtl"', () => {
    const r = ok(renderNotification(input('password_reset', { expires_minutes: 2 }, 'ar', { channel: 'email' })));
    expect(r.html?.startsWith('<div dir="rtl">')).toBe(true);
    expect(r.body).toContain('دقيقتين'); // Arabic dual
  });
});
