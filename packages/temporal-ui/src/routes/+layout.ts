// The whole UI renders in the browser; i18n is set up once, in English, as Temporal's UI does.
import i18next from 'i18next';
import { i18nNamespaces } from '@temporalio/ui/i18n/index';
import resources from '@temporalio/ui/i18n/locales/index';

export const ssr = false;
export const prerender = false;

export const load = () => {
  if (!i18next.isInitialized) {
    void i18next.init({ lng: 'en', fallbackLng: 'en', ns: i18nNamespaces, defaultNS: 'common', resources });
  }
};
