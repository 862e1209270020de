// Time-zone names as people know them today. The runtime (ICU) accepts every IANA name and alias, but names a zone
// by CLDR's canonical id, which keeps old spellings IANA has since replaced (Asia/Calcutta for Asia/Kolkata,
// Europe/Kiev for Europe/Kyiv). Tact stores and lists IANA's current name: the zones where the two differ are
// mapped below (checked against the runtime's own alias data by test/domain/time-zone-names.test.ts), and UTC,
// which the runtime's list leaves out, is listed (docs/product.md §3, §10).

/** CLDR canonical id → IANA's current (primary) name, where they differ. */
const CURRENT_IANA_NAME: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The current IANA name of any name or alias the runtime knows (`Asia/Calcutta` → `Asia/Kolkata`); undefined if unknown. */
export function currentTimeZoneName(name: string): string | undefined {
  let cldr: string;
  try {
    cldr = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  return CURRENT_IANA_NAME[cldr] ?? cldr;
}

/** Every zone once, by its current IANA name, plus UTC, sorted. */
export function currentTimeZoneNames(): string[] {
  const names = new Set(Intl.supportedValuesOf('timeZone').map((cldr) => CURRENT_IANA_NAME[cldr] ?? cldr));
  names.add('UTC');
  return [...names].sort();
}
