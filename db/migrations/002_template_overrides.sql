-- Database overrides of repository templates (templates/<template>/<locale>.json), layered over the file of the
-- same template and locale field by field. Documents are validated by the application before they are written
-- (db/template-overrides.ts); the checks here only keep the shape sane for rows written by other means.
CREATE TABLE template_overrides (
  template text NOT NULL CHECK (template ~ '^[a-z][a-z0-9_]*$' AND length(template) <= 100),
  -- Canonical BCP 47 base name, e.g. `de`, `pt-BR`.
  locale text NOT NULL CHECK (length(locale) BETWEEN 2 AND 35),
  document jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (template, locale)
);
