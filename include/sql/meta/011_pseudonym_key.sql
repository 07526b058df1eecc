-- Key continuity: the fingerprint of every pseudonymisation key (generation) the warehouse was
-- filled with. A fingerprint is an HMAC of a constant under the key chain (jeugdhulp.privacy),
-- never the key: it proves which key made the pseudonyms without revealing it. Written at the
-- first use and by `jeugdhulp key rotate`; every pseudonymising step refuses another key.
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.pseudonym_sleutel (
    generatie         smallint PRIMARY KEY CHECK (generatie >= 1),
    vingerafdruk      char(64) NOT NULL UNIQUE CHECK (vingerafdruk ~ '^[0-9a-f]{64}$'),
    in_gebruik_sinds  timestamptz NOT NULL DEFAULT now(),
    toelichting       text NOT NULL
);
COMMENT ON TABLE meta.pseudonym_sleutel IS
    'Vingerafdruk (HMAC van een vaste tekst, nooit de sleutel) van elke generatie van de pseudonimiseringssleutel; de hoogste generatie is de huidige. Een ingest met een andere sleutel wordt geweigerd.';
COMMENT ON COLUMN meta.pseudonym_sleutel.generatie IS
    'Volgnummer van de sleutel: 1 bij het eerste gebruik, +1 bij elke rotatie (jeugdhulp key rotate).';
COMMENT ON COLUMN meta.pseudonym_sleutel.vingerafdruk IS
    'HMAC-SHA256 van een vaste tekst onder de sleutelketen tot en met deze generatie.';
COMMENT ON COLUMN meta.pseudonym_sleutel.in_gebruik_sinds IS 'Moment waarop deze generatie in gebruik kwam.';
COMMENT ON COLUMN meta.pseudonym_sleutel.toelichting IS 'Hoe de generatie ontstond (eerste gebruik, rotatie met aantallen).';
