-- The rows whose search text holds a character beyond ASCII (after folding: other scripts than Latin).
-- A two-character search finds its hits through the trigram index by naming every trigram the pair can
-- make, and trigrams with such characters are stored hashed: those rows are collected from here instead.
CREATE INDEX "users_search_non_ascii_idx" ON "users" USING btree ("id") WHERE "users"."search_text" ~ '[^\x01-\x7f]';