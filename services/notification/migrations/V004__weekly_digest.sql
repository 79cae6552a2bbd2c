-- The weekly digest (issue 17): what is open for each person, from the facts the feed
-- already gives (rounds, respondents, actions) and two more kept here (challenges awaiting
-- an answer, scrutineer's reports out for the accuracy check); each person's choice to
-- have it or not; and the weeks whose digests were composed, kept in the same transaction
-- as the digests themselves so that a restart never composes a week twice.

-- Challenges awaiting the respondent's answer (state open); gone once answered or closed.
CREATE TABLE open_challenges (
  challenge_id   text PRIMARY KEY,
  assessment_id  text NOT NULL,
  partnership_id text NOT NULL,
  respondent_id  text NOT NULL,
  question_id    text NOT NULL
);
CREATE INDEX open_challenges_by_partnership ON open_challenges (partnership_id);

-- Scrutineer's report versions shared with partners for the factual-accuracy check; gone
-- once the version is published (or a later version is shared).
CREATE TABLE shared_reports (
  assessment_id  text PRIMARY KEY,
  partnership_id text NOT NULL,
  version        integer NOT NULL,
  -- "partnerships/{p}/organisations/{o}" asked to check it.
  partners       text[] NOT NULL DEFAULT '{}'
);

-- A person's choices ("users/{u}"); no row: the defaults (the digest on).
CREATE TABLE person_preferences (
  principal     text PRIMARY KEY,
  weekly_digest boolean NOT NULL,
  update_time   timestamptz NOT NULL DEFAULT now()
);

-- Each week's digests are composed once: the week's slot (its date in the hub's time zone).
CREATE TABLE digest_weeks (
  slot_day     date PRIMARY KEY,
  people       integer NOT NULL,
  compose_time timestamptz NOT NULL DEFAULT now()
);

-- The List-Unsubscribe header of a digest (RFC 2369), "" for every other notice.
ALTER TABLE deliveries ADD COLUMN list_unsubscribe text NOT NULL DEFAULT '';

-- Which of a respondent's questions have an answer, and how many it was asked (0: every
-- question of the framework, a number the service does not know): the digest tells a
-- respondent how far along they are and leaves out a round they have answered in full.
CREATE TABLE answered_questions (
  assessment_id text NOT NULL,
  respondent_id text NOT NULL,
  question_id   text NOT NULL,
  PRIMARY KEY (assessment_id, respondent_id, question_id)
);
ALTER TABLE respondents ADD COLUMN question_count integer NOT NULL DEFAULT 0;
